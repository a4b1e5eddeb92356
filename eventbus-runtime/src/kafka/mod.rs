//! The Kafka backend of the event bus, wire-compatible with `edx-event-bus-kafka`.
//!
//! - [`KafkaProducer`]: produce events ([`crate::backend::EventProducer`]);
//! - [`KafkaConsumer`]: consume a topic and send each event to its receivers, at least once, with
//!   failing messages sent to a dead-letter topic;
//! - [`KafkaAdmin`]: create, list and describe the topics; [`group_lags`]: consumer groups' lag;
//! - [`TopicReader`]: read a topic's messages in a range, outside any consumer group;
//! - [`RawProducer`]: produce messages as they are (dead letters, redriven messages);
//! - [`DeadLetterReader`], [`Redriver`]: read a topic's dead letters, send them back;
//! - [`EmbeddedKafka`]: the embedded default, a mock cluster and registry in this process;
//! - [`framing`], [`headers`]: the wire format of keys, values and headers.
//!
//! Configure them with [`crate::settings::KafkaSettings`]; the schema registry client is
//! [`crate::kafka::schema_registry::SchemaRegistryClient`].

mod admin;
pub mod build_info;
mod client_logs;
pub mod config;
mod consumer;
pub mod dead_letter;
mod embedded;
mod error;
pub mod framing;
pub mod headers;
mod lag;
mod producer;
mod raw_producer;
mod reader;
mod redrive;
mod replay;
pub mod schema_registry;
mod telemetry;

pub use admin::{Creation, KafkaAdmin, PartitionInfo, TopicInfo, TopicSpec};
pub use client_logs::{ConnectionLog, TracingContext};
pub use consumer::{EventConsumerContext, KafkaConsumer, COMMIT_GAP, COMMIT_WAITING_MAX};
pub use embedded::EmbeddedKafka;
pub use error::{KafkaError, SchemaLookupError};
pub use lag::{group_lags, GroupLag, GroupLags, GroupSelection, PartitionLag};
pub use producer::{key_subject, value_subject, KafkaProducer};
pub use raw_producer::{RawMessage, RawProducer};
pub use reader::{offsets_for_time, ReadRange, StoredMessage, TopicReader};
pub use redrive::{DeadLetterReader, DeadLettersError, LetterSelection, Redriver};
