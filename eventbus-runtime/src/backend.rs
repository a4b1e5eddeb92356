//! The producer side of the bus, independent of the transport: the [`EventProducer`] trait that
//! each backend implements (Kafka in `crate::kafka`, Redis in `crate::redis`, memory here for tests
//! and embedding).

use crate::key::KeyPathError;
use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, NotSerializable};
use crate::signal::BoxFuture;
use std::sync::{Arc, Mutex};

/// Where a produced event landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The full topic name (with the prefix).
    pub topic: String,
    /// The Kafka partition (0 for Redis and memory).
    pub partition: i32,
    /// The Kafka offset in the partition; the index in the topic in memory; -1 for Redis.
    pub offset: i64,
    /// The Redis stream entry id (`<ms>-<seq>`); `None` for Kafka and memory.
    pub entry_id: Option<String>,
}

/// Why an event could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProduceError {
    /// The event type is in-process only.
    #[error(transparent)]
    NotSerializable(#[from] NotSerializable),
    /// The key field does not lead to a key value in this event.
    #[error("{event_type}: {source}")]
    KeyField {
        /// The event type.
        event_type: &'static str,
        /// The key path problem.
        #[source]
        source: KeyPathError,
    },
    /// The producer was shut down.
    #[error("the producer is shut down")]
    Closed,
    /// The transport failed (broker, schema registry...).
    #[error("producing {event_type} to {topic}: {source}")]
    Transport {
        /// The event type.
        event_type: &'static str,
        /// The full topic name.
        topic: String,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A backend that sends events to topics: `send(topic, key field, event, metadata)`, as
/// `edx-event-bus-kafka`'s `KafkaEventProducer.send`.
pub trait EventProducer: Send + Sync {
    /// Produce `event` to `topic` (without the prefix; the backend adds it), keyed by the value at
    /// `event_key_field`. Resolves when the broker acknowledged the event, or with the reason it
    /// could not.
    fn send<'a>(
        &'a self,
        topic: &'a str,
        event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>>;

    /// Deliver everything still queued, before shutting down.
    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>>;
}

/// One event recorded by the [`MemoryProducer`].
#[derive(Debug, Clone)]
pub struct ProducedEvent {
    /// The full topic name.
    pub topic: String,
    /// The key value.
    pub key: crate::key::KeyValue,
    /// The event.
    pub event: Arc<dyn AnyEvent>,
    /// Its metadata.
    pub metadata: EventsMetadata,
}

/// A producer that keeps events in memory, for tests and for applications that embed the bus.
#[derive(Debug, Default)]
pub struct MemoryProducer {
    topic_prefix: Option<String>,
    events: Mutex<Vec<ProducedEvent>>,
}

impl MemoryProducer {
    /// A producer with no topic prefix.
    pub fn new() -> Self {
        MemoryProducer::default()
    }

    /// A producer that prefixes topics as `{prefix}-{topic}` (`EVENT_BUS_TOPIC_PREFIX`).
    pub fn with_topic_prefix(prefix: impl Into<String>) -> Self {
        MemoryProducer {
            topic_prefix: Some(prefix.into()),
            events: Mutex::default(),
        }
    }

    /// Everything produced so far.
    pub fn events(&self) -> Vec<ProducedEvent> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The full topic name: `{prefix}-{topic}` when a prefix is set, as edx-event-bus-kafka builds it.
pub fn full_topic(prefix: Option<&str>, topic: &str) -> String {
    match prefix {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}-{topic}"),
        _ => topic.to_owned(),
    }
}

impl EventProducer for MemoryProducer {
    fn send<'a>(
        &'a self,
        topic: &'a str,
        event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>> {
        Box::pin(async move {
            let event_type = event.descriptor().event_type;
            event.descriptor().schema()?;
            let key = event
                .key_at(event_key_field)
                .map_err(|source| ProduceError::KeyField { event_type, source })?;
            let topic = full_topic(self.topic_prefix.as_deref(), topic);
            let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
            let offset = events.iter().filter(|e| e.topic == topic).count() as i64;
            events.push(ProducedEvent {
                topic: topic.clone(),
                key,
                event,
                metadata: metadata.clone(),
            });
            Ok(Delivery {
                topic,
                partition: 0,
                offset,
                entry_id: None,
            })
        })
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        Box::pin(async { Ok(()) })
    }
}
