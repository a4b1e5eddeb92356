//! The CloudEvents headers of a Kafka message, as `edx-event-bus-kafka` writes and reads them.
//!
//! Written, in this order: `ce_specversion` (`1.0`), `content-type` and `ce_datacontenttype`
//! (`application/avro`), then `ce_type`, `ce_id`, `ce_source`, `ce_time` (Python's
//! `isoformat()`), `ce_minorversion`, `sourcehost`, `sourcelib` (`11.2.0`).
//!
//! Read back: `ce_type` must occur exactly once and `ce_id` is required; any metadata header that
//! occurs twice is an error; other missing metadata headers take `EventsMetadata`'s defaults, with
//! a warning.

use crate::avro::parse_isoformat;
use crate::metadata::EventsMetadata;
use rdkafka::message::{Header, Headers, OwnedHeaders};
use uuid::Uuid;

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

/// The headers that carry metadata, in the order Python reads them.
const METADATA_HEADERS: [&str; 7] = [
    EVENT_TYPE,
    ID,
    SOURCE,
    TIME,
    MINOR_VERSION,
    SOURCE_HOST,
    SOURCE_LIB,
];

/// Headers from which no event metadata can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// No `ce_type` header.
    #[error("missing ce_type header on message, cannot determine the event type")]
    MissingEventType,
    /// No `ce_id` header.
    #[error("missing \"ce_id\" header on message, cannot continue")]
    MissingId,
    /// A metadata header occurs more than once.
    #[error("multiple \"{name}\" headers on message, cannot determine the correct metadata")]
    Duplicate {
        /// The header name.
        name: String,
    },
    /// A header without a value.
    #[error("header \"{name}\" has no value")]
    NoValue {
        /// The header name.
        name: String,
    },
    /// A header value that is not UTF-8.
    #[error("header \"{name}\" is not UTF-8")]
    NotUtf8 {
        /// The header name.
        name: String,
    },
    /// A header value that cannot be read.
    #[error("header \"{name}\" has an invalid value {value:?}: {reason}")]
    Invalid {
        /// The header name.
        name: String,
        /// The value.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// The headers of an event, in Python's order, as (name, value) pairs.
pub fn metadata_headers(metadata: &EventsMetadata) -> Vec<(&'static str, String)> {
    vec![
        (SPEC_VERSION, "1.0".to_owned()),
        (CONTENT_TYPE, AVRO_CONTENT_TYPE.to_owned()),
        (DATA_CONTENT_TYPE, AVRO_CONTENT_TYPE.to_owned()),
        (EVENT_TYPE, metadata.event_type.clone()),
        (ID, metadata.id.to_string()),
        (SOURCE, metadata.source.clone()),
        (TIME, metadata.time_isoformat()),
        (MINOR_VERSION, metadata.minorversion.to_string()),
        (SOURCE_HOST, metadata.sourcehost.clone()),
        (SOURCE_LIB, metadata.sourcelib_string()),
    ]
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

/// The headers of a received message as (name, value) pairs, in order.
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

fn values<'a>(headers: &'a [(String, Option<Vec<u8>>)], name: &str) -> Vec<&'a Option<Vec<u8>>> {
    headers
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value)
        .collect()
}

fn text(name: &str, value: &Option<Vec<u8>>) -> Result<String, HeaderError> {
    let bytes = value.as_ref().ok_or_else(|| HeaderError::NoValue {
        name: name.to_owned(),
    })?;
    String::from_utf8(bytes.clone()).map_err(|_| HeaderError::NotUtf8 {
        name: name.to_owned(),
    })
}

/// The single value of a header that must occur at most once; `None` when absent.
fn single(
    headers: &[(String, Option<Vec<u8>>)],
    name: &str,
) -> Result<Option<String>, HeaderError> {
    match values(headers, name).as_slice() {
        [] => Ok(None),
        [value] => text(name, value).map(Some),
        _ => Err(HeaderError::Duplicate {
            name: name.to_owned(),
        }),
    }
}

