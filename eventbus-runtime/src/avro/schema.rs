//! Avro schemas of events, built as openedx-events' `schema_from_signal` builds them.

use serde_json::{json, Map, Value};
use std::any::TypeId;
use std::collections::HashMap;

/// The record names already written while one schema is built.
///
/// openedx-events writes a record out the first time it meets its class and refers to it by its
/// bare name after that (fastavro refuses a second definition). Two different Rust types with the
/// same record name in one event cannot be told apart by a reader; building such a schema panics
/// with a message naming both, which the schema tests catch at build time.
#[derive(Debug, Default)]
pub struct SchemaNames {
    seen: HashMap<&'static str, (TypeId, &'static str)>,
}

impl SchemaNames {
    /// Record that the record `name` of the Rust type `T` is being written; `false` if it was
    /// already written (then the caller writes the bare name).
    pub fn first_sight<T: 'static>(&mut self, name: &'static str) -> bool {
        self.first_sight_of(name, TypeId::of::<T>(), std::any::type_name::<T>())
    }

    /// [`SchemaNames::first_sight`] of the type `id`, named `rust_name` (not generic).
    fn first_sight_of(&mut self, name: &'static str, id: TypeId, rust_name: &'static str) -> bool {
        match self.seen.get(name) {
            Some((seen_id, _)) if *seen_id == id => false,
            Some((_, other)) => panic!(
                "two types share the Avro record name `{name}` in one event schema: {other} and {rust_name}; rename one with #[openedx_event(name = \"...\")]"
            ),
            None => {
                self.seen.insert(name, (id, rust_name));
                true
            }
        }
    }
}

/// The definition of one record field: `{"name": ..., "type": ...}`, plus `"default": null` for an
/// optional field, in the key order Python writes.
pub fn field_schema(name: &str, schema: Value, nullable: bool) -> Value {
    let mut field = Map::new();
    field.insert("name".into(), Value::String(name.into()));
    field.insert("type".into(), schema);
    if nullable {
        field.insert("default".into(), Value::Null);
    }
    Value::Object(field)
}

/// A nested record: `{"name": ..., "type": "record", "fields": [...]}`.
pub fn record_schema(name: &str, fields: Vec<Value>) -> Value {
    json!({"name": name, "type": "record", "fields": fields})
}

/// The top-level `CloudEvent` record of an event type.
pub fn cloud_event_schema(event_type: &str, fields: Vec<Value>) -> Value {
    json!({
        "name": "CloudEvent",
        "type": "record",
        "doc": crate::__private::CLOUD_EVENT_DOC,
        "fields": fields,
        "namespace": event_type,
    })
}

/// An event's Avro schema, in the forms the bus needs it.
#[derive(Debug, Clone)]
pub struct EventSchema {
    json: Value,
    parsed: apache_avro::Schema,
    registry_text: String,
}

impl EventSchema {
    /// Build from the JSON definition. Panics if the definition is not valid Avro, which a derive
    /// never produces (the schema tests check every registered event).
    pub fn new(json: Value) -> Self {
        let parsed = parse_schema(&json)
            .unwrap_or_else(|e| panic!("generated Avro schema is invalid: {e}\n{json:#}"));
        let registry_text = python_json(&json);
        EventSchema {
            json,
            parsed,
            registry_text,
        }
    }

    /// The schema as JSON, with keys in the order Python writes them.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The parsed schema, for resolution and compatibility checks.
    pub fn parsed(&self) -> &apache_avro::Schema {
        &self.parsed
    }

    /// The text Python registers with the schema registry: `json.dumps(schema, sort_keys=True)`.
    pub fn registry_text(&self) -> &str {
        &self.registry_text
    }

    /// The text of the `.avsc` file, as openedx-events' `generate_avro_schemas` writes it:
    /// `json.dumps(schema, indent=2)`, no trailing newline.
    pub fn avsc_text(&self) -> String {
        python_json_indented(&self.json)
    }
}

/// Parse a schema as fastavro does. Avro names allow no `-`, but openedx-events uses event types
/// such as `...subsidy.redemption-reversed.v1` as namespaces, which fastavro accepts; so `-` in
/// namespaces becomes `_` before parsing. The JSON itself (registered, written to `.avsc`) keeps
/// Python's text; only the parsed form, used for resolution and compatibility, sees the change,
/// the same way on the writer's and the reader's side.
pub fn parse_schema(json: &Value) -> Result<apache_avro::Schema, apache_avro::Error> {
    fn clean(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| match (k.as_str(), v) {
                        ("namespace", Value::String(ns)) => {
                            (k.clone(), Value::String(ns.replace('-', "_")))
                        }
                        _ => (k.clone(), clean(v)),
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(clean).collect()),
            other => other.clone(),
        }
    }
    apache_avro::Schema::parse(&clean(json))
}

