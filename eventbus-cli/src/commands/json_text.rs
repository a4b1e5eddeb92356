//! Reading JSON text given on the command line, with errors that say what is wrong.

use super::CliError;
use serde_json::Value;

/// Parse `text` (from `origin`: `--data`, a file, standard input) as JSON; the error names the
/// origin and, for an escaped lone UTF-16 surrogate, says so and where (serde_json only says
/// "unexpected end of hex escape" or "lone leading surrogate").
pub fn parse(origin: &str, text: &str) -> Result<Value, CliError> {
    serde_json::from_str(text).map_err(|error| {
        let detail = match invalid_surrogate(text) {
            Some(surrogate) => surrogate,
            None => error.to_string(),
        };
        CliError::Refused(format!("{origin} is not JSON: {detail}"))
    })
}

/// The first `\uXXXX` escape in a JSON string that is a lone surrogate: a high one
/// (`D800`-`DBFF`) not followed by a low one (`DC00`-`DFFF`), or a low one alone. Described with
/// its line and column (1-based, in characters).
fn invalid_surrogate(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let escape_at = |i: usize| -> Option<u32> {
        if chars.get(i) != Some(&'\\') || chars.get(i + 1) != Some(&'u') {
            return None;
        }
        let hex: String = chars.get(i + 2..i + 6)?.iter().collect();
        u32::from_str_radix(&hex, 16).ok()
    };
    let (mut in_string, mut i) = (false, 0);
    while i < chars.len() {
        match chars[i] {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                if let Some(unit) = escape_at(i) {
                    let problem = match unit {
                        0xD800..=0xDBFF => match escape_at(i + 6) {
                            Some(0xDC00..=0xDFFF) => {
                                i += 12;
                                continue;
                            }
                            _ => Some("a high surrogate not followed by a low one"),
                        },
                        0xDC00..=0xDFFF => Some("a low surrogate without a high one before it"),
                        _ => None,
                    };
                    if let Some(problem) = problem {
                        let line = chars[..i].iter().filter(|c| **c == '\n').count() + 1;
                        let column = i - chars[..i]
                            .iter()
                            .rposition(|c| *c == '\n')
                            .map_or(0, |p| p + 1)
                            + 1;
                        let escape: String = chars[i..i + 6].iter().collect();
                        return Some(format!(
                            "the string escape `{escape}` at line {line}, column {column} is an \
                             invalid surrogate ({problem}); a character outside the Basic \
                             Multilingual Plane is written as a pair of escapes (e.g. \
                             `\\ud83d\\ude00`) or as itself"
                        ));
                    }
                    i += 6;
                    continue;
                }
                i += 1; // skip the escaped character
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_are_named_with_their_place() {
        let err = parse("--data", "{\"a\": \"x\\ud800\"}")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--data is not JSON: the string escape `\\ud800` at line 1, column 9 is an invalid \
             surrogate (a high surrogate not followed by a low one); a character outside the \
             Basic Multilingual Plane is written as a pair of escapes (e.g. `\\ud83d\\ude00`) or \
             as itself"
        );
        let err = parse(
            "f.json",
            "{\n  \"a\": \"\\\\ud800\",\n  \"b\": \"\\udc00\"}",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`\\udc00` at line 3, column 9 is an invalid surrogate (a low surrogate"),
            "{err}"
        );
        // A valid pair and an escaped backslash are fine; other errors are serde_json's.
        assert_eq!(
            parse("--data", "\"\\ud83d\\ude00 \\\\ud800\"").unwrap(),
            Value::from("😀 \\ud800")
        );
        let err = parse("--data", "{").unwrap_err().to_string();
        assert_eq!(
            err,
            "--data is not JSON: EOF while parsing an object at line 1 column 1"
        );
    }
}
