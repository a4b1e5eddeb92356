//! A stream entry as `edx-event-bus-redis` writes it: the fields `type`, `id`, `source`, `time`
//! (Python's `isoformat()`), `minorversion`, `sourcehost`, `sourcelib` (`11.2.0`) and
//! `event_data` (the Avro data, schemaless, no framing), in this order, added with
//! `XADD <stream> MAXLEN ~ <n> * ...`.
//!
//! Read back with the metadata rules of [`crate::metadata_fields`]: `type` and `id` are
//! required, a field that occurs twice is an error, others default with a warning.

use crate::metadata::EventsMetadata;
use crate::metadata_fields::{FieldNames, HeaderError};
use redis::Value;

/// The field holding the Avro data.
pub const EVENT_DATA: &str = "event_data";

/// The names of the metadata fields.
pub const NAMES: FieldNames = FieldNames {
    event_type: "type",
    id: "id",
    source: "source",
    time: "time",
    minor_version: "minorversion",
    source_host: "sourcehost",
    source_lib: "sourcelib",
};

/// The fields of an event's entry, in Python's order.
pub fn entry_fields(
    metadata: &EventsMetadata,
    event_data: Vec<u8>,
) -> Vec<(&'static str, Vec<u8>)> {
    let mut fields: Vec<(&'static str, Vec<u8>)> = NAMES
        .values(metadata)
        .into_iter()
        .map(|(name, value)| (name, value.into_owned().into_bytes()))
        .collect();
    fields.push((EVENT_DATA, event_data));
    fields
}

/// An entry read from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id (`<ms>-<seq>`).
    pub id: String,
    /// Its fields, in order; `None` when the entry was deleted (trimmed) while pending.
    pub fields: Option<Vec<(String, Option<Vec<u8>>)>>,
}

impl StreamEntry {
    /// The Avro data; a missing or duplicated `event_data` is an error.
    pub fn event_data(&self) -> Result<Option<&[u8]>, HeaderError> {
        let mut found = self
            .fields
            .iter()
            .flatten()
            .filter(|(name, _)| name == EVENT_DATA);
        match (found.next(), found.next()) {
            (None, _) => Ok(None),
            (Some((_, value)), None) => Ok(value.as_deref()),
            (Some(_), Some(_)) => Err(HeaderError::Duplicate {
                name: EVENT_DATA.to_owned(),
            }),
        }
    }
}

/// Why a reply could not be read as stream entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected reply from Redis: {0}")]
pub struct ReplyError(pub String);

/// The entries of an `XREADGROUP`/`XREAD` reply for one stream (`Nil`: none), in RESP2 or RESP3
/// form.
pub fn entries_of_reply(reply: &Value) -> Result<Vec<StreamEntry>, ReplyError> {
    let streams: Vec<(&Value, &Value)> = match reply {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(streams) => streams
            .iter()
            .map(|stream| match stream {
                Value::Array(pair) if pair.len() == 2 => Ok((&pair[0], &pair[1])),
                other => Err(ReplyError(format!("stream {other:?}"))),
            })
            .collect::<Result<_, _>>()?,
        Value::Map(streams) => streams.iter().map(|(k, v)| (k, v)).collect(),
        other => return Err(ReplyError(format!("{other:?}"))),
    };
    let mut entries = Vec::new();
    for (_, list) in streams {
        entries.extend(entries_of_list(list)?);
    }
    Ok(entries)
}

/// Entries from a list of `[id, [field, value, ...]]` (as `XRANGE` and `XAUTOCLAIM` return).
pub fn entries_of_list(list: &Value) -> Result<Vec<StreamEntry>, ReplyError> {
    let Value::Array(items) = list else {
        return Err(ReplyError(format!("entries {list:?}")));
    };
    items.iter().map(entry_of).collect()
}