/// The last value of a header, if any (for logging), as Python's `last_message_header_value`.
pub fn last_value(headers: &[(String, Option<Vec<u8>>)], name: &str) -> Option<String> {
    values(headers, name)
        .last()
        .and_then(|v| v.as_ref())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The event type: the `ce_type` header, which must occur exactly once.
pub fn event_type(headers: &[(String, Option<Vec<u8>>)]) -> Result<String, HeaderError> {
    single(headers, EVENT_TYPE)?.ok_or(HeaderError::MissingEventType)
}

/// Read the event metadata from the headers.
pub fn metadata_from_headers(
    headers: &[(String, Option<Vec<u8>>)],
) -> Result<EventsMetadata, HeaderError> {
    // Check every metadata header for duplicates first, as Python does in its loop.
    let mut found: Vec<Option<String>> = Vec::with_capacity(METADATA_HEADERS.len());
    for name in METADATA_HEADERS {
        found.push(single(headers, name)?);
    }
    let [event_type, id, source, time, minor, host, lib] = <[Option<String>; 7]>::try_from(found)
        .unwrap_or_else(|_| unreachable!("one entry per metadata header"));
    let event_type = event_type.ok_or(HeaderError::MissingEventType)?;
    let id = id.ok_or(HeaderError::MissingId)?;
    let invalid = |name: &str, value: &str, reason: String| HeaderError::Invalid {
        name: name.to_owned(),
        value: value.to_owned(),
        reason,
    };
    let id = Uuid::parse_str(id.trim()).map_err(|e| invalid(ID, &id, e.to_string()))?;
    let missing = |name: &str| {
        tracing::warn!(
            header = name,
            "missing \"{name}\" header on message, will use EventsMetadata default"
        );
    };
    // The defaults are only computed when a header is missing (they read the clock, the
    // environment and the host name).
    let defaults = std::cell::OnceCell::new();
    let default = || defaults.get_or_init(|| EventsMetadata::new(&event_type, 0));
    let source = match source {
        Some(source) => source,
        None => {
            missing(SOURCE);
            default().source.clone()
        }
    };
    let time = match time {
        Some(time) => parse_isoformat(&time).map_err(|e| invalid(TIME, &time, e.to_string()))?,
        None => {
            missing(TIME);
            default().time
        }
    };
    let minorversion = match minor {
        Some(minor) => minor
            .trim()
            .parse()
            .map_err(|e| invalid(MINOR_VERSION, &minor, format!("not a minor version ({e})")))?,
        None => {
            missing(MINOR_VERSION);
            0
        }
    };
    let sourcehost = match host {
        Some(host) => host,
        None => {
            missing(SOURCE_HOST);
            default().sourcehost.clone()
        }
    };
    let sourcelib = match lib {
        Some(lib) => lib
            .split('.')
            .map(|part| part.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(SOURCE_LIB, &lib, format!("not dotted numbers ({e})")))?,
        None => {
            missing(SOURCE_LIB);
            default().sourcelib.clone()
        }
    };
    Ok(EventsMetadata {
        event_type,
        id,
        minorversion,
        source,
        sourcehost,
        time,
        sourcelib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

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
            .map(|(k, v)| (k.to_owned(), Some(v.into_bytes())))
            .collect()
    }

    #[test]
    fn headers_are_written_in_pythons_order() {
        let headers = metadata_headers(&sample());
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
        let got: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, expected);
        assert_eq!(owned_headers(&sample()).count(), 10);
    }

    #[test]
    fn headers_round_trip() {
        let metadata = sample();
        assert_eq!(metadata_from_headers(&pairs(&metadata)).unwrap(), metadata);
        assert_eq!(event_type(&pairs(&metadata)).unwrap(), metadata.event_type);
    }

    #[test]
    fn missing_optional_headers_take_defaults() {
        let headers: Vec<_> = pairs(&sample())
            .into_iter()
            .filter(|(k, _)| k == EVENT_TYPE || k == ID)
            .collect();
        let before = Utc::now();
        let metadata = metadata_from_headers(&headers).unwrap();
        assert_eq!(metadata.id, sample().id);
        assert_eq!(metadata.minorversion, 0);
        assert!(metadata.time >= before);
        assert!(metadata.source.starts_with("openedx/"));
        assert_eq!(metadata.sourcelib, crate::metadata::library_version());
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
            metadata_from_headers(&without(ID)),
            Err(HeaderError::MissingId)
        );
        assert_eq!(
            event_type(&without(EVENT_TYPE)),
            Err(HeaderError::MissingEventType)
        );
        assert_eq!(
            metadata_from_headers(&without(EVENT_TYPE)),
            Err(HeaderError::MissingEventType)
        );

        let mut twice = pairs(&sample());
        twice.push((EVENT_TYPE.into(), Some(b"org.other.v1".to_vec())));
        assert_eq!(
            event_type(&twice),
            Err(HeaderError::Duplicate {
                name: EVENT_TYPE.into()
            })
        );
        let mut twice = pairs(&sample());
        twice.push((SOURCE_HOST.into(), Some(b"other".to_vec())));
        assert_eq!(
            metadata_from_headers(&twice),
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
            metadata_from_headers(&replace(ID, Some(b"nope"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert!(matches!(
            metadata_from_headers(&replace(TIME, Some(b"yesterday"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert!(matches!(
            metadata_from_headers(&replace(MINOR_VERSION, Some(b"-1"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert!(matches!(
            metadata_from_headers(&replace(SOURCE_LIB, Some(b"1.2.0rc1"))),
            Err(HeaderError::Invalid { .. })
        ));
        assert_eq!(
            metadata_from_headers(&replace(SOURCE, None)),
            Err(HeaderError::NoValue {
                name: SOURCE.into()
            })
        );
        assert_eq!(
            metadata_from_headers(&replace(SOURCE, Some(b"\xff"))),
            Err(HeaderError::NotUtf8 {
                name: SOURCE.into()
            })
        );
        assert_eq!(
            last_value(&pairs(&sample()), ID).as_deref(),
            Some("7d3a1c3e-1f0a-11ef-9a7b-0242ac120002")
        );
    }
}
