//! Avro data of any schema as JSON, for events this program has no type for (an inspection
//! consumer prints them decoded with their writer schema).

use crate::data_error::{DataError, DataErrorKind};
use apache_avro::types::Value as Avro;
use apache_avro::Schema;
use serde_json::{Map, Value};

/// Decode schemaless Avro `bytes` written with `writer` into JSON: records as objects (fields in
/// schema order), unions as the value of their branch, maps as objects (keys sorted), enums as
/// their symbol, bytes and fixed as a string of Latin-1 code points (Avro's JSON convention, as
/// the typed events' JSON form), logical types as their underlying number or text. Lengths and
/// nesting are checked within the input first, as for schema resolution.
pub fn avro_to_json(writer: &Schema, bytes: &[u8]) -> Result<Value, DataError> {
    // The keys of every message (a string or a long): read directly, not through a generic
    // reader built for the schema.
    if matches!(writer, Schema::String | Schema::Long | Schema::Int) {
        let mut reader = super::binary::Reader::new(bytes);
        let value = match writer {
            Schema::String => Value::String(reader.read_str()?.to_owned()),
            _ => Value::from(reader.read_long()?),
        };
        return match reader.remaining() {
            0 => Ok(value),
            n => Err(DataError::new(DataErrorKind::TrailingBytes(n))),
        };
    }
    let value = super::resolve::read_value(writer, None, bytes)?;
    Ok(to_json(value))
}

fn latin1(bytes: &[u8]) -> Value {
    Value::String(bytes.iter().map(|&b| char::from(b)).collect())
}

fn number(x: f64) -> Value {
    // NaN and infinities have no JSON number: their Python spelling.
    serde_json::Number::from_f64(x).map_or_else(|| Value::String(x.to_string()), Value::Number)
}

fn to_json(value: Avro) -> Value {
    match value {
        Avro::Null => Value::Null,
        Avro::Boolean(b) => Value::Bool(b),
        Avro::Int(n) | Avro::Date(n) | Avro::TimeMillis(n) => Value::from(n),
        Avro::Long(n)
        | Avro::TimeMicros(n)
        | Avro::TimestampMillis(n)
        | Avro::TimestampMicros(n)
        | Avro::TimestampNanos(n)
        | Avro::LocalTimestampMillis(n)
        | Avro::LocalTimestampMicros(n)
        | Avro::LocalTimestampNanos(n) => Value::from(n),
        Avro::Float(x) => number(f64::from(x)),
        Avro::Double(x) => number(x),
        Avro::Bytes(b) | Avro::Fixed(_, b) => latin1(&b),
        Avro::String(s) | Avro::Enum(_, s) => Value::String(s),
        Avro::Union(_, inner) => to_json(*inner),
        Avro::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Avro::Map(entries) => {
            let mut entries: Vec<_> = entries.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
        Avro::Record(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, to_json(v)))
                .collect::<Map<_, _>>(),
        ),
        Avro::Uuid(u) => Value::String(u.to_string()),
        Avro::Decimal(d) => {
            let bytes: Vec<u8> = d.try_into().unwrap_or_default();
            latin1(&bytes)
        }
        Avro::BigDecimal(d) => Value::String(d.to_string()),
        Avro::Duration(d) => {
            let (months, days, millis): (u32, u32, u32) =
                (d.months().into(), d.days().into(), d.millis().into());
            serde_json::json!({"months": months, "days": days, "millis": millis})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avro::schema::parse_schema_str;

    #[test]
    fn keys_read_directly_as_the_generic_reader_would() {
        use crate::avro::key_value::KeyValue;
        let string = KeyValue::String("block-v1:x".into()).encode();
        assert_eq!(
            avro_to_json(&Schema::String, &string).unwrap(),
            Value::from("block-v1:x")
        );
        let long = KeyValue::Long(-300).encode();
        assert_eq!(
            avro_to_json(&Schema::Long, &long).unwrap(),
            Value::from(-300)
        );
        let mut trailing = string.clone();
        trailing.push(0);
        assert!(avro_to_json(&Schema::String, &trailing).is_err());
        assert!(avro_to_json(&Schema::String, &string[..3]).is_err());
    }

    #[test]
    fn records_unions_maps_and_bytes() {
        let schema = parse_schema_str(
            r#"{"type": "record", "name": "CloudEvent", "fields": [
                {"name": "name", "type": "string"},
                {"name": "note", "type": ["null", "string"], "default": null},
                {"name": "tags", "type": {"type": "map", "values": "boolean"}},
                {"name": "raw", "type": "bytes"},
                {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
                    {"name": "n", "type": "long"}, {"name": "x", "type": "double"}]}},
                {"name": "list", "type": {"type": "array", "items": "long"}}
            ]}"#,
        )
        .unwrap();
        let mut bytes = Vec::new();
        crate::avro::write_string(&mut bytes, "a");
        bytes.extend([0x02]); // union branch 1: string
        crate::avro::write_string(&mut bytes, "b");
        bytes.extend([0x04, 0x02, b'z', 0x00, 0x02, b'y', 0x01, 0x00]); // {"z": false, "y": true}
        crate::avro::write_bytes(&mut bytes, &[0x00, 0xff]);
        crate::avro::write_long(&mut bytes, -3);
        bytes.extend(1.5f64.to_le_bytes());
        bytes.extend([0x02, 0x0e, 0x00]); // [7]
        assert_eq!(
            avro_to_json(&schema, &bytes).unwrap().to_string(),
            r#"{"name":"a","note":"b","tags":{"y":true,"z":false},"raw":"\u0000ÿ","inner":{"n":-3,"x":1.5},"list":[7]}"#
        );
        let err = avro_to_json(&schema, &bytes[..3]).unwrap_err();
        assert!(matches!(err.kind(), DataErrorKind::UnexpectedEnd), "{err}");
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            avro_to_json(&schema, &longer).unwrap_err().kind(),
            &DataErrorKind::TrailingBytes(1)
        );
    }
}