/// Where a schema breaks the Avro naming rules (a name is `[A-Za-z_][A-Za-z0-9_]*`, a namespace
/// such names joined by `.`), which registries that check names refuse (error 42201) and
/// fastavro lets through: one sentence per problem, naming the name and the character at fault.
pub fn name_problems(json: &Value) -> Vec<String> {
    fn bad_char(name: &str) -> Option<char> {
        let mut chars = name.chars();
        match chars.next() {
            None => Some(' '),
            Some(c) if !(c.is_ascii_alphabetic() || c == '_') => Some(c),
            _ => chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')),
        }
    }
    fn describe(c: char) -> String {
        match c {
            ' ' => "an empty part".to_owned(),
            c => format!("`{c}`"),
        }
    }
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(namespace)) = map.get("namespace") {
                    if let Some(c) = namespace.split('.').find_map(bad_char) {
                        out.push(format!(
                            "the namespace `{namespace}` holds {}, which Avro names do not allow",
                            describe(c)
                        ));
                    }
                }
                if let Some(Value::String(name)) = map.get("name") {
                    // A record's name may carry its namespace: check each part.
                    if let Some(c) = name.split('.').find_map(bad_char) {
                        out.push(format!(
                            "the name `{name}` holds {}, which Avro names do not allow",
                            describe(c)
                        ));
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(json, &mut out);
    out.dedup();
    out
}

/// [`parse_schema`] of a schema's text, as a registry returns it.
pub fn parse_schema_str(text: &str) -> Result<apache_avro::Schema, apache_avro::Error> {
    let json: Value = serde_json::from_str(text)
        .map_err(|e| apache_avro::Error::new(apache_avro::error::Details::ParseSchemaJson(e)))?;
    parse_schema(&json)
}

/// The file name openedx-events gives an event type's schema (`org+openedx+..._schema.avsc`).
pub fn avsc_file_name(event_type: &str) -> String {
    format!("{}_schema.avsc", event_type.replace('.', "+"))
}

/// `json.dumps(value, sort_keys=True)`: sorted keys, `", "` and `": "` separators, non-ASCII
/// escaped.
pub fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_python(&mut out, value, None, 0, true);
    out
}

/// `json.dumps(value, indent=2)`: keys in their order, two-space indent, non-ASCII escaped.
pub fn python_json_indented(value: &Value) -> String {
    let mut out = String::new();
    write_python(&mut out, value, Some(2), 0, false);
    out
}

fn write_python(out: &mut String, value: &Value, indent: Option<usize>, depth: usize, sort: bool) {
    let newline = |out: &mut String, depth: usize| {
        if let Some(width) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', width * depth));
        }
    };
    let item_separator = if indent.is_some() { "," } else { ", " };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<_> = map.iter().collect();
            if sort {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item_separator);
                }
                newline(out, depth + 1);
                write_python_string(out, key);
                out.push_str(": ");
                write_python(out, item, indent, depth + 1, sort);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_separator);
                }
                newline(out, depth + 1);
                write_python(out, item, indent, depth + 1, sort);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => write_python_string(out, s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
    }
}

fn write_python_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_matches_json_dumps() {
        let value = json!({"b": [1, {"y": null, "x": "é"}], "a": {}, "c": []});
        assert_eq!(
            python_json(&value),
            r#"{"a": {}, "b": [1, {"x": "\u00e9", "y": null}], "c": []}"#
        );
        assert_eq!(
            python_json_indented(&value),
            "{\n  \"b\": [\n    1,\n    {\n      \"y\": null,\n      \"x\": \"\\u00e9\"\n    }\n  ],\n  \"a\": {},\n  \"c\": []\n}"
        );
    }

    #[test]
    fn name_problems_name_the_character() {
        let schema = json!({"name": "CloudEvent", "type": "record",
            "namespace": "org.openedx.enterprise.subsidy.redemption-reversed.v1",
            "fields": [{"name": "ok_1", "type": "string"}, {"name": "9lives", "type": "long"}]});
        assert_eq!(
            name_problems(&schema),
            [
                "the namespace `org.openedx.enterprise.subsidy.redemption-reversed.v1` holds `-`, \
                 which Avro names do not allow",
                "the name `9lives` holds `9`, which Avro names do not allow"
            ]
        );
        assert_eq!(
            name_problems(
                &json!({"name": "A", "type": "record", "namespace": "a.b", "fields": []})
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn avsc_file_names_follow_openedx_events() {
        assert_eq!(
            avsc_file_name("org.openedx.learning.course.enrollment.created.v1"),
            "org+openedx+learning+course+enrollment+created+v1_schema.avsc"
        );
    }
}
