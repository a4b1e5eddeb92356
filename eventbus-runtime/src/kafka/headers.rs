//! The CloudEvents headers of a Kafka message, as `edx-event-bus-kafka` writes and reads them.
//!
//! Written, in this order: `ce_specversion` (`1.0`), `content-type` and `ce_datacontenttype`
//! (`application/avro`), then `ce_type`, `ce_id`, `ce_source`, `ce_time` (Python's
//! `isoformat()`), `ce_minorversion`, `sourcehost`, `sourcelib` (`11.2.0`).
//!
//! Read back with [`NAMES`] ([`FieldNames::event_type`], [`FieldNames::metadata`]): `ce_type`
//! must occur exactly once and `ce_id` is required; any metadata header that occurs twice is an
//! error; other missing metadata headers take `EventsMetadata`'s defaults, with a warning.

use crate::metadata::EventsMetadata;
use crate::metadata_fields::FieldNames;
use rdkafka::message::{Header, Headers, OwnedHeaders};
use std::borrow::Cow;

/// `ce_specversion`.
pub const SPEC_VERSION: &str = "ce_specversion";
/// `content-type`.
pub const CONTENT_TYPE: &str = "content-type";
/// `ce_datacontenttype`.
pub const DATA_CONTENT_TYPE: &str = "ce_datacontenttype";
/// `ce_type`: the event type.
pub const EVENT_TYPE: &str = "ce_type";
/// `ce_id`: the event id.
pub const ID: &str = "ce_id";
/// `ce_source`.
pub const SOURCE: &str = "ce_source";
/// `ce_time`.
pub const TIME: &str = "ce_time";
/// `ce_minorversion`.
pub const MINOR_VERSION: &str = "ce_minorversion";
/// `sourcehost`.
pub const SOURCE_HOST: &str = "sourcehost";
/// `sourcelib`.
pub const SOURCE_LIB: &str = "sourcelib";

/// The content type of every event.
pub const AVRO_CONTENT_TYPE: &str = "application/avro";

/// The names of the headers that carry the metadata.
pub const NAMES: FieldNames = FieldNames {
    event_type: EVENT_TYPE,
    id: ID,
    source: SOURCE,
    time: TIME,
    minor_version: MINOR_VERSION,
    source_host: SOURCE_HOST,
    source_lib: SOURCE_LIB,
};

/// The headers of an event, in Python's order, as (name, value) pairs.
pub fn metadata_headers(metadata: &EventsMetadata) -> Vec<(&'static str, Cow<'_, str>)> {
    let mut headers = Vec::with_capacity(10);
    headers.extend([
        (SPEC_VERSION, Cow::Borrowed("1.0")),
        (CONTENT_TYPE, Cow::Borrowed(AVRO_CONTENT_TYPE)),
        (DATA_CONTENT_TYPE, Cow::Borrowed(AVRO_CONTENT_TYPE)),
    ]);
    headers.extend(NAMES.values(metadata));
    headers
}

/// The headers of an event as rdkafka headers.
pub fn owned_headers(metadata: &EventsMetadata) -> OwnedHeaders {
    metadata_headers(metadata).iter().fold(
        OwnedHeaders::new_with_capacity(10),
        |headers, (key, value)| {
            headers.insert(Header {
                key,
                value: Some(value.as_bytes()),
            })
        },
    )
}

/// The headers of a message as borrowed (name, value) pairs, in order (no copy of a name or
/// value: what the consumer reads every message with).
pub fn header_refs<H: Headers>(headers: Option<&H>) -> Vec<(&str, Option<&[u8]>)> {
    headers
        .map(|headers| headers.iter().map(|h| (h.key, h.value)).collect())
        .unwrap_or_default()
}

