//! Runtime of the Open edX event bus in Rust.
//!
//! An Open edX event is a Rust struct with `#[derive(OpenEdxEvent)]`; the data types it carries derive
//! [`EventData`]. From those derives this crate provides, byte for byte as the Python
//! `openedx-events` library does:
//!
//! - the event's Avro schema ([`avro::schema::EventSchema`]), identical to what `AvroSignalSerializer`
//!   generates;
//! - Avro encoding and decoding ([`avro::encode_event`], [`avro::decode_event`]), including schema
//!   resolution when the writer used another version of the schema;
//! - the event metadata ([`EventsMetadata`]) and the in-process [`Signal`] with its receivers;
//! - a registry of every event type linked into the program ([`registry`]);
//! - key-field extraction ([`key`]) as `edx-event-bus-kafka` does it.
//!
//! Transports, by feature: `kafka` (the `kafka` module, wire-compatible with
//! `edx-event-bus-kafka`, and the schema-registry client), `redis` (the `redis` module,
//! wire-compatible with `edx-event-bus-redis`), `outbox` (the `outbox` module: the
//! transactional outbox of openedx-events ADR 15 on SQLite, MySQL/MariaDB or PostgreSQL, and its
//! relay); producing by configuration
//! ([`producer_config`]) works with either, through [`backend::EventProducer`].
//!
//! ```
//! use eventbus_runtime::prelude::*;
//!
//! /// A block was published.
//! #[derive(Debug, Clone, PartialEq, EventData)]
//! pub struct BlockInfo { pub usage_key: UsageKey, pub block_type: String }
//!
//! /// Sent when a block is published.
//! #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
//! #[openedx_event(event_type = "org.example.doc.block.published.v1", key_field = "block.usage_key")]
//! pub struct BlockPublished { pub block: BlockInfo }
//!
//! let schema = BlockPublished::schema();
//! assert_eq!(schema.json()["namespace"], "org.example.doc.block.published.v1");
//! ```

#![warn(unnameable_types)]
pub mod avro;
pub mod backend;
#[cfg(any(feature = "kafka", feature = "redis"))]
mod causes;
#[cfg(any(feature = "kafka", feature = "redis"))]
pub mod consume;
pub mod data_error;
pub mod event;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod key;
pub mod metadata;
pub mod metadata_fields;
pub mod opaque_keys;
#[cfg(feature = "outbox")]
pub mod outbox;
pub mod producer_config;
#[cfg(feature = "redis")]
pub mod redis;
pub mod registry;
pub mod settings;
pub mod signal;
pub mod suggest;
mod sync;
#[cfg(feature = "telemetry")]
pub mod telemetry;
pub mod time;
#[cfg(any(feature = "kafka", feature = "redis"))]
pub mod worker;

/// The Avro library whose `Schema` appears in this crate's API.
pub use apache_avro;
pub use data_error::DataError;
pub use event::OpenEdxEvent;
pub use eventbus_derive::{EventData, OpenEdxEvent};
pub use metadata::EventsMetadata;
pub use signal::{Envelope, Signal};

#[doc(inline)]
pub use avro::EventData;

/// What a first program needs to define, send and receive events: the derives and traits, the
/// signal and what its receivers and `send_event` name, and the value types of event fields (the
/// opaque keys, [`EventDateTime`](crate::time::EventDateTime), and chrono's `DateTime<Utc>` and
/// `Uuid` at the versions the derives encode).
pub mod prelude {
    pub use crate::avro::{EventData, Example};
    pub use crate::event::OpenEdxEvent;
    pub use crate::metadata::EventsMetadata;
    pub use crate::opaque_keys::{
        CcxLocator, CourseKey, LibraryCollectionLocator, LibraryContainerLocator, LibraryLocatorV2,
        LibraryUsageLocatorV2, UsageKey,
    };
    pub use crate::signal::{
        Envelope, ReceiverError, ReceiversFailed, SendError, SendReport, Signal,
    };
    pub use crate::time::EventDateTime;
    pub use chrono::{DateTime, Utc};
    pub use eventbus_derive::{EventData, OpenEdxEvent};
    pub use uuid::Uuid;
}

/// Items used by the code that the derives generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::avro::field::FieldOps;
    pub use crate::avro::schema::{cloud_event_schema, field_schema, record_schema, SchemaNames};
    pub use crate::avro::{Example, Reader};
    pub use crate::data_error::{DataError, DataErrorKind};
    pub use crate::event::BusEvent;
    pub use crate::key::{assert_event_key, KeyPathError, KeyValue};
    pub use crate::registry::{EventDescriptor, Registration};
    pub use inventory;
    pub use serde_json::{Map as JsonMap, Value as JsonValue};
    pub use std::sync::OnceLock;

    /// The JSON object of a record, refusing fields the record does not have.
    pub fn json_record<'a>(
        value: &'a JsonValue,
        known: &[&str],
    ) -> Result<&'a JsonMap<String, JsonValue>, DataError> {
        let object = value
            .as_object()
            .ok_or_else(|| DataError::wrong_type("an object", value))?;
        if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(DataError::new(DataErrorKind::UnknownField).in_field(unknown));
        }
        Ok(object)
    }

    /// The `doc` attribute of the top-level `CloudEvent` record, as openedx-events writes it.
    pub const CLOUD_EVENT_DOC: &str =
        "Avro Event Format for CloudEvents created with openedx_events/schema";
}
