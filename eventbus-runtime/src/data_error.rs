//! The error of decoding or validating event data, with the path of the field at fault.

use std::fmt;

/// Event data that could not be decoded from Avro or read from JSON.
///
/// The error names the field where it happened, as a dotted path from the top of the event
/// (`xblock_info.usage_key`, `items[2].name`, `extra["lang"]`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DataError {
    path: Vec<PathSegment>,
    kind: DataErrorKind,
}

/// One step of the path to a field.
#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    /// A record field, by name.
    Field(String),
    /// An array item, by index.
    Index(usize),
    /// A map entry, by key.
    Key(String),
}

/// What was wrong with the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DataErrorKind {
    /// The input ended before the value did.
    #[error("the data ends too early")]
    UnexpectedEnd,
    /// A variable-length integer ran past 10 bytes.
    #[error("malformed variable-length integer")]
    InvalidVarint,
    /// A length or count was negative or beyond what the input can hold.
    #[error("invalid length {0}")]
    InvalidLength(i64),
    /// A boolean byte other than 0 or 1.
    #[error("invalid boolean byte {0:#04x}")]
    InvalidBoolean(u8),
    /// A union branch index that the schema does not have.
    #[error("invalid union branch {0}")]
    InvalidUnionBranch(i64),
    /// A string that is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// Bytes were left over after the value.
    #[error("{0} bytes left over after the event")]
    TrailingBytes(usize),
    /// A value of the wrong type (JSON input).
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the field needs.
        expected: &'static str,
        /// What the input had.
        found: String,
    },
    /// A required field is missing (JSON input).
    #[error("missing field")]
    MissingField,
    /// A field the event does not have (JSON input).
    #[error("unknown field")]
    UnknownField,
    /// A number that does not fit the field's type.
    #[error("number {0} is out of range")]
    OutOfRange(String),
    /// A value of the right type whose content is invalid (a malformed course key, date, UUID...).
    #[error("{0}")]
    InvalidValue(String),
    /// The writer's schema could not be resolved to this event's schema.
    #[error("schema resolution failed: {0}")]
    Resolution(String),
}

impl DataError {
    /// An error at the current position; the callers add the path as it unwinds.
    pub fn new(kind: DataErrorKind) -> Self {
        DataError {
            path: Vec::new(),
            kind,
        }
    }

    /// A value whose content is invalid.
    pub fn invalid(message: impl Into<String>) -> Self {
        DataError::new(DataErrorKind::InvalidValue(message.into()))
    }

    /// A JSON value of the wrong type.
    pub fn wrong_type(expected: &'static str, found: &serde_json::Value) -> Self {
        let found = match found {
            serde_json::Value::Null => "null".to_owned(),
            serde_json::Value::Bool(b) => format!("boolean {b}"),
            serde_json::Value::Number(n) => format!("number {n}"),
            serde_json::Value::String(s) => format!("string {s:?}"),
            serde_json::Value::Array(_) => "an array".to_owned(),
            serde_json::Value::Object(_) => "an object".to_owned(),
        };
        DataError::new(DataErrorKind::WrongType { expected, found })
    }

    /// Prefix the path with a record field name.
    #[must_use]
    pub fn in_field(mut self, name: &str) -> Self {
        self.path.insert(0, PathSegment::Field(name.to_owned()));
        self
    }

    /// Prefix the path with an array index.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.insert(0, PathSegment::Index(index));
        self
    }

    /// Prefix the path with a map key.
    #[must_use]
    pub fn at_key(mut self, key: &str) -> Self {
        self.path.insert(0, PathSegment::Key(key.to_owned()));
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> &DataErrorKind {
        &self.kind
    }

    /// The steps of the path to the field at fault, from the top of the event.
    pub fn segments(&self) -> &[PathSegment] {
        &self.path
    }

    /// The dotted path of the field at fault (empty for the whole event).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                PathSegment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
                PathSegment::Key(k) => out.push_str(&format!("[{k:?}]")),
            }
        }
        out
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "field `{}`: {}", self.path(), self.kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_built_from_the_inside_out() {
        let err = DataError::invalid("bad key")
            .in_field("usage_key")
            .at_index(2)
            .in_field("blocks")
            .at_key("x")
            .in_field("extra");
        assert_eq!(err.path(), "extra[\"x\"].blocks[2].usage_key");
        assert_eq!(
            err.to_string(),
            "field `extra[\"x\"].blocks[2].usage_key`: bad key"
        );
    }
}
