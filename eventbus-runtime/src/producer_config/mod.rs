//! Producing events to the bus from configuration, as openedx-events' `EVENT_BUS_PRODUCER_CONFIG`
//! setting (ADR 12, reshaped by ADR 14).
//!
//! The configuration says, for each event type, to which topics its events are produced, keyed by
//! which field, and whether each topic is enabled:
//!
//! ```json
//! {
//!   "org.openedx.content_authoring.xblock.published.v1": {
//!     "content-authoring-xblock-lifecycle": {"event_key_field": "xblock_info.usage_key", "enabled": true},
//!     "content-authoring-xblock-published": {"event_key_field": "xblock_info.usage_key", "enabled": false}
//!   }
//! }
//! ```
//!
//! - [`load`] reads it from files (TOML, YAML or JSON, by extension) and from the
//!   `EVENT_BUS_PRODUCER_CONFIG` environment variable (JSON) — [`ConfigSource`] — and merges the
//!   sources in order as Python's `merge_producer_configs` ([`merge_producer_configs`]).
//! - [`validate`] checks it at start-up and reports every problem at once
//!   ([`ProducerConfigError`]): what Python's `OpenedxEventsConfig.ready()` checks, plus unknown
//!   settings, key fields that do not lead to a non-optional scalar of the event's schema and
//!   in-process-only event types, which Python only finds when an event is sent.
//! - [`ConfiguredProducer`] connects a receiver to the signal of each configured event type that
//!   produces its events to the enabled topics through an [`EventProducer`](crate::backend::EventProducer),
//!   as Python's `general_signal_handler`. Topic names are written without the environment prefix:
//!   the producer backend adds `EVENT_BUS_TOPIC_PREFIX`.
//!
//! ```no_run
//! use eventbus_runtime::backend::MemoryProducer;
//! use eventbus_runtime::producer_config::{ConfigSource, ConfiguredProducer, ProducerConfig};
//! use std::sync::Arc;
//!
//! let config = ProducerConfig::load([
//!     ConfigSource::file("producer.yaml"),
//!     ConfigSource::env(),
//! ])
//! .unwrap_or_else(|error| panic!("{error}"));
//! let producer = Arc::new(MemoryProducer::with_topic_prefix("prod"));
//! ConfiguredProducer::connect(&config, producer)?.keep_connected();
//! # Ok::<(), eventbus_runtime::producer_config::ProducerConfigError>(())
//! ```

mod error;
mod handler;
mod load;
mod merge;
mod model;
mod validate;

pub use error::{Problem, ProblemKind, ProducerConfigError};
pub use handler::{ConfiguredProducer, RECEIVER_NAME};
pub use load::{
    default_mode_from_env, load, load_raw, ConfigSource, Format, ENV_VAR, MODE_ENV_VAR,
};
pub use merge::{merge_all, merge_producer_configs};
pub use model::{EventTypeConfig, ProducerConfig, ProductionMode, TopicConfig};
pub use validate::validate;
