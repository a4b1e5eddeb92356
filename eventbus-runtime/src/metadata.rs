//! Event metadata (OEP-41), as openedx-events' `EventsMetadata`.

use crate::sync::RwLockUnpoisoned;
use crate::time::{parse_isoformat, python_isoformat};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::sync::{OnceLock, RwLock};
use uuid::Uuid;

/// The metadata that travels with every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsMetadata {
    /// The event type, e.g. `org.openedx.learning.course.enrollment.created.v1`.
    pub event_type: String,
    /// The event's identifier: a version 1 UUID when generated here.
    pub id: Uuid,
    /// The minor version of the event type's schema.
    pub minorversion: u32,
    /// The logical source: `openedx/{service}/web`.
    pub source: String,
    /// The host that sent the event.
    pub sourcehost: String,
    /// When the event happened, in UTC.
    pub time: DateTime<Utc>,
    /// The version of openedx-events whose event definitions the sender follows, as numbers
    /// (`[11, 2, 0]`): see [`sourcelib`].
    pub sourcelib: Vec<u32>,
}

static SERVICE_NAME: RwLock<Option<String>> = RwLock::new(None);

/// Set the service name used in `source` (`openedx/{service}/web`) and as Kafka `client.id`.
/// Without it, the `EVENTS_SERVICE_NAME` environment variable is used, then `SERVICE_VARIANT`, as
/// the Django settings of the same names are in Python.
pub fn set_service_name(name: impl Into<String>) {
    *SERVICE_NAME.write_unpoisoned() = Some(name.into());
}

/// The configured service name, if any.
pub fn service_name() -> Option<String> {
    let configured = SERVICE_NAME.read_unpoisoned().clone();
    configured.or_else(|| {
        ["EVENTS_SERVICE_NAME", "SERVICE_VARIANT"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
    })
}

/// The openedx-events version whose event definitions the catalog (`openedx-events` crate) and
/// the wire format mirror; the default `sourcelib` of the events sent here, as every Python
/// service sends its openedx-events version. Checked against the Python package by the parity
/// test.
pub const OPENEDX_EVENTS_VERSION: &str = "11.2.0";

/// The setting that overrides `sourcelib` (dotted numbers, e.g. `11.3.0`), for a program whose
/// events follow other definitions than the catalog's.
pub const SOURCELIB_SETTING: &str = "EVENT_BUS_SOURCELIB";

static SOURCELIB: RwLock<Option<Vec<u32>>> = RwLock::new(None);

/// A `sourcelib` value that is not dotted numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{SOURCELIB_SETTING}: {value:?} is {reason}")]
pub struct SourcelibError {
    /// The value read.
    pub value: String,
    /// Why it is not a version.
    pub reason: String,
}

/// Read a `sourcelib` value: dotted numbers (`11.2.0`), as Python consumers parse it.
pub fn parse_sourcelib(text: &str) -> Result<Vec<u32>, SourcelibError> {
    text.trim()
        .split('.')
        .map(|part| part.parse::<u32>())
        .collect::<Result<Vec<u32>, _>>()
        .map_err(|e| SourcelibError {
            value: text.to_owned(),
            reason: format!("not dotted numbers such as 11.2.0 ({e})"),
        })
}

/// Set the `sourcelib` of the events sent from now on (overrides [`SOURCELIB_SETTING`]).
pub fn set_sourcelib(version: Vec<u32>) {
    *SOURCELIB.write_unpoisoned() = Some(version);
}

/// The `sourcelib` of events sent here: the one set with [`set_sourcelib`], else the
/// [`SOURCELIB_SETTING`] variable, else [`OPENEDX_EVENTS_VERSION`]. An unreadable variable is
/// logged and ignored here; `KafkaSettings::from_env` and `RedisSettings::from_env` refuse it.
pub fn sourcelib() -> Vec<u32> {
    if let Some(version) = SOURCELIB.read_unpoisoned().clone() {
        return version;
    }
    let default = || parse_sourcelib(OPENEDX_EVENTS_VERSION).expect("a valid version");
    match std::env::var(SOURCELIB_SETTING) {
        Ok(text) if !text.trim().is_empty() => parse_sourcelib(&text).unwrap_or_else(|error| {
            tracing::error!(%error, "using sourcelib {OPENEDX_EVENTS_VERSION}");
            default()
        }),
        _ => default(),
    }
}

fn node_id() -> [u8; 6] {
    static NODE: OnceLock<[u8; 6]> = OnceLock::new();
    *NODE.get_or_init(|| {
        let mut node: [u8; 6] = Uuid::new_v4().as_bytes()[..6].try_into().expect("6 bytes");
        node[0] |= 0x01; // multicast bit: a random node id, as RFC 4122 asks
        node
    })
}

/// This host's name (the metadata's `sourcehost`).
pub fn host_name() -> String {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| gethostname::gethostname().to_string_lossy().into_owned())
        .clone()
}

