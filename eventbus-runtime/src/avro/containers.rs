//! `EventData` for `Option`, `Vec` and string-keyed maps.

use super::{write_long, write_string, EventData, Example, Reader, SchemaNames};
use crate::avro::key_value::{KeyPathError, KeyValue};
use crate::data_error::{DataError, DataErrorKind};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

/// `Option<T>` is `["null", T]`; a field of this type gets `"default": null`, as an attrs
/// attribute with `default=None` does in openedx-events.
impl<T: EventData> EventData for Option<T> {
    const NULLABLE: bool = true;

    fn avro_schema(names: &mut SchemaNames) -> Value {
        Value::Array(vec![Value::from("null"), T::avro_schema(names)])
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => write_long(out, 0),
            Some(value) => {
                write_long(out, 1);
                value.encode(out);
            }
        }
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        match input.read_long()? {
            0 => Ok(None),
            1 => T::decode(input).map(Some),
            n => Err(DataError::new(DataErrorKind::InvalidUnionBranch(n))),
        }
    }
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, EventData::to_json)
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
    fn example(kind: Example) -> Self {
        match kind {
            Example::Full => Some(T::example(kind)),
            Example::Minimal => None,
        }
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        Err(KeyPathError::optional(path))
    }
}

impl<T: EventData> EventData for Vec<T> {
    fn avro_schema(names: &mut SchemaNames) -> Value {
        T::slice_avro_schema(names)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        T::encode_slice(self, out);
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        T::decode_vec(input)
    }
    fn to_json(&self) -> Value {
        T::slice_to_json(self)
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        T::vec_from_json(value)
    }
    fn example(kind: Example) -> Self {
        T::example_vec(kind)
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        Err(KeyPathError::container(path))
    }
}

/// The shared parts of the two map types: Avro `map` with entries in sorted key order, as
/// openedx-events writes them (its JSON round trip sorts the keys).
fn map_schema<T: EventData>(names: &mut SchemaNames) -> Value {
    serde_json::json!({"type": "map", "values": T::avro_schema(names)})
}

fn encode_map<'a, T: EventData>(mut entries: Vec<(&'a String, &'a T)>, out: &mut Vec<u8>) {
    if !entries.is_empty() {
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        write_long(out, entries.len() as i64);
        for (key, value) in entries {
            write_string(out, key);
            value.encode(out);
        }
    }
    write_long(out, 0);
}

fn decode_map<T: EventData>(
    input: &mut Reader<'_>,
    mut insert: impl FnMut(String, T),
) -> Result<(), DataError> {
    while let Some(count) = input.read_block_count()? {
        for _ in 0..count {
            let key = input.read_str()?;
            let value = T::decode(input).map_err(|e| e.at_key(key))?;
            insert(key.to_owned(), value);
        }
    }
    Ok(())
}

fn map_to_json<'a, T: EventData>(entries: impl Iterator<Item = (&'a String, &'a T)>) -> Value {
    let mut sorted: Vec<_> = entries.collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    Value::Object(
        sorted
            .into_iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    )
}

fn map_from_json<T: EventData>(
    value: &Value,
    mut insert: impl FnMut(String, T),
) -> Result<(), DataError> {
    let object = value
        .as_object()
        .ok_or_else(|| DataError::wrong_type("an object", value))?;
    for (key, item) in object {
        insert(key.clone(), T::from_json(item).map_err(|e| e.at_key(key))?);
    }
    Ok(())
}

fn example_entries<T: EventData>(kind: Example) -> Vec<(String, T)> {
    match kind {
        // Inserted out of order, so the sorting is exercised.
        Example::Full => vec![
            ("zeta".to_owned(), T::example(kind)),
            ("alpha".to_owned(), T::example(kind)),
        ],
        Example::Minimal => Vec::new(),
    }
}

impl<T: EventData> EventData for BTreeMap<String, T> {
    fn avro_schema(names: &mut SchemaNames) -> Value {
        map_schema::<T>(names)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        encode_map(self.iter().collect(), out);
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        let mut map = BTreeMap::new();
        decode_map(input, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
    fn to_json(&self) -> Value {
        map_to_json(self.iter())
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        let mut map = BTreeMap::new();
        map_from_json(value, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
    fn example(kind: Example) -> Self {
        example_entries(kind).into_iter().collect()
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        Err(KeyPathError::container(path))
    }
}

impl<T: EventData, S: BuildHasher + Default + Send + Sync + 'static> EventData
    for HashMap<String, T, S>
where
    String: Hash,
{
    fn avro_schema(names: &mut SchemaNames) -> Value {
        map_schema::<T>(names)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        encode_map(self.iter().collect(), out);
    }
    fn decode(input: &mut Reader<'_>) -> Result<Self, DataError> {
        let mut map = HashMap::default();
        decode_map(input, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
    fn to_json(&self) -> Value {
        map_to_json(self.iter())
    }
    fn from_json(value: &Value) -> Result<Self, DataError> {
        let mut map = HashMap::default();
        map_from_json(value, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
    fn example(kind: Example) -> Self {
        example_entries(kind).into_iter().collect()
    }
    fn key_at(&self, path: &[&str]) -> Result<KeyValue, KeyPathError> {
        Err(KeyPathError::container(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avro::{decode_event, encode_event};

    #[test]
    fn maps_are_written_in_sorted_key_order() {
        // The example from openedx-events: {'b': True, 'a': False} -> 04 02 61 00 02 62 01 00.
        let mut map = HashMap::new();
        map.insert("b".to_owned(), true);
        map.insert("a".to_owned(), false);
        assert_eq!(
            encode_event(&map),
            [0x04, 0x02, 0x61, 0x00, 0x02, 0x62, 0x01, 0x00]
        );
        let btree: BTreeMap<String, bool> = map.clone().into_iter().collect();
        assert_eq!(encode_event(&btree), encode_event(&map));
        assert_eq!(
            decode_event::<HashMap<String, bool>>(&encode_event(&map)).unwrap(),
            map
        );
    }

    #[test]
    fn arrays_are_one_block_then_the_end_marker() {
        assert_eq!(encode_event(&Vec::<i64>::new()), [0]);
        assert_eq!(encode_event(&vec![1i64, -1]), [4, 2, 1, 0]);
        // Java writers may use blocks with a negative count and a byte size.
        assert_eq!(decode_event::<Vec<i64>>(&[3, 4, 2, 1, 0]).unwrap(), [1, -1]);
    }

    #[test]
    fn option_is_a_union_with_null_first() {
        assert_eq!(encode_event(&None::<bool>), [0]);
        assert_eq!(encode_event(&Some(true)), [2, 1]);
        let err = decode_event::<Option<bool>>(&[4, 1]).unwrap_err();
        assert_eq!(err.kind(), &DataErrorKind::InvalidUnionBranch(2));
    }

    #[test]
    fn a_bad_map_value_names_its_key() {
        let err = decode_event::<BTreeMap<String, bool>>(&[2, 2, b'k', 7, 0]).unwrap_err();
        assert_eq!(err.path(), "[\"k\"]");
    }
}
