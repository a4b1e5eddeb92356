//! The operations of one record field, for the code `#[derive(EventData)]` generates.
//!
//! The derive takes a field's operations from one constant, `<T as EventData>::FIELD`, spanned at
//! the field's type, and calls them through it everywhere else: an unsupported field type is then
//! one unmet `EventData` bound, reported once at the type, not once per generated method.

use super::{EventData, Example, Reader, SchemaNames};
use crate::avro::key_value::{KeyPathError, KeyValue};
use crate::data_error::DataError;
use serde_json::{Map, Value};

/// The [`EventData`] operations of a field of type `T`, as plain function pointers.
pub struct FieldOps<T> {
    /// Whether the field is optional.
    pub nullable: bool,
    /// [`EventData::avro_schema`].
    pub avro_schema: fn(&mut SchemaNames) -> Value,
    /// [`EventData::encode`].
    pub encode: fn(&T, &mut Vec<u8>),
    /// [`EventData::decode`].
    pub decode: fn(&mut Reader<'_>) -> Result<T, DataError>,
    /// [`EventData::to_json`].
    pub to_json: fn(&T) -> Value,
    /// The field read from a record's JSON object: a missing optional field is `None`.
    pub from_json: fn(&Map<String, Value>, &str) -> Result<T, DataError>,
    /// [`EventData::example`].
    pub example: fn(Example) -> T,
    /// [`EventData::key_at`].
    pub key_at: fn(&T, &[&str]) -> Result<KeyValue, KeyPathError>,
}

impl<T> FieldOps<T> {
    /// The field named `name` read from `input`, its errors under that name (one function per
    /// field type, not one closure per field of every struct).
    pub fn decode_field(&self, input: &mut Reader<'_>, name: &str) -> Result<T, DataError> {
        // A `match`, not `map_err`: no closure (and `map_err` copy) per field type.
        match (self.decode)(input) {
            Ok(value) => Ok(value),
            Err(e) => Err(e.in_field(name)),
        }
    }

    /// The key at `rest` in `value`, the field named `name`, its errors under that name.
    pub fn key_under(
        &self,
        value: &T,
        rest: &[&str],
        name: &str,
    ) -> Result<KeyValue, KeyPathError> {
        match (self.key_at)(value, rest) {
            Ok(key) => Ok(key),
            Err(e) => Err(e.under(name)),
        }
    }
}

impl<T: EventData> FieldOps<T> {
    /// The operations of `T` (its [`EventData::FIELD`]).
    pub(crate) const fn of() -> Self {
        FieldOps {
            nullable: T::NULLABLE,
            avro_schema: T::avro_schema,
            encode: T::encode,
            decode: T::decode,
            to_json: T::to_json,
            from_json: json_field::<T>,
            example: T::example,
            key_at: T::key_at,
        }
    }
}

/// A record field from JSON; a missing optional field is `None`.
fn json_field<T: EventData>(object: &Map<String, Value>, name: &str) -> Result<T, DataError> {
    let found = match object.get(name) {
        Some(value) => T::from_json(value),
        None if T::NULLABLE => T::from_json(&Value::Null),
        None => Err(DataError::new(
            crate::data_error::DataErrorKind::MissingField,
        )),
    };
    match found {
        Ok(value) => Ok(value),
        Err(e) => Err(e.in_field(name)),
    }
}
