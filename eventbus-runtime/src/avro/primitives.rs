//! `EventData` for the scalar types: numbers, booleans, strings, bytes, dates and UUIDs.

use super::{write_bytes, write_long, write_string, EventData, Example, Reader, SchemaNames};
use crate::avro::key_value::{KeyPathError, KeyValue};
use crate::data_error::{DataError, DataErrorKind};
use crate::time::EventDateTime;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

fn key_leaf(path: &[&str], value: impl FnOnce() -> KeyValue) -> Result<KeyValue, KeyPathError> {
    match path {
        [] => Ok(value()),
        _ => Err(KeyPathError::not_a_record(path)),
    }
}

impl EventData for bool {
    fn avro_schema(_: &mut SchemaNames) -> Value {
        Value::from("boolean")
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        match input.read_u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(DataError::new(DataErrorKind::InvalidBoolean(b))),
        }
    }
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        value
            .as_bool()
            .ok_or_else(|| DataError::wrong_type("a boolean", value))
    }
    fn example(_: Example) -> Self {
        true
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        key_leaf(path, || KeyValue::Boolean(*self))
    }
}

/// Integers are Avro `long`s, as Python's `int`.
macro_rules! integer {
    ($($ty:ty => $example:expr),*) => {$(
        impl EventData for $ty {
            fn avro_schema(_: &mut SchemaNames) -> Value {
                Value::from("long")
            }
            fn encode(&self, out: &mut Vec<u8>) {
                write_long(out, i64::from(*self));
            }
            fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
                let n = input.read_long()?;
                <$ty>::try_from(n).map_err(|_| DataError::new(DataErrorKind::OutOfRange(n.to_string())))
            }
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
            fn from_json(value: &Value) -> Result<Self, DataError> {
                let n = value.as_i64().ok_or_else(|| DataError::wrong_type("an integer", value))?;
                <$ty>::try_from(n).map_err(|_| DataError::new(DataErrorKind::OutOfRange(n.to_string())))
            }
            fn example(_: Example) -> Self {
                $example
            }
            fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
                key_leaf(path, || KeyValue::Long(i64::from(*self)))
            }
        }
    )*};
}
integer!(i64 => -4_242_424_242, i32 => -4242, u32 => 4242);

impl EventData for f64 {
    fn avro_schema(_: &mut SchemaNames) -> Value {
        Value::from("double")
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        let bytes = input.read_exact(8)?;
        Ok(f64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }
    fn to_json(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        value
            .as_f64()
            .ok_or_else(|| DataError::wrong_type("a number", value))
    }
    fn example(_: Example) -> Self {
        87.5
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        key_leaf(path, || KeyValue::Double(*self))
    }
}

impl EventData for String {
    fn avro_schema(_: &mut SchemaNames) -> Value {
        Value::from("string")
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_string(out, self);
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        input.read_str().map(str::to_owned)
    }
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| DataError::wrong_type("a string", value))
    }
    fn example(kind: Example) -> Self {
        match kind {
            Example::Full => "Démo ✓ text".to_owned(),
            Example::Minimal => "x".to_owned(),
        }
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        key_leaf(path, || KeyValue::String(self.clone()))
    }
}

/// A lone `u8` is a `long`; a `Vec<u8>` is Avro `bytes`.
impl EventData for u8 {
    fn avro_schema(_: &mut SchemaNames) -> Value {
        Value::from("long")
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_long(out, i64::from(*self));
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        let n = input.read_long()?;
        u8::try_from(n).map_err(|_| DataError::new(DataErrorKind::OutOfRange(n.to_string())))
    }
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        let n = value
            .as_u64()
            .ok_or_else(|| DataError::wrong_type("a byte", value))?;
        u8::try_from(n).map_err(|_| DataError::new(DataErrorKind::OutOfRange(n.to_string())))
    }
    fn example(_: Example) -> Self {
        0xed
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        key_leaf(path, || KeyValue::Long(i64::from(*self)))
    }
    fn slice_avro_schema(_: &mut SchemaNames) -> Value {
        Value::from("bytes")
    }
    fn encode_slice(items: &[Self], out: &mut Vec<u8>) {
        write_bytes(out, items);
    }
    fn decode_vec(input: &mut Reader<'_>) -> Result<Vec<Self>, DataError> {
        input.read_bytes().map(<[u8]>::to_vec)
    }
    /// Bytes have no JSON form in Python (json.dumps refuses them); here they are a string of
    /// Latin-1 code points, the convention of Avro's JSON encoding.
    fn slice_to_json(items: &[Self]) -> Value {
        Value::String(items.iter().map(|&b| char::from(b)).collect())
    }
    fn vec_from_json(value: &Value) -> Result<Vec<Self>, DataError> {
        let s = value
            .as_str()
            .ok_or_else(|| DataError::wrong_type("a string of bytes", value))?;
        s.chars()
            .map(|c| {
                u8::try_from(u32::from(c))
                    .map_err(|_| DataError::invalid(format!("character {c:?} is not a byte")))
            })
            .collect()
    }
}

