//! One setting read out of a settings file: a Django settings module (`.py`, the last top-level
//! assignment of the name, a Python literal read without running Python) or a YAML, JSON or TOML
//! mapping (Tutor's `config.yml`, a settings dump) holding it as a top-level key.

use super::python_literal::parse_at;
use super::CliError;
use eventbus_runtime::producer_config::Format;
use eventbus_runtime::suggest::closest;
use serde_json::Value;
use std::path::Path;

/// The value of the setting `name` in the file at `path`; an error names the file and, for a
/// Python file, the line and column of what is not a literal.
pub fn read_setting(path: &Path, name: &str) -> Result<Value, CliError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Refused(format!("cannot read {shown}: {e}")))?;
    let is_python = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py"));
    if is_python {
        return python_setting(&text, name)
            .map_err(|message| CliError::Refused(format!("{shown}: {message}")));
    }
    let format = Format::from_path(path).ok_or_else(|| {
        CliError::Refused(format!(
            "{shown}: unknown settings file type (expected .py, .yml, .yaml, .json or .toml)"
        ))
    })?;
    let document = format
        .parse(&text)
        .map_err(|e| CliError::Refused(format!("{shown} is not valid {}: {e}", format.name())))?;
    let Value::Object(mut map) = document else {
        return Err(CliError::Refused(format!(
            "{shown}: expected a mapping of settings at the top level"
        )));
    };
    map.remove(name).ok_or_else(|| {
        CliError::Refused(format!(
            "{shown}: no top-level key {name}{}",
            hint(name, map.keys())
        ))
    })
}

fn hint<'a>(name: &str, names: impl IntoIterator<Item = &'a String>) -> String {
    closest(name, names.into_iter().map(String::as_str))
        .map(|close| format!("; did you mean {close}?"))
        .unwrap_or_default()
}

/// The value of the last top-level `name = <literal>` (or `name: type = <literal>`) of a Python
/// file. A later line that changes it (`name[...] =`, `name.update(...)`, `name |= ...`) is an
/// error rather than a value silently different from the one Django would see.
fn python_setting(text: &str, name: &str) -> Result<Value, String> {
    let mut assignment = None;
    let mut assigned = Vec::new();
    let mut offset = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let number = number + 1;
        let start = offset;
        offset += line.len();
        let identifier: String = line
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if identifier.is_empty() {
            continue;
        }
        let rest = &line[identifier.len()..];
        let trimmed = rest.trim_start();
        let value_at =
            if let Some(after) = trimmed.strip_prefix('=').filter(|a| !a.starts_with('=')) {
                Some(line.len() - after.len())
            } else if let Some(annotated) = trimmed.strip_prefix(':') {
                annotated
                    .find('=')
                    .filter(|&i| !annotated[i + 1..].starts_with('='))
                    .map(|i| line.len() - annotated.len() + i + 1)
            } else {
                None
            };
        if identifier != name {
            if value_at.is_some() {
                assigned.push(identifier);
            }
            continue;
        }
        match value_at {
            Some(at) => assignment = Some((number, start + at)),
            None if assignment.is_some() && !trimmed.is_empty() => {
                return Err(format!(
                    "line {number} changes {name} after its assignment (line {}): this reader \
                     takes the assigned literal alone, so write the whole value there",
                    assignment.map_or(0, |(n, _)| n)
                ))
            }
            None => {}
        }
    }
    let Some((line, at)) = assignment else {
        return Err(format!(
            "no top-level assignment `{name} = ...`{}",
            hint(name, &assigned)
        ));
    };
    parse_at(text, at).map_err(|e| {
        format!("the value of {name} (assigned on line {line}) is not a Python literal: {e}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_assignments() {
        let text = "from x import y\nEVENT_BUS_PRODUCER_CONFIG = {}\nOTHER = 1\n\
                    EVENT_BUS_PRODUCER_CONFIG: dict = {\n  'a': {'t': {'enabled': False}},\n}\n";
        assert_eq!(
            python_setting(text, "EVENT_BUS_PRODUCER_CONFIG").unwrap(),
            json!({"a": {"t": {"enabled": false}}})
        );
        assert_eq!(
            python_setting(text, "EVENT_BUS_PRODUCER_CONFIGS").unwrap_err(),
            "no top-level assignment `EVENT_BUS_PRODUCER_CONFIGS = ...`; did you mean \
             EVENT_BUS_PRODUCER_CONFIG?"
        );
        let changed = "C = {}\nC['x'] = {}\n";
        assert_eq!(
            python_setting(changed, "C").unwrap_err(),
            "line 2 changes C after its assignment (line 1): this reader takes the assigned \
             literal alone, so write the whole value there"
        );
        // `==` is no assignment.
        assert!(python_setting("C == 1\n", "C").is_err());
    }
}
