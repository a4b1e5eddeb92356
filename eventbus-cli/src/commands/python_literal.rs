//! Python literals (`ast.literal_eval`'s subset) read as JSON, without running Python: dicts
//! (string keys), lists and tuples (arrays), strings (all quotes and prefixes but f-strings and
//! bytes, with their escapes and implicit concatenation), integers, floats, `True`, `False`,
//! `None`, with comments and line breaks anywhere inside brackets. Anything else (a name, a call,
//! an operator, `**` unpacking) is an error naming its line and column.

use serde_json::{Map, Number, Value};

/// Why text is not a literal, with where (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct LiteralError {
    /// The line.
    pub line: usize,
    /// The column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Read the literal that starts at byte `start` of `text` and ends its statement (the rest of
/// its last line may hold a comment or `;` only).
pub fn parse_at(text: &str, start: usize) -> Result<Value, LiteralError> {
    let mut parser = Parser {
        text,
        chars: text[start..]
            .char_indices()
            .map(|(i, c)| (start + i, c))
            .collect(),
        at: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_blank(false);
    match parser.peek() {
        None | Some('\n' | ';') => Ok(value),
        Some(c) => Err(parser.error(format!(
            "`{c}` after the literal: only a literal is read (no operators, calls or names)"
        ))),
    }
}

struct Parser<'t> {
    text: &'t str,
    chars: Vec<(usize, char)>,
    at: usize,
    /// Brackets open: inside them line breaks are blanks.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|&(_, c)| c)
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).map(|&(_, c)| c)
    }

    fn error(&self, message: impl Into<String>) -> LiteralError {
        let offset = self.chars.get(self.at).map_or(self.text.len(), |&(i, _)| i);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |p| p + 1)..]
            .chars()
            .count()
            + 1;
        LiteralError {
            line,
            column,
            message: message.into(),
        }
    }

    /// Skip spaces, comments, backslash continuations and, inside brackets (or when
    /// `newlines`), line breaks.
    fn skip_blank(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\x0c' => self.at += 1,
                '\n' if newlines || self.depth > 0 => self.at += 1,
                '\\' if self.peek_at(1) == Some('\n') => self.at += 2,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), LiteralError> {
        self.skip_blank(false);
        if self.peek() == Some(wanted) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(match self.peek() {
                Some(c) => format!("expected `{wanted}`, found `{c}`"),
                None => format!("expected `{wanted}`, found the end of the file"),
            }))
        }
    }

    fn value(&mut self) -> Result<Value, LiteralError> {
        self.skip_blank(false);
        let Some(c) = self.peek() else {
            return Err(self.error("expected a literal, found the end of the file"));
        };
        match c {
            '{' => self.dict(),
            '[' => self.sequence(']').map(Value::Array),
            '(' => self.parenthesized(),
            '"' | '\'' => self.strings(),
            '0'..='9' | '.' | '-' | '+' => self.number(),
            c if c.is_alphabetic() && self.prefixed_string() => self.strings(),
            c if c.is_alphabetic() || c == '_' => self.word(),
            c => Err(self.error(format!("`{c}` does not start a literal"))),
        }
    }

    fn open(&mut self) {
        self.at += 1;
        self.depth += 1;
    }

    fn dict(&mut self) -> Result<Value, LiteralError> {
        self.open();
        let mut map = Map::new();
        loop {
            self.skip_blank(false);
            if self.peek() == Some('}') {
                break;
            }
            if self.peek() == Some('*') {
                return Err(self.error("`**` unpacking is not a literal"));
            }
            let key = match self.value()? {
                Value::String(key) => key,
                other => {
                    return Err(self.error(format!(
                        "dict key {other} is not a string (the configuration's keys are strings)"
                    )))
                }
            };
            self.skip_blank(false);
            if self.peek() == Some(',') || self.peek() == Some('}') {
                return Err(self.error("a set is not a dict: expected `:` after the key"));
            }
            self.expect(':')?;
            let value = self.value()?;
            map.insert(key, value);
            self.skip_blank(false);
            match self.peek() {
                Some(',') => self.at += 1,
                Some('}') => break,
                _ => return Err(self.error_found("`,` or `}`")),
            }
        }
        self.at += 1;
        self.depth -= 1;
        Ok(Value::Object(map))
    }

    fn error_found(&self, wanted: &str) -> LiteralError {
        self.error(match self.peek() {
            Some(c) => format!("expected {wanted}, found `{c}`"),
            None => format!("expected {wanted}, found the end of the file"),
        })
    }

    /// The items of a list or tuple up to `close`.
    fn sequence(&mut self, close: char) -> Result<Vec<Value>, LiteralError> {
        self.open();
        let mut items = Vec::new();
        loop {
            self.skip_blank(false);
            if self.peek() == Some(close) {
                break;
            }
            items.push(self.value()?);
            self.skip_blank(false);
            match self.peek() {
                Some(',') => self.at += 1,
                Some(c) if c == close => break,
                _ => return Err(self.error_found(&format!("`,` or `{close}`"))),
            }
        }
        self.at += 1;
        self.depth -= 1;
        Ok(items)
    }

    /// A tuple, or a value in parentheses.
    fn parenthesized(&mut self) -> Result<Value, LiteralError> {
        let start = self.at;
        self.open();
        self.skip_blank(false);
        if self.peek() == Some(')') {
            self.at += 1;
            self.depth -= 1;
            return Ok(Value::Array(Vec::new()));
        }
        let first = self.value()?;
        self.skip_blank(false);
        if self.peek() == Some(')') {
            self.at += 1;
            self.depth -= 1;
            return Ok(first);
        }
        self.at = start;
        self.depth -= 1;
        self.sequence(')').map(Value::Array)
    }

    /// One string, or several in a row (implicit concatenation).
    fn strings(&mut self) -> Result<Value, LiteralError> {
        let mut text = self.one_string()?;
        loop {
            let save = self.at;
            self.skip_blank(false);
            if matches!(self.peek(), Some('"' | '\'')) || self.prefixed_string() {
                text.push_str(&self.one_string()?);
            } else {
                self.at = save;
                return Ok(Value::String(text));
            }
        }
    }

    /// One string, with or without a prefix.
    fn one_string(&mut self) -> Result<String, LiteralError> {
        match self.peek() {
            Some('"' | '\'') => self.string(false),
            _ => self.word_string(),
        }
    }

    /// Whether a string prefix (r, u, b, f and their pairs) and a quote are next.
    fn prefixed_string(&self) -> bool {
        let mut n = 0;
        while n < 2 && self.peek_at(n).is_some_and(|c| "rRuUbBfF".contains(c)) {
            n += 1;
        }
        n > 0 && matches!(self.peek_at(n), Some('"' | '\''))
    }

    /// A string with a prefix.
    fn word_string(&mut self) -> Result<String, LiteralError> {
        let mut raw = false;
        while let Some(c) = self.peek().filter(|c| c.is_alphabetic()) {
            match c.to_ascii_lowercase() {
                'r' => raw = true,
                'u' => {}
                'b' => return Err(self.error("a bytes literal is not text")),
                'f' => return Err(self.error("an f-string is not a literal")),
                _ => unreachable!("checked by prefixed_string"),
            }
            self.at += 1;
        }
        self.string(raw)
    }

    /// A quoted string (the quote is next).
    fn string(&mut self, raw: bool) -> Result<String, LiteralError> {
        let quote = self.peek().expect("a quote");
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        let start = self.at;
        self.at += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.at = start;
                return Err(self.error("this string is not closed"));
            };
            if c == quote
                && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)))
            {
                self.at += if triple { 3 } else { 1 };
                return Ok(out);
            }
            if c == '\n' && !triple {
                self.at = start;
                return Err(self.error("this string is not closed on its line"));
            }
            if c == '\\' {
                if raw {
                    out.push('\\');
                    if let Some(next) = self.peek_at(1) {
                        out.push(next);
                        self.at += 2;
                    } else {
                        self.at += 1;
                    }
                    continue;
                }
                self.escape(&mut out)?;
                continue;
            }
            out.push(c);
            self.at += 1;
        }
    }

    /// An escape sequence (the backslash is next).
    fn escape(&mut self, out: &mut String) -> Result<(), LiteralError> {
        let Some(c) = self.peek_at(1) else {
            return Err(self.error("a backslash at the end of the file"));
        };
        self.at += 2;
        let simple = match c {
            '\n' => Some(None),
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(ch) = simple {
            out.extend(ch);
            return Ok(());
        }
        let (digits, radix) = match c {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='7' => {
                self.at -= 1;
                let mut n = 0;
                while n < 3 && self.peek_at(n).is_some_and(|d| d.is_digit(8)) {
                    n += 1;
                }
                (n, 8)
            }
            'N' => return Err(self.error("`\\N{...}` escapes are not supported here")),
            // Python keeps an unknown escape as it is.
            other => {
                out.push('\\');
                out.push(other);
                return Ok(());
            }
        };
        let hex: String = (0..digits).filter_map(|i| self.peek_at(i)).collect();
        let code = (hex.chars().count() == digits)
            .then(|| u32::from_str_radix(&hex, radix).ok())
            .flatten()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error(format!("invalid escape `\\{c}{hex}`")))?;
        self.at += digits;
        out.push(code);
        Ok(())
    }

    fn number(&mut self) -> Result<Value, LiteralError> {
        let start = self.at;
        let mut text = String::new();
        if let Some(sign @ ('-' | '+')) = self.peek() {
            text.push(sign);
            self.at += 1;
            self.skip_blank(false);
        }
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
        {
            text.push(c);
            self.at += 1;
            // An exponent's sign.
            if matches!(c, 'e' | 'E')
                && !text.contains(['x', 'X'])
                && matches!(self.peek(), Some('-' | '+'))
            {
                text.push(self.peek().expect("a sign"));
                self.at += 1;
            }
        }
        let clean = text.replace('_', "");
        let (negative, digits) = match clean.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
        };
        let lower = digits.to_ascii_lowercase();
        let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
            .into_iter()
            .find(|(prefix, _)| lower.starts_with(prefix));
        let parsed = match radix {
            Some((prefix, radix)) => i64::from_str_radix(&lower[prefix.len()..], radix)
                .ok()
                .map(|n| Value::from(if negative { -n } else { n })),
            None if lower.contains(['.', 'e']) => lower
                .parse::<f64>()
                .ok()
                .and_then(|x| Number::from_f64(if negative { -x } else { x }))
                .map(Value::Number),
            None => lower
                .parse::<i64>()
                .ok()
                .map(|n| Value::from(if negative { -n } else { n })),
        };
        parsed.ok_or_else(|| {
            self.at = start;
            self.error(format!("`{text}` is not a number this reader takes"))
        })
    }

    fn word(&mut self) -> Result<Value, LiteralError> {
        let start = self.at;
        let mut word = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            word.push(c);
            self.at += 1;
        }
        match word.as_str() {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::Null),
            _ => {
                self.at = start;
                Err(self.error(format!(
                    "`{word}` is a name, not a literal: this reader does not run Python, so the \
                     value must be written out (dicts, lists, strings, numbers, True, False, None)"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<Value, LiteralError> {
        parse_at(text, 0)
    }

    #[test]
    fn literals() {
        let text = r#"{
    # learning events
    'org.openedx.learning.certificate.created.v1': {
        "learning-certificate-lifecycle": {"event_key_field": 'certificate.course.course_key',
                                           'enabled': True},  # trailing comma
    },
    'x': [1, -2, 0x1F, 1_000, 2.5, -1e3, None, False, (), (1,), (3), 'a' "b" r'\d' u'\u00e9\x41\n'],
}  # done"#;
        assert_eq!(
            parse(text).unwrap(),
            json!({
                "org.openedx.learning.certificate.created.v1": {
                    "learning-certificate-lifecycle": {
                        "event_key_field": "certificate.course.course_key",
                        "enabled": true
                    }
                },
                "x": [1, -2, 31, 1000, 2.5, -1000.0, null, false, [], [1], 3, "ab\\déA\n"]
            })
        );
        assert_eq!(parse("'''a\n'b'''").unwrap(), json!("a\n'b"));
        assert_eq!(parse("{}; X = 1").unwrap(), json!({}));
    }

    #[test]
    fn not_literals_name_their_place() {
        for (text, line, column, message) in [
            (
                "{\n  'a': Derived(f),\n}",
                2,
                8,
                "`Derived` is a name, not a literal",
            ),
            ("{'a': 1} | OTHER", 1, 10, "`|` after the literal"),
            ("{\n **BASE}", 2, 2, "`**` unpacking is not a literal"),
            ("{'a', 'b'}", 1, 5, "a set is not a dict"),
            ("{'a': f'x'}", 1, 7, "an f-string is not a literal"),
            ("{'a': 'x}", 1, 7, "this string is not closed"),
            ("{'a': 'x\n}", 1, 7, "this string is not closed on its line"),
            (
                "{'a': 1",
                1,
                8,
                "expected `,` or `}`, found the end of the file",
            ),
            ("{1: 'a'}", 1, 3, "dict key 1 is not a string"),
            ("[1 2]", 1, 4, "expected `,` or `]`, found `2`"),
            ("3j", 1, 1, "`3j` is not a number"),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!((err.line, err.column), (line, column), "{text}: {err}");
            assert!(err.message.contains(message), "{text}: {err}");
        }
    }
}
