//! The Redis backend of the event bus, wire-compatible with `edx-event-bus-redis` 1.1.2: each
//! topic is a Redis stream, each event a stream entry.
//!
//! - [`RedisProducer`]: produce events ([`crate::backend::EventProducer`]) with `XADD`;
//! - [`RedisConsumer`]: read a stream as a member of a consumer group and send each event to its
//!   receivers, at least once: an entry is acknowledged (`XACK`) only after its receivers ran, and
//!   one that cannot be processed goes to a dead-letter stream first (or stops the consumer);
//! - [`RedisStreams`]: operators' access to streams (list, describe, read a range, add, delete);
//! - [`RedisRedriver`]: a topic's dead letters sent back to its stream;
//! - [`entry`]: the wire format of an entry.
//!
//! Configure them with [`crate::settings::RedisSettings`]. There is no schema registry: the
//! entry carries the Avro data without framing, written with the event type's current schema, as
//! Python writes it.

mod connection;
mod consumer;
pub mod entry;
mod error;
mod producer;
mod redrive;
mod streams;
mod telemetry;

pub use consumer::{
    RedisConsumer, StartFrom, DLQ_CONSUMER_GROUP, DLQ_ERROR, DLQ_ERROR_KIND, DLQ_FAILED_AT,
    DLQ_SOURCE_ID, DLQ_SOURCE_STREAM,
};
pub use error::RedisError;
pub use producer::RedisProducer;
pub use redrive::RedisRedriver;
pub use streams::{GroupInfo, RedisStreams, StreamInfo, StreamRange};