fn entry_of(item: &Value) -> Result<StreamEntry, ReplyError> {
    let Value::Array(pair) = item else {
        return Err(ReplyError(format!("entry {item:?}")));
    };
    let [id, fields] = pair.as_slice() else {
        return Err(ReplyError(format!("entry {item:?}")));
    };
    let id = text(id)?;
    let fields = match fields {
        Value::Nil => None,
        Value::Array(flat) if flat.len() % 2 == 0 => Some(
            flat.chunks(2)
                .map(|kv| Ok((text(&kv[0])?, Some(bytes(&kv[1])?))))
                .collect::<Result<Vec<_>, ReplyError>>()?,
        ),
        Value::Map(pairs) => Some(
            pairs
                .iter()
                .map(|(k, v)| Ok((text(k)?, Some(bytes(v)?))))
                .collect::<Result<Vec<_>, ReplyError>>()?,
        ),
        other => return Err(ReplyError(format!("fields {other:?}"))),
    };
    Ok(StreamEntry { id, fields })
}

fn bytes(value: &Value) -> Result<Vec<u8>, ReplyError> {
    match value {
        Value::BulkString(b) => Ok(b.clone()),
        Value::SimpleString(s) => Ok(s.clone().into_bytes()),
        Value::Int(i) => Ok(i.to_string().into_bytes()),
        other => Err(ReplyError(format!("value {other:?}"))),
    }
}

fn text(value: &Value) -> Result<String, ReplyError> {
    String::from_utf8(bytes(value)?).map_err(|e| ReplyError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn bulk(s: &[u8]) -> Value {
        Value::BulkString(s.to_vec())
    }

    #[test]
    fn fields_are_in_pythons_order_and_format() {
        let metadata = EventsMetadata {
            event_type: "org.openedx.learning.auth.session.login.completed.v1".into(),
            id: "7d3a1c3e-1f0a-11ef-9a7b-0242ac120002".parse().unwrap(),
            minorversion: 2,
            source: "openedx/lms/web".into(),
            sourcehost: "edx.devstack.lms".into(),
            time: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            sourcelib: vec![11, 2, 0],
        };
        let fields = entry_fields(&metadata, vec![1, 2]);
        let got: Vec<(&str, &[u8])> = fields.iter().map(|(k, v)| (*k, v.as_slice())).collect();
        assert_eq!(
            got,
            [
                (
                    "type",
                    &b"org.openedx.learning.auth.session.login.completed.v1"[..]
                ),
                ("id", b"7d3a1c3e-1f0a-11ef-9a7b-0242ac120002"),
                ("source", b"openedx/lms/web"),
                ("time", b"2024-01-02T03:04:05+00:00"),
                ("minorversion", b"2"),
                ("sourcehost", b"edx.devstack.lms"),
                ("sourcelib", b"11.2.0"),
                ("event_data", &[1, 2]),
            ]
        );
        let read: Vec<_> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Some(v)))
            .collect();
        assert_eq!(NAMES.metadata(&read).unwrap(), metadata);
    }

    #[test]
    fn replies_are_read_in_both_protocols_and_deleted_entries_kept() {
        let entry = Value::Array(vec![
            bulk(b"1-0"),
            Value::Array(vec![
                bulk(b"type"),
                bulk(b"t"),
                bulk(b"event_data"),
                bulk(b"\0"),
            ]),
        ]);
        let deleted = Value::Array(vec![bulk(b"2-0"), Value::Nil]);
        let resp2 = Value::Array(vec![Value::Array(vec![
            bulk(b"stream"),
            Value::Array(vec![entry.clone(), deleted.clone()]),
        ])]);
        let resp3 = Value::Map(vec![(bulk(b"stream"), Value::Array(vec![entry, deleted]))]);
        for reply in [resp2, resp3] {
            let entries = entries_of_reply(&reply).unwrap();
            assert_eq!(entries.len(), 2);
            assert_eq!(entries[0].id, "1-0");
            assert_eq!(entries[0].event_data().unwrap(), Some(&b"\0"[..]));
            assert_eq!(entries[1].fields, None);
        }
        assert!(entries_of_reply(&Value::Nil).unwrap().is_empty());
        assert!(entries_of_reply(&Value::Int(1)).is_err());
    }

    #[test]
    fn event_data_twice_is_an_error() {
        let entry = StreamEntry {
            id: "1-0".into(),
            fields: Some(vec![
                ("event_data".into(), Some(vec![1])),
                ("event_data".into(), Some(vec![2])),
            ]),
        };
        assert!(matches!(
            entry.event_data(),
            Err(HeaderError::Duplicate { .. })
        ));
    }
}