/// The headers of a received message as owned (name, value) pairs, in order.
pub fn header_pairs<H: Headers>(headers: Option<&H>) -> Vec<(String, Option<Vec<u8>>)> {
    headers
        .map(|headers| {
            headers
                .iter()
                .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata_fields::HeaderError;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn sample() -> EventsMetadata {
        EventsMetadata {
            event_type: "org.openedx.learning.auth.session.login.completed.v1".into(),
            id: Uuid::parse_str("7d3a1c3e-1f0a-11ef-9a7b-0242ac120002").unwrap(),
            minorversion: 2,
            source: "openedx/lms/web".into(),
            sourcehost: "edx.devstack.lms".into(),
            time: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            sourcelib: vec![11, 2, 0],
        }
    }

    fn pairs(metadata: &EventsMetadata) -> Vec<(String, Option<Vec<u8>>)> {
        metadata_headers(metadata)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Some(v.into_owned().into_bytes())))
            .collect()
    }

    #[test]
    fn headers_are_written_in_pythons_order() {
        let metadata = sample();
        let headers = metadata_headers(&metadata);
        let expected = [
            ("ce_specversion", "1.0"),
            ("content-type", "application/avro"),
            ("ce_datacontenttype", "application/avro"),
            (
                "ce_type",
                "org.openedx.learning.auth.session.login.completed.v1",
            ),
            ("ce_id", "7d3a1c3e-1f0a-11ef-9a7b-0242ac120002"),
            ("ce_source", "openedx/lms/web"),
            ("ce_time", "2024-01-02T03:04:05+00:00"),
            ("ce_minorversion", "2"),
            ("sourcehost", "edx.devstack.lms"),
            ("sourcelib", "11.2.0"),
        ];
        let got: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        assert_eq!(got, expected);
        assert_eq!(owned_headers(&sample()).count(), 10);
    }

    #[test]
    fn headers_round_trip() {
        let metadata = sample();
        assert_eq!(NAMES.metadata(&pairs(&metadata)).unwrap(), metadata);
        assert_eq!(
            NAMES.event_type(&pairs(&metadata)).unwrap(),
            metadata.event_type
        );
    }

    #[test]
    fn missing_optional_headers_take_defaults() {
        let headers: Vec<_> = pairs(&sample())
            .into_iter()
            .filter(|(k, _)| k == EVENT_TYPE || k == ID)
            .collect();
        let before = Utc::now();
        let metadata = NAMES.metadata(&headers).unwrap();
        assert_eq!(metadata.id, sample().id);
        assert_eq!(metadata.minorversion, 0);
        assert!(metadata.time >= before);
        assert!(metadata.source.starts_with("openedx/"));
        assert_eq!(metadata.sourcelib, crate::metadata::sourcelib());
    }

    #[test]
    fn bad_headers_are_errors() {
        let without = |name: &str| -> Vec<_> {
            pairs(&sample())
                .into_iter()
                .filter(|(k, _)| k != name)
                .collect()
        };
        assert_eq!(
            NAMES.metadata(&without(ID)),
            Err(HeaderError::MissingId { name: ID })
        );
        assert_eq!(
            NAMES.event_type(&without(EVENT_TYPE)),
            Err(HeaderError::MissingEventType { name: EVENT_TYPE })
        );
        assert_eq!(
            NAMES.metadata(&without(EVENT_TYPE)),
            Err(HeaderError::MissingEventType { name: EVENT_TYPE })
        );

        let mut twice = pairs(&sample());
        twice.push((EVENT_TYPE.into(), Some(b"org.other.v1".to_vec())));
        assert_eq!(
            NAMES.event_type(&twice),
            Err(HeaderError::Duplicate {
                name: EVENT_TYPE.into()
            })
        );
        let mut twice = pairs(&sample());
        twice.push((SOURCE_HOST.into(), Some(b"other".to_vec())));
        assert_eq!(
            NAMES.metadata(&twice),
            Err(HeaderError::Duplicate {
                name: SOURCE_HOST.into()
            })
        );

        let replace = |name: &str, value: Option<&[u8]>| -> Vec<_> {
            pairs(&sample())
                .into_iter()
                .map(|(k, v)| {
                    if k == name {
                        (k, value.map(<[u8]>::to_vec))
                    } else {
                        (k, v)
                    }
                })
                .collect()
        };
        assert!(matches!(
            NAMES.metadata(&replace(ID, Some(b"nope"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert!(matches!(
            NAMES.metadata(&replace(TIME, Some(b"yesterday"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert!(matches!(
            NAMES.metadata(&replace(MINOR_VERSION, Some(b"-1"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert!(matches!(
            NAMES.metadata(&replace(SOURCE_LIB, Some(b"1.2.0rc1"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert_eq!(
            NAMES.metadata(&replace(SOURCE, None)),
            Err(HeaderError::NoValue {
                name: SOURCE.into()
            })
        );
        assert_eq!(
            NAMES.metadata(&replace(SOURCE, Some(b"\xff"))),
            Err(HeaderError::NotUtf8 {
                name: SOURCE.into()
            })
        );
        assert_eq!(
            crate::metadata_fields::last_value(&pairs(&sample()), ID).as_deref(),
            Some("7d3a1c3e-1f0a-11ef-9a7b-0242ac120002")
        );
    }
}
