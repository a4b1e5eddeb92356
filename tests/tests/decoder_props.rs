//! Property tests of everything that reads bytes from the bus: the Avro decoder of every catalog
//! event (arbitrary bytes, valid encodings mutated and truncated, and the schema-resolution path),
//! the Confluent framing, Kafka headers into metadata and Redis replies and entry fields. Nothing
//! panics: every input is decoded or gives a typed error; what decodes re-encodes canonically.
//!
//! Bounded for CI: 500 cases per property (`PROPTEST_CASES` to change) keep the whole file within
//! seconds. `scripts/fuzz.sh` runs the same properties with many more cases. A failing case is
//! kept by proptest in `decoder_props.proptest-regressions` (tried first on every run) and, once
//! fixed, as a plain test at the end of this file.

use eventbus_runtime::apache_avro::Schema;
use eventbus_runtime::avro::schema::parse_schema;
use eventbus_runtime::avro::{write_long, Example};
use eventbus_runtime::kafka::framing::{frame, unframe, FramingError, HEADER_LEN, MAGIC_BYTE};
use eventbus_runtime::kafka::headers::{self as ce, header_pairs};
use eventbus_runtime::metadata_fields::FieldNames;
use eventbus_runtime::redis::entry::{self as redis_entry, entries_of_reply, StreamEntry};
use eventbus_runtime::registry::{self, AnyEvent, EventDataError, EventDescriptor};
use eventbus_runtime::EventsMetadata;
use proptest::prelude::*;
use proptest::sample::Index;
use rdkafka::message::{Header, OwnedHeaders};
use redis::Value as RedisValue;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// Every event type that travels on the bus, in a fixed order.
fn descriptors() -> &'static [&'static EventDescriptor] {
    static ALL: OnceLock<Vec<&'static EventDescriptor>> = OnceLock::new();
    ALL.get_or_init(|| {
        openedx_events::link();
        let mut all: Vec<_> = registry::all().filter(|d| d.is_serializable()).collect();
        all.sort_by_key(|d| d.event_type);
        assert!(all.len() > 50, "the catalog is linked");
        all
    })
}

fn example(descriptor: &EventDescriptor, full: bool) -> Arc<dyn AnyEvent> {
    let kind = if full {
        Example::Full
    } else {
        Example::Minimal
    };
    descriptor.example(kind).expect("serializable")
}

/// The property of every decode: a typed error, or an event whose encoding is canonical (it
/// decodes again to an event with the same encoding).
fn check_decoded(
    descriptor: &EventDescriptor,
    decoded: Result<Arc<dyn AnyEvent>, EventDataError>,
) -> Result<(), TestCaseError> {
    match decoded {
        Ok(event) => {
            prop_assert_eq!(event.descriptor().event_type, descriptor.event_type);
            let bytes = event.encode();
            let again = descriptor
                .decode(&bytes, None)
                .map_err(|e| TestCaseError::fail(format!("re-encoded event fails: {e}")))?;
            prop_assert_eq!(again.encode(), bytes);
        }
        Err(EventDataError::Data { event_type, source }) => {
            prop_assert_eq!(event_type, descriptor.event_type);
            prop_assert!(!source.to_string().is_empty());
        }
        Err(other) => return Err(TestCaseError::fail(format!("unexpected error: {other}"))),
    }
    Ok(())
}

