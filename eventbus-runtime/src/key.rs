//! Event keys: the value at an `event_key_field` path and the Avro schema of that field.
//!
//! `edx-event-bus-kafka` keys each message with the value found by descending the event data along
//! a dotted path (`xblock_info.usage_key`), and registers as key schema the definition of that
//! field taken from the event schema (`{"name": "usage_key", "type": "string"}`).

pub use crate::avro::key_value::{KeyPathError, KeyValue};
use serde_json::Value;

/// A type that can be the last field of a key path: scalars, dates, UUIDs and opaque keys, not
/// records, lists, maps or optional values.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an event key",
    label = "the key field must end on a string, number, boolean, date, UUID or opaque key",
    note = "a key path may not end on an optional field, a list, a map or a record"
)]
pub trait EventKey {}

macro_rules! event_keys {
    ($($ty:ty),*) => {$(impl EventKey for $ty {})*};
}
event_keys!(
    String,
    bool,
    i32,
    i64,
    u32,
    f64,
    chrono::DateTime<chrono::Utc>,
    uuid::Uuid
);

/// Used by `#[derive(OpenEdxEvent)]` to check a `key_field` path at compile time.
#[doc(hidden)]
pub fn assert_event_key<T: EventKey + ?Sized>(_: &T) {}

/// The schema of the field at `path` in an event schema, checked to be a key: the definition
/// `edx-event-bus-kafka` registers as the key schema. Errors name the failing segment.
pub fn key_schema(event_schema: &Value, path: &str) -> Result<Value, KeyPathError> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut names = std::collections::HashMap::new();
    collect_named(event_schema, &mut names);
    let mut record = event_schema;
    let mut field: Option<&Value> = None;
    for (i, segment) in segments.iter().enumerate() {
        let prefix = segments[..i].join(".");
        let fields = record["fields"].as_array().ok_or_else(|| KeyPathError {
            path: path.to_owned(),
            problem: format!("`{prefix}` has no fields"),
        })?;
        let found = fields
            .iter()
            .find(|f| f["name"] == *segment)
            .ok_or_else(|| KeyPathError {
                path: path.to_owned(),
                problem: format!(
                    "no field `{segment}` in `{}`",
                    if prefix.is_empty() {
                        "the event"
                    } else {
                        &prefix
                    }
                ),
            })?;
        field = Some(found);
        let ty = resolve_named(&found["type"], &names);
        if i + 1 < segments.len() {
            if ty.get("type").and_then(Value::as_str) != Some("record") {
                return Err(KeyPathError {
                    path: path.to_owned(),
                    problem: format!("`{}` is not a record", segments[..=i].join(".")),
                });
            }
            record = ty;
        }
    }
    let field = field.expect("a path has at least one segment");
    match resolve_named(&field["type"], &names) {
        Value::String(s)
            if ["string", "long", "int", "double", "float", "boolean"].contains(&s.as_str()) =>
        {
            Ok(field.clone())
        }
        Value::Array(_) => Err(KeyPathError {
            path: path.to_owned(),
            problem: "ends on an optional field, which may be null".into(),
        }),
        other => Err(KeyPathError {
            path: path.to_owned(),
            problem: format!(
                "ends on {}, not a scalar",
                match other.get("type").and_then(Value::as_str) {
                    Some("array") => "a list",
                    Some("map") => "a map",
                    Some("record") => "a record",
                    _ => "a complex type",
                }
            ),
        }),
    }
}

/// The registry subject-name suffix of a key schema: the record name if any, else the type, as
/// confluent-kafka's `topic_record_subject_name_strategy` derives it (`string`, `long`).
pub fn key_record_name(key_schema: &Value) -> &str {
    key_schema["type"].as_str().unwrap_or("record")
}

fn collect_named<'a>(schema: &'a Value, names: &mut std::collections::HashMap<&'a str, &'a Value>) {
    match schema {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("record") {
                if let Some(name) = map.get("name").and_then(Value::as_str) {
                    names.entry(name).or_insert(schema);
                }
            }
            for value in map.values() {
                collect_named(value, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_named(item, names)),
        _ => {}
    }
}

fn resolve_named<'a>(
    ty: &'a Value,
    names: &std::collections::HashMap<&'a str, &'a Value>,
) -> &'a Value {
    match ty.as_str().and_then(|name| names.get(name)) {
        Some(record) => record,
        None => ty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"name": "CloudEvent", "type": "record", "fields": [
            {"name": "user", "type": {"name": "UserData", "type": "record", "fields": [
                {"name": "id", "type": "long"},
                {"name": "pii", "type": {"name": "Pii", "type": "record", "fields": [
                    {"name": "username", "type": "string"}]}},
                {"name": "nick", "type": ["null", "string"], "default": null}]}},
            {"name": "other", "type": "UserData"},
            {"name": "tags", "type": {"type": "array", "items": "string"}}]})
    }

    #[test]
    fn key_schema_is_the_field_definition() {
        assert_eq!(
            key_schema(&schema(), "user.pii.username").unwrap(),
            json!({"name": "username", "type": "string"})
        );
        // Through a record referenced by its bare name.
        assert_eq!(
            key_schema(&schema(), "other.id").unwrap(),
            json!({"name": "id", "type": "long"})
        );
    }

    #[test]
    fn bad_key_paths_name_the_problem() {
        let err = |p| key_schema(&schema(), p).unwrap_err().to_string();
        assert_eq!(
            err("user.pi.username"),
            "key field `user.pi.username`: no field `pi` in `user`"
        );
        assert_eq!(
            err("user.nick"),
            "key field `user.nick`: ends on an optional field, which may be null"
        );
        assert_eq!(
            err("user.pii"),
            "key field `user.pii`: ends on a record, not a scalar"
        );
        assert_eq!(
            err("tags"),
            "key field `tags`: ends on a list, not a scalar"
        );
        assert_eq!(
            err("user.id.x"),
            "key field `user.id.x`: `user.id` is not a record"
        );
    }

    #[test]
    fn key_values_encode_as_avro() {
        assert_eq!(KeyValue::String("ab".into()).encode(), [4, b'a', b'b']);
        assert_eq!(KeyValue::Long(-1).encode(), [1]);
        assert_eq!(
            key_record_name(&json!({"name": "id", "type": "long"})),
            "long"
        );
    }
}
