//! Avro encoding of event data, byte for byte as openedx-events writes it with fastavro.
//!
//! Every type an event can carry implements [`EventData`]: structs through `#[derive(EventData)]`,
//! the primitives, containers, dates, UUIDs and opaque keys here. The trait gives the type's Avro
//! schema, its binary encoding and decoding, its JSON form (the dictionary that Python's
//! `AvroSignalSerializer.to_dict` builds) and an example value.

mod binary;
mod bounds;
mod compat;
mod containers;
pub(crate) mod field;
mod generic;
pub(crate) mod key_value;
mod primitives;
mod resolve;
pub mod schema;

pub use binary::{write_bytes, write_long, write_string, Reader};
pub use compat::{check_compatibility, Incompatibility};
pub use generic::avro_to_json;
pub use resolve::resolve_to_reader;
pub(crate) use schema::{EventSchema, SchemaNames};

use crate::avro::key_value::{KeyPathError, KeyValue};
use crate::data_error::{DataError, DataErrorKind};
use serde_json::Value;

/// Which example value [`EventData::example`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Example {
    /// Every optional field set, two items in every list and map.
    Full,
    /// Every optional field `None`, every list and map empty.
    Minimal,
}

/// A type that an Open edX event can carry, with its Avro schema, encoding and JSON form.
///
/// Implemented by `#[derive(EventData)]` for records, and here for `bool`, `i32`, `i64`, `u32`,
/// `f64`, `String`, `Vec<u8>` (Avro `bytes`), `Vec<T>`, `BTreeMap<String, T>`,
/// `HashMap<String, T>`, `Option<T>`, [`EventDateTime`](crate::time::EventDateTime), `DateTime<Utc>`, `Uuid` and the opaque
/// keys.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be carried by an Open edX event",
    label = "unsupported field type",
    note = "event fields may be bool, i32, i64, u32, f64, String, Vec<u8>, Vec<T>, BTreeMap<String, T>, HashMap<String, T>, Option<T>, EventDateTime, DateTime<Utc>, Uuid, an opaque key (CourseKey, UsageKey, ...) or a struct that derives `EventData`",
    note = "a struct of your own needs `#[derive(EventData)]`; enums and generic structs cannot be carried"
)]
pub trait EventData: Sized + Send + Sync + 'static {
    /// Whether a field of this type is optional: `["null", T]` with `"default": null`.
    #[doc(hidden)]
    const NULLABLE: bool = false;

    /// The operations of a record field of this type, for the code `#[derive(EventData)]` generates.
    #[doc(hidden)]
    const FIELD: field::FieldOps<Self> = field::FieldOps::of();

    /// The Avro type of this Rust type. Records are written out the first time `names` sees them
    /// and referenced by their bare name after that, as openedx-events does.
    fn avro_schema(names: &mut SchemaNames) -> Value;

    /// Append the Avro binary encoding of `self`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Read a value written with this type's schema.
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError>;

    /// The JSON form of the value: what Python's `AvroSignalSerializer.to_dict` produces.
    fn to_json(&self) -> Value;

    /// Read the JSON form; the error names the field at fault.
    fn from_json(value: &Value) -> Result<Self, DataError>;

    /// A deterministic example value, for documentation, command-line help and parity tests.
    fn example(kind: Example) -> Self;

    /// The key value at a dotted path below this value (`path` already split), as
    /// `edx-event-bus-kafka`'s `extract_event_key` finds it.
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        Err(KeyPathError::not_a_key(path, std::any::type_name::<Self>()))
    }

    #[doc(hidden)]
    fn slice_avro_schema(names: &mut SchemaNames) -> Value {
        serde_json::json!({"type": "array", "items": Self::avro_schema(names)})
    }

    #[doc(hidden)]
    fn encode_slice(items: &[Self], out: &mut Vec<u8>) {
        if !items.is_empty() {
            write_long(out, items.len() as i64);
            for item in items {
                item.encode(out);
            }
        }
        write_long(out, 0);
    }

    #[doc(hidden)]
    fn decode_vec(input: &mut Reader<'_>) -> Result<Vec<Self>, DataError> {
        let mut items = Vec::new();
        while let Some(count) = input.read_block_count()? {
            items.reserve(count.min(input.remaining()));
            for _ in 0..count {
                let index = items.len();
                items.push(Self::decode(input).map_err(|e| e.at_index(index))?);
            }
        }
        Ok(items)
    }

    #[doc(hidden)]
    fn slice_to_json(items: &[Self]) -> Value {
        Value::Array(items.iter().map(EventData::to_json).collect())
    }

    #[doc(hidden)]
    fn vec_from_json(value: &Value) -> Result<Vec<Self>, DataError> {
        match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| Self::from_json(item).map_err(|e| e.at_index(i)))
                .collect(),
            other => Err(DataError::wrong_type("an array", other)),
        }
    }

    #[doc(hidden)]
    fn example_vec(kind: Example) -> Vec<Self> {
        match kind {
            Example::Full => vec![Self::example(kind), Self::example(kind)],
            Example::Minimal => Vec::new(),
        }
    }
}

/// Encode a value with its own schema (schemaless Avro, as fastavro's `schemaless_writer`).
pub fn encode_event<T: EventData>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    value.encode(&mut out);
    out
}

/// Decode a value written with its own schema; every byte must be used.
pub fn decode_event<T: EventData>(bytes: &[u8]) -> Result<T, DataError> {
    let mut reader = Reader::new(bytes);
    let value = T::decode(&mut reader)?;
    match reader.remaining() {
        0 => Ok(value),
        n => Err(DataError::new(DataErrorKind::TrailingBytes(n))),
    }
}