/// Date-times as they travel in Python: a string written by `isoformat()`, read by
/// `fromisoformat()`. [`EventDateTime`] keeps the offset (or its absence) it was written with.
macro_rules! date_time {
    ($($ty:ty),*) => {$(
        impl EventData for $ty {
            fn avro_schema(_: &mut SchemaNames) -> Value {
                Value::from("string")
            }
            fn encode(&self, out: &mut Vec<u8>) {
                write_string(out, &EventDateTime::from(*self).isoformat());
            }
            fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
                EventDateTime::parse(input.read_str()?).map(Self::from)
            }
            fn to_json(&self) -> Value {
                Value::String(EventDateTime::from(*self).isoformat())
            }
            fn from_json(value: &Value) -> Result<Self, DataError> {
                let s = value
                    .as_str()
                    .ok_or_else(|| DataError::wrong_type("an ISO 8601 date-time string", value))?;
                EventDateTime::parse(s).map(Self::from)
            }
            fn example(kind: Example) -> Self {
                let text = match kind {
                    Example::Full => "2024-01-02T03:04:05.678901+00:00",
                    Example::Minimal => "2024-01-02T03:04:05+00:00",
                };
                EventDateTime::parse(text).map(Self::from).expect("valid example date")
            }
            fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
                key_leaf(path, || KeyValue::String(EventDateTime::from(*self).isoformat()))
            }
        }
    )*};
}
date_time!(EventDateTime, DateTime<Utc>);

impl EventData for Uuid {
    fn avro_schema(_: &mut SchemaNames) -> Value {
        Value::from("string")
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_string(
            out,
            self.hyphenated().encode_lower(&mut Uuid::encode_buffer()),
        );
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        parse_uuid(input.read_str()?)
    }
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        let s = value
            .as_str()
            .ok_or_else(|| DataError::wrong_type("a UUID string", value))?;
        parse_uuid(s)
    }
    fn example(kind: Example) -> Self {
        match kind {
            Example::Full => Uuid::from_u128(0x7f1c_2a3e_5b4d_11ef_9a1b_0242_ac12_0002),
            Example::Minimal => Uuid::from_u128(0x0000_0001_0000_1000_8000_0000_0000_0001),
        }
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        key_leaf(path, || KeyValue::String(self.to_string()))
    }
}

fn parse_uuid(s: &str) -> Result<Uuid, DataError> {
    Uuid::parse_str(s).map_err(|e| DataError::invalid(format!("{s:?} is not a UUID: {e}")))
}

#[cfg(test)]
mod tests {
    use crate::avro::{decode_event, encode_event};

    #[test]
    fn scalars_encode_like_fastavro() {
        assert_eq!(encode_event(&true), [1]);
        assert_eq!(encode_event(&"ab".to_owned()), [4, b'a', b'b']);
        assert_eq!(encode_event(&1.0f64), 1.0f64.to_le_bytes());
        assert_eq!(encode_event(&vec![1u8, 2]), [4, 1, 2]);
        assert_eq!(decode_event::<Vec<u8>>(&[4, 1, 2]).unwrap(), [1, 2]);
        assert!(decode_event::<bool>(&[2]).is_err());
        assert!(decode_event::<i32>(&encode_event(&(1i64 << 40))).is_err());
    }
}
