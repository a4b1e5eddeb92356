//! Opaque keys: the typed identifiers of courses, blocks and libraries (`edx-opaque-keys`).
//!
//! On the bus an opaque key is its string form. These types parse and check that form, so a
//! malformed key is refused with a clear error instead of travelling as any string.

use crate::avro::{write_string, EventData, Example, Reader, SchemaNames};
use crate::data_error::DataError;
use crate::key::{EventKey, KeyPathError, KeyValue};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// A string that is not a valid opaque key of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid {kind}: {reason}")]
pub struct InvalidKey {
    /// The kind of key expected.
    pub kind: &'static str,
    /// The rejected input.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

mod grammar;

macro_rules! opaque_key {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $parse:path, $full:literal, $minimal:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parse and check the string form.
            pub fn parse(s: &str) -> Result<Self, InvalidKey> {
                $parse(s).map(|()| $name(s.to_owned())).map_err(|reason| InvalidKey {
                    kind: $kind,
                    input: s.to_owned(),
                    reason,
                })
            }

            /// The string form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidKey;
            fn from_str(s: &str) -> Result<Self, InvalidKey> {
                $name::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl EventKey for $name {}

        impl EventData for $name {
            fn avro_schema(_: &mut SchemaNames) -> Value {
                Value::from("string")
            }
            fn encode(&self, out: &mut Vec<u8>) {
                write_string(out, &self.0);
            }
            fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
                $name::parse(input.read_str()?).map_err(|e| DataError::invalid(e.to_string()))
            }
            fn to_json(&self) -> Value {
                Value::String(self.0.clone())
            }
            fn from_json(value: &Value) -> Result<Self, DataError> {
                let s = value
                    .as_str()
                    .ok_or_else(|| DataError::wrong_type(concat!("a ", $kind, " string"), value))?;
                $name::parse(s).map_err(|e| DataError::invalid(e.to_string()))
            }
            fn example(kind: Example) -> Self {
                let text = match kind {
                    Example::Full => $full,
                    Example::Minimal => $minimal,
                };
                $name::parse(text).expect("valid example key")
            }
            fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
                match path {
                    [] => Ok(KeyValue::String(self.0.clone())),
                    _ => Err(KeyPathError::not_a_record(path)),
                }
            }
        }
    };
}

opaque_key!(
    /// A course key: `course-v1:Org+Course+Run`, a CCX course (`ccx-v1:...+ccx@N`), or the
    /// deprecated `Org/Course/Run` form.
    CourseKey, "course key", grammar::course_key,
    "course-v1:edX+DemoX+Demo_Course", "course-v1:a+b+c"
);
opaque_key!(
    /// A usage key (a block in a course or library): `block-v1:Org+Course+Run+type@T+block@ID`,
    /// `ccx-block-v1:...`, `lb:Org:Lib:Type:ID`, or the deprecated `i4x://Org/Course/Type/ID`.
    UsageKey, "usage key", grammar::usage_key,
    "block-v1:edX+DemoX+Demo_Course+type@problem+block@c1b2", "block-v1:a+b+c+type@html+block@d"
);
opaque_key!(
    /// A CCX (custom course) key: `ccx-v1:Org+Course+Run+ccx@N`.
    CcxLocator, "CCX locator", grammar::ccx_locator,
    "ccx-v1:edX+DemoX+Demo_Course+ccx@3", "ccx-v1:a+b+c+ccx@1"
);
opaque_key!(
    /// A content library (v2): `lib:Org:Slug`.
    LibraryLocatorV2, "library locator", grammar::library_locator,
    "lib:OpenedX:CSPROB", "lib:a:b"
);
opaque_key!(
    /// A block in a content library (v2): `lb:Org:Slug:Type:ID`.
    LibraryUsageLocatorV2, "library usage locator", grammar::library_usage_locator,
    "lb:OpenedX:CSPROB:problem:p1", "lb:a:b:html:c"
);
opaque_key!(
    /// A collection in a content library: `lib-collection:Org:Slug:CollectionID`.
    LibraryCollectionLocator, "library collection locator", grammar::library_collection_locator,
    "lib-collection:OpenedX:CSPROB:col-1", "lib-collection:a:b:c"
);
opaque_key!(
    /// A container (unit, section...) in a content library: `lct:Org:Slug:Type:ID`.
    LibraryContainerLocator, "library container locator", grammar::library_container_locator,
    "lct:OpenedX:CSPROB:unit:u1", "lct:a:b:unit:c"
);