/// A change to a valid encoding.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte.
    Flip(Index, u8),
    /// Insert bytes.
    Insert(Index, Vec<u8>),
    /// Remove up to n bytes.
    Remove(Index, usize),
    /// Cut the input.
    Truncate(Index),
    /// Overwrite one byte with an Avro long: huge, negative or overflowing lengths and counts.
    Long(Index, i64),
    /// Overwrite with a varint that never ends or is too long.
    BadVarint(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![
        Just(i64::MAX),
        Just(i64::MIN),
        Just(-1i64),
        Just(-2i64),
        Just(1i64 << 31),
        Just(1i64 << 40),
        Just(-(1i64 << 40)),
        any::<i64>(),
        -300i64..300,
    ];
    prop_oneof![
        (any::<Index>(), 1u8..).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Remove(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), interesting).prop_map(|(i, n)| Mutation::Long(i, n)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::BadVarint(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        bytes.push(0);
    }
    let at = |i: &Index, len: usize| i.index(len);
    match mutation {
        Mutation::Flip(i, x) => {
            let i = at(i, bytes.len());
            bytes[i] ^= x;
        }
        Mutation::Insert(i, b) => {
            let i = at(i, bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        Mutation::Long(i, n) => {
            let i = at(i, bytes.len());
            let mut long = Vec::new();
            write_long(&mut long, *n);
            bytes.splice(i..=i, long);
        }
        Mutation::BadVarint(i, n) => {
            let i = at(i, bytes.len());
            bytes.splice(i..=i, std::iter::repeat_n(0xff, *n));
        }
    }
}

/// The event's schema with one more field at the end: data written with it must go through
/// schema resolution (apache-avro) before the typed decoder.
fn writer_with_extra_field(descriptor: &EventDescriptor) -> &'static Schema {
    static WRITERS: OnceLock<Vec<Schema>> = OnceLock::new();
    let writers = WRITERS.get_or_init(|| {
        descriptors()
            .iter()
            .map(|d| {
                let mut schema: Value = d.schema().unwrap().json().clone();
                schema["fields"]
                    .as_array_mut()
                    .expect("a record")
                    .push(json!({"name": "zz_added_by_a_newer_writer", "type": "string"}));
                parse_schema(&schema).expect("a valid schema")
            })
            .collect()
    });
    let index = descriptors()
        .iter()
        .position(|d| d.event_type == descriptor.event_type)
        .expect("listed");
    &writers[index]
}

/// Cases per property: `PROPTEST_CASES`, else a count that keeps the file within a few seconds.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    ProptestConfig {
        cases,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

fn descriptor_index() -> impl Strategy<Value = usize> {
    0..descriptors().len()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn avro_arbitrary_bytes_decode_or_fail_typed(
        index in descriptor_index(),
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let descriptor = descriptors()[index];
        check_decoded(descriptor, descriptor.decode(&bytes, None))?;
    }

    #[test]
    fn avro_mutated_valid_encodings_decode_or_fail_typed(
        index in descriptor_index(),
        full in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let descriptor = descriptors()[index];
        let mut bytes = example(descriptor, full).encode();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check_decoded(descriptor, descriptor.decode(&bytes, None))?;
    }

    #[test]
    fn avro_resolution_of_mutated_data_decodes_or_fails_typed(
        index in descriptor_index(),
        full in any::<bool>(),
        extra in ".{0,8}",
        mutations in prop::collection::vec(mutation(), 0..3),
    ) {
        let descriptor = descriptors()[index];
        let writer = writer_with_extra_field(descriptor);
        let event = example(descriptor, full);
        let mut bytes = event.encode();
        eventbus_runtime::avro::write_string(&mut bytes, &extra);
        if mutations.is_empty() {
            // Valid data of the newer writer resolves to the very event.
            let decoded = descriptor.decode(&bytes, Some(writer)).unwrap();
            prop_assert_eq!(decoded.encode(), event.encode());
        }
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check_decoded(descriptor, descriptor.decode(&bytes, Some(writer)))?;
    }

    #[test]
    fn framing_splits_or_fails_typed(bytes in prop::collection::vec(any::<u8>(), 0..16)) {
        match unframe(&bytes) {
            Ok((id, rest)) => prop_assert_eq!(frame(id, rest), bytes),
            Err(FramingError::TooShort { len }) => {
                prop_assert_eq!(len, bytes.len());
                prop_assert!(len < HEADER_LEN);
                prop_assert!(bytes.first().is_none_or(|&b| b == MAGIC_BYTE));
            }
            Err(FramingError::WrongMagicByte { found }) => {
                prop_assert_eq!(Some(found), bytes.first().copied());
                prop_assert_ne!(found, MAGIC_BYTE);
            }
        }
    }

    #[test]
    fn framed_values_round_trip(id in any::<u32>(), avro in prop::collection::vec(any::<u8>(), 0..64)) {
        let framed = frame(id, &avro);
        prop_assert_eq!(unframe(&framed), Ok((id, avro.as_slice())));
    }

    #[test]
    fn kafka_headers_give_metadata_or_a_typed_error(fields in metadata_fields(ce::NAMES)) {
        // Through librdkafka's own header list, as the consumer reads them (its header names
        // are C strings: they end at a NUL).
        let fields: Vec<_> = fields
            .into_iter()
            .map(|(k, v)| (k.split('\0').next().unwrap_or_default().to_owned(), v))
            .collect();
        let owned = fields.iter().fold(OwnedHeaders::new(), |headers, (key, value)| {
            headers.insert(Header { key: key.as_str(), value: value.as_deref() })
        });
        let pairs = header_pairs(Some(&owned));
        prop_assert_eq!(&pairs, &fields);
        check_metadata(ce::NAMES, &pairs)?;
    }

    #[test]
    fn redis_entry_fields_give_metadata_or_a_typed_error(fields in metadata_fields(redis_entry::NAMES)) {
        // Redis field values are never null: a missing value is an empty one.
        let fields: Vec<_> = fields
            .into_iter()
            .map(|(k, v)| (k, Some(v.unwrap_or_default())))
            .collect();
        check_metadata(redis_entry::NAMES, &fields)?;
        let entry = StreamEntry { id: "1-0".into(), fields: Some(fields.clone()) };
        let data = fields.iter().filter(|(k, _)| k == redis_entry::EVENT_DATA).count();
        match entry.event_data() {
            Ok(found) => {
                prop_assert!(data <= 1);
                prop_assert_eq!(found.is_some(), data == 1);
            }
            Err(e) => {
                prop_assert!(data > 1);
                prop_assert!(e.to_string().contains(redis_entry::EVENT_DATA));
            }
        }
    }

    #[test]
    fn redis_replies_give_entries_or_a_typed_error(reply in redis_value()) {
        match entries_of_reply(&reply) {
            Ok(entries) => {
                for entry in entries {
                    if let Some(fields) = &entry.fields {
                        check_metadata(redis_entry::NAMES, fields)?;
                    }
                    let _ = entry.event_data();
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with("unexpected reply from Redis")),
        }
    }

    #[test]
    fn redis_stream_replies_round_trip(
        entries in prop::collection::vec(
            ("[0-9]{1,13}-[0-9]{1,3}", prop::collection::vec(("[a-z_]{1,12}", prop::collection::vec(any::<u8>(), 0..16)), 0..10)),
            0..5,
        ),
        resp3 in any::<bool>(),
    ) {
        let entry_values: Vec<RedisValue> = entries
            .iter()
            .map(|(id, fields)| {
                let flat = fields
                    .iter()
                    .flat_map(|(k, v)| [RedisValue::BulkString(k.clone().into_bytes()), RedisValue::BulkString(v.clone())])
                    .collect();
                RedisValue::Array(vec![RedisValue::BulkString(id.clone().into_bytes()), RedisValue::Array(flat)])
            })
            .collect();
        let stream = RedisValue::BulkString(b"stream".to_vec());
        let reply = if resp3 {
            RedisValue::Map(vec![(stream, RedisValue::Array(entry_values))])
        } else {
            RedisValue::Array(vec![RedisValue::Array(vec![stream, RedisValue::Array(entry_values)])])
        };
        let read = entries_of_reply(&reply).unwrap();
        prop_assert_eq!(read.len(), entries.len());
        for (entry, (id, fields)) in read.iter().zip(&entries) {
            prop_assert_eq!(&entry.id, id);
            let expected: Vec<_> = fields.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
            prop_assert_eq!(entry.fields.as_ref(), Some(&expected));
        }
    }
}

/// Reading metadata: a typed error, or metadata whose written form reads back to the same
/// written form.
fn check_metadata(
    names: FieldNames,
    fields: &[(String, Option<Vec<u8>>)],
) -> Result<(), TestCaseError> {
    let written = |metadata: &EventsMetadata| -> Vec<(String, Option<Vec<u8>>)> {
        names
            .values(metadata)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Some(v.into_owned().into_bytes())))
            .collect()
    };
    let event_type = names.event_type(fields);
    match names.metadata(fields) {
        Ok(metadata) => {
            prop_assert_eq!(event_type.ok(), Some(metadata.event_type.as_str()));
            let once = written(&metadata);
            let again = names
                .metadata(&once)
                .map_err(|e| TestCaseError::fail(format!("written metadata fails: {e}")))?;
            prop_assert_eq!(written(&again), once);
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

/// A valid value of each metadata field, as text.
fn valid_values(names: FieldNames) -> Vec<(&'static str, String)> {
    let metadata = EventsMetadata::new("org.openedx.learning.auth.session.login.completed.v1", 3);
    names
        .values(&metadata)
        .into_iter()
        .map(|(name, value)| (name, value.into_owned()))
        .collect()
}

/// Fields of a message: mostly the metadata fields with valid, mutated, arbitrary or missing
/// values, sometimes twice, plus other fields.
fn metadata_fields(names: FieldNames) -> impl Strategy<Value = Vec<(String, Option<Vec<u8>>)>> {
    let valid = valid_values(names);
    let field = (
        0..valid.len() + 2,
        0u8..6,
        prop::collection::vec(any::<u8>(), 0..40),
        any::<Index>(),
        any::<u8>(),
    )
        .prop_map(move |(which, how, random, at, byte)| {
            let (name, good) = match valid.get(which) {
                Some((name, value)) => ((*name).to_owned(), value.clone().into_bytes()),
                None if which == valid.len() => {
                    (redis_entry::EVENT_DATA.to_owned(), random.clone())
                }
                None => (
                    String::from_utf8_lossy(&random).into_owned(),
                    random.clone(),
                ),
            };
            let value = match how {
                0 | 1 => Some(good),
                2 => {
                    let mut bad = good;
                    if !bad.is_empty() {
                        let i = at.index(bad.len());
                        bad[i] = byte;
                    }
                    Some(bad)
                }
                3 => Some(good[..at.index(good.len() + 1)].to_vec()),
                4 => Some(random),
                _ => None,
            };
            (name, value)
        });
    prop::collection::vec(field, 0..12)
}

fn redis_value() -> impl Strategy<Value = RedisValue> {
    let leaf = prop_oneof![
        Just(RedisValue::Nil),
        Just(RedisValue::Okay),
        any::<i64>().prop_map(RedisValue::Int),
        prop::collection::vec(any::<u8>(), 0..12).prop_map(RedisValue::BulkString),
        "[ -~]{0,8}".prop_map(RedisValue::SimpleString),
        any::<f64>().prop_map(RedisValue::Double),
        any::<bool>().prop_map(RedisValue::Boolean),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(RedisValue::Array),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(RedisValue::Map),
            prop::collection::vec(inner, 0..4).prop_map(RedisValue::Set),
        ]
    })
}

/// Every example of every event type decodes and re-encodes to the very bytes, with its own
/// schema and through resolution from a newer writer.
#[test]
fn valid_encodings_round_trip_exactly() {
    for descriptor in descriptors() {
        for full in [true, false] {
            let bytes = example(descriptor, full).encode();
            let decoded = descriptor.decode(&bytes, None).unwrap();
            assert_eq!(decoded.encode(), bytes, "{}", descriptor.event_type);
            let mut newer = bytes.clone();
            eventbus_runtime::avro::write_string(&mut newer, "extra");
            let resolved = descriptor
                .decode(&newer, Some(writer_with_extra_field(descriptor)))
                .unwrap();
            assert_eq!(resolved.encode(), bytes, "{}", descriptor.event_type);
        }
    }
}

/// Regression (found here: apache-avro overflowed the stack and the process aborted): data
/// written with a registered writer schema that nests a record in itself is refused with a typed
/// error when it nests deeply.
#[test]
fn deeply_nested_writer_data_is_refused() {
    let descriptor = descriptors()[0];
    let mut schema: Value = descriptor.schema().unwrap().json().clone();
    schema["fields"].as_array_mut().unwrap().push(json!({
        "name": "zz_chain",
        "type": {"type": "record", "name": "Link", "fields": [
            {"name": "next", "type": ["null", "Link"]}
        ]}
    }));
    let writer = parse_schema(&schema).unwrap();
    let valid = example(descriptor, false).encode();
    for depth in [10usize, 1_000_000] {
        let mut bytes = valid.clone();
        bytes.extend(std::iter::repeat_n(2u8, depth));
        bytes.push(0);
        let decoded = descriptor.decode(&bytes, Some(&writer));
        if depth == 10 {
            assert_eq!(decoded.unwrap().encode(), valid);
        } else {
            let Err(error) = decoded else {
                panic!("data nested {depth} levels deep is refused")
            };
            assert!(error.to_string().contains("nest"), "{error}");
        }
    }
}
