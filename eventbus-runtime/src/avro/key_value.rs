//! Key values: the scalar at the end of an `event_key_field` path, its Avro encoding, and the
//! error of a path that leads to none. Public as [`crate::avro::key_value::KeyValue`] and
//! [`crate::avro::key_value::KeyPathError`]; here, below the event data's `key_at`, so that the Avro layer
//! does not import the message-key module.

use super::binary::{write_long, write_string};
use std::fmt;

/// A key value: a scalar found at the end of a key path.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    /// A string, an opaque key, a date-time (ISO 8601) or a UUID.
    String(String),
    /// An integer.
    Long(i64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Boolean(bool),
}

impl KeyValue {
    /// The Avro encoding of the key with its own schema.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            KeyValue::String(s) => write_string(&mut out, s),
            KeyValue::Long(n) => write_long(&mut out, *n),
            KeyValue::Double(x) => out.extend_from_slice(&x.to_le_bytes()),
            KeyValue::Boolean(b) => out.push(u8::from(*b)),
        }
        out
    }
}

impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyValue::String(s) => f.write_str(s),
            KeyValue::Long(n) => write!(f, "{n}"),
            KeyValue::Double(x) => write!(f, "{x}"),
            KeyValue::Boolean(b) => write!(f, "{b}"),
        }
    }
}

/// A key path that does not lead to a key value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key field `{path}`: {problem}")]
pub struct KeyPathError {
    pub(crate) path: String,
    pub(crate) problem: String,
}

impl KeyPathError {
    fn new(path: &[&str], problem: impl Into<String>) -> Self {
        KeyPathError {
            path: path.join("."),
            problem: problem.into(),
        }
    }

    /// The path continues past a scalar.
    pub fn not_a_record(rest: &[&str]) -> Self {
        KeyPathError::new(rest, "descends into a value that has no fields")
    }

    /// The path ends on a value that cannot be a key.
    pub fn not_a_key(rest: &[&str], type_name: &str) -> Self {
        if rest.is_empty() {
            KeyPathError::new(
                rest,
                format!("ends on a {type_name}, which is not a scalar"),
            )
        } else {
            KeyPathError::not_a_record(rest)
        }
    }

    /// The path ends on or goes through an optional value.
    pub fn optional(rest: &[&str]) -> Self {
        KeyPathError::new(rest, "goes through an optional field, which may be null")
    }

    /// The path ends on or goes through a list or map.
    pub fn container(rest: &[&str]) -> Self {
        KeyPathError::new(rest, "goes through a list or map")
    }

    /// The record has no field of that name.
    pub fn no_such_field(rest: &[&str], record: &str) -> Self {
        KeyPathError::new(rest, format!("`{record}` has no field `{}`", rest[0]))
    }

    /// Prefix with the field the caller descended through, so the message shows the whole path.
    #[must_use]
    pub fn under(mut self, field: &str) -> Self {
        self.path = if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{field}.{}", self.path)
        };
        self
    }

    /// What is wrong with the path.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}