impl EventsMetadata {
    /// New metadata for an event sent now from this process.
    pub fn new(event_type: &str, minorversion: u32) -> Self {
        EventsMetadata::at(event_type, minorversion, Utc::now())
    }

    /// New metadata for an event that happened at `time` (e.g. a database record's timestamp).
    pub fn at(event_type: &str, minorversion: u32, time: DateTime<Utc>) -> Self {
        EventsMetadata {
            event_type: event_type.to_owned(),
            id: Uuid::now_v1(&node_id()),
            minorversion,
            source: format!(
                "openedx/{}/web",
                service_name().as_deref().unwrap_or("SERVICE_NAME_UNSET")
            ),
            sourcehost: host_name(),
            time,
            sourcelib: sourcelib(),
        }
    }

    /// `time` as Python's `isoformat()` writes it (the `ce_time` header).
    pub fn time_isoformat(&self) -> String {
        python_isoformat(&self.time)
    }

    /// `sourcelib` as dotted numbers (the `sourcelib` header): `11.2.0`.
    pub fn sourcelib_string(&self) -> String {
        use std::fmt::Write;
        let mut text = String::with_capacity(8);
        for (i, part) in self.sourcelib.iter().enumerate() {
            if i > 0 {
                text.push('.');
            }
            // Writing to a String cannot fail.
            let _ = write!(text, "{part}");
        }
        text
    }

    /// The JSON form of Python's `EventsMetadata.to_json_data()`.
    pub fn to_json(&self) -> Value {
        json!({
            "event_type": self.event_type,
            "id": self.id.to_string(),
            "minorversion": self.minorversion,
            "source": self.source,
            "sourcehost": self.sourcehost,
            "time": self.time_isoformat(),
            "sourcelib": self.sourcelib,
        })
    }

    /// Read the JSON form written by [`EventsMetadata::to_json`] or by Python's `to_json`.
    pub fn from_json(value: &Value) -> Result<Self, crate::DataError> {
        use crate::DataError;
        let text = |name: &'static str| {
            value[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| DataError::wrong_type("a string", &value[name]).in_field(name))
        };
        let id = text("id")?;
        Ok(EventsMetadata {
            event_type: text("event_type")?,
            id: Uuid::parse_str(&id)
                .map_err(|e| DataError::invalid(e.to_string()).in_field("id"))?,
            minorversion: value["minorversion"].as_u64().unwrap_or(0) as u32,
            source: text("source")?,
            sourcehost: text("sourcehost")?,
            time: parse_isoformat(&text("time")?).map_err(|e| e.in_field("time"))?,
            sourcelib: value["sourcelib"]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .filter_map(|p| p.as_u64().map(|n| n as u32))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_metadata_follows_openedx_events() {
        set_service_name("cms");
        let before = Utc::now();
        let metadata = EventsMetadata::new("org.openedx.test.thing.happened.v1", 2);
        assert_eq!(metadata.id.get_version_num(), 1);
        assert_eq!(metadata.source, "openedx/cms/web");
        assert_eq!(metadata.minorversion, 2);
        assert!(metadata.time >= before);
        assert_eq!(metadata.sourcelib, [11, 2, 0]);
        assert_eq!(metadata.sourcelib_string(), OPENEDX_EVENTS_VERSION);
        assert!(!metadata.sourcehost.is_empty());
        let round_trip = EventsMetadata::from_json(&metadata.to_json()).unwrap();
        assert_eq!(round_trip.time, metadata.time.with_nanosecond_truncated());
    }

    #[test]
    fn sourcelib_values_are_dotted_numbers() {
        assert_eq!(parse_sourcelib("11.3.0").unwrap(), [11, 3, 0]);
        assert_eq!(parse_sourcelib(" 12.0 ").unwrap(), [12, 0]);
        for bad in ["11.2.0rc1", "", "11..2", "v11"] {
            let error = parse_sourcelib(bad).unwrap_err().to_string();
            assert!(error.contains(SOURCELIB_SETTING), "{bad}: {error}");
        }
    }

    trait Truncate {
        fn with_nanosecond_truncated(self) -> Self;
    }
    impl Truncate for DateTime<Utc> {
        fn with_nanosecond_truncated(self) -> Self {
            use chrono::Timelike;
            self.with_nanosecond(self.nanosecond() / 1000 * 1000)
                .unwrap()
        }
    }
}
