//! The producer side of the bus, independent of the transport: the [`EventProducer`] trait that
//! each backend implements (Kafka in `crate::kafka`, Redis in `crate::redis`, memory here for tests
//! and embedding).

use crate::key::KeyPathError;
use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, NotSerializable};
use crate::settings::full_topic;
use crate::signal::BoxFuture;
use crate::sync::LockUnpoisoned;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Where a produced event landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The full topic name (with the prefix).
    pub topic: String,
    /// The event's place in the topic, as its transport names it.
    pub position: DeliveryPosition,
}

/// The place of a produced event in its topic, per transport.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryPosition {
    /// A Kafka partition and the event's offset in it.
    Kafka {
        /// The partition.
        partition: i32,
        /// The offset in the partition.
        offset: i64,
    },
    /// A Redis stream entry.
    Redis {
        /// The entry id (`<ms>-<seq>`).
        entry_id: String,
    },
    /// The in-memory bus of tests ([`MemoryProducer`]).
    Memory {
        /// The event's index among the topic's events, from 0.
        index: usize,
    },
}

impl fmt::Display for DeliveryPosition {
    /// `<partition>@<offset>` (Kafka), the entry id (Redis), `#<index>` (memory).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryPosition::Kafka { partition, offset } => write!(f, "{partition}@{offset}"),
            DeliveryPosition::Redis { entry_id } => f.write_str(entry_id),
            DeliveryPosition::Memory { index } => write!(f, "#{index}"),
        }
    }
}

impl Delivery {
    /// The Kafka partition and offset, for an event produced to Kafka.
    pub fn kafka_position(&self) -> Option<(i32, i64)> {
        match self.position {
            DeliveryPosition::Kafka { partition, offset } => Some((partition, offset)),
            _ => None,
        }
    }

    /// The Redis stream entry id, for an event produced to Redis.
    pub fn entry_id(&self) -> Option<&str> {
        match &self.position {
            DeliveryPosition::Redis { entry_id } => Some(entry_id),
            _ => None,
        }
    }
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
    /// The event type declares no default key field (`key_field` of `#[openedx_event]`) and none
    /// was given.
    #[error("{event_type} has no default key field (`key_field` in its `#[openedx_event]`): give the key field to use")]
    NoKeyField {
        /// The event type.
        event_type: &'static str,
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
    /// Delivering the events still queued failed ([`EventProducer::flush`]).
    #[error("flushing the producer: {source}")]
    Flush {
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

    /// Whether events sent in-process from the current task are for this producer: the
    /// configured producer skips a producer that answers `false`. Every backend answers `true`,
    /// except the producer of a test's `MemoryBus` outside that test (`consume::MemoryBus`), so
    /// that tests running at once do not produce each other's events.
    fn accepts_current_sender(&self) -> bool {
        true
    }
}

/// Says whether the current task is the one a [`MemoryProducer`] belongs to (set by the
/// in-memory bus of tests).
pub(crate) type SenderFilter = Arc<dyn Fn() -> bool + Send + Sync>;

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
#[derive(Default)]
pub struct MemoryProducer {
    topic_prefix: Option<String>,
    events: Mutex<Vec<ProducedEvent>>,
    /// Set for a test's bus: which senders' events it takes through the configured producer.
    sender_filter: Option<SenderFilter>,
}

impl std::fmt::Debug for MemoryProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryProducer")
            .field("topic_prefix", &self.topic_prefix)
            .field("events", &self.events)
            .field("test_scoped", &self.sender_filter.is_some())
            .finish()
    }
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
            ..MemoryProducer::default()
        }
    }

    /// A producer that takes, through the configured producer, only the events of the senders
    /// `filter` accepts (a test's bus).
    #[cfg(any(feature = "kafka", feature = "redis"))]
    pub(crate) fn with_sender_filter(topic_prefix: Option<String>, filter: SenderFilter) -> Self {
        MemoryProducer {
            topic_prefix,
            events: Mutex::default(),
            sender_filter: Some(filter),
        }
    }

    /// Everything produced so far.
    pub fn events(&self) -> Vec<ProducedEvent> {
        self.events.locked().clone()
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
            let mut events = self.events.locked();
            let index = events.iter().filter(|e| e.topic == topic).count();
            events.push(ProducedEvent {
                topic: topic.clone(),
                key,
                event,
                metadata: metadata.clone(),
            });
            Ok(Delivery {
                topic,
                position: DeliveryPosition::Memory { index },
            })
        })
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        Box::pin(async { Ok(()) })
    }

    fn accepts_current_sender(&self) -> bool {
        self.sender_filter.as_ref().is_none_or(|accepts| accepts())
    }
}

/// Where an event is produced: a topic (without the prefix) and the dotted path of its key field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The topic, without the environment prefix.
    pub topic: String,
    /// The dotted path of the field whose value keys the event.
    pub event_key_field: String,
}

/// Produce an event to `topics` at once; every failure is logged and returned.
pub(crate) async fn produce_to(
    producer: &dyn EventProducer,
    topics: &[Destination],
    event: Arc<dyn AnyEvent>,
    metadata: EventsMetadata,
) -> Result<(), ProduceFailures> {
    let event_type = event.descriptor().event_type;
    let sends = topics
        .iter()
        .map(|t| producer.send(&t.topic, &t.event_key_field, event.clone(), &metadata));
    let results = futures_util::future::join_all(sends).await;
    let mut failures = Vec::new();
    for (topic, result) in topics.iter().zip(results) {
        match result {
            Ok(delivery) => tracing::debug!(
                event_type,
                event_id = %metadata.id,
                topic = %delivery.topic,
                partition = delivery.kafka_position().map(|(partition, _)| partition),
                offset = delivery.kafka_position().map(|(_, offset)| offset),
                entry_id = delivery.entry_id(),
                "event produced"
            ),
            Err(error) => {
                tracing::error!(
                    event_type,
                    event_id = %metadata.id,
                    topic = %topic.topic,
                    event_key_field = %topic.event_key_field,
                    %error,
                    "could not produce event"
                );
                failures.push(TopicFailure {
                    topic: topic.topic.clone(),
                    error,
                });
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ProduceFailures {
            event_type,
            event_id: metadata.id,
            topics: topics.len(),
            failures,
        })
    }
}

/// An event could not be produced to some of its topics (returned by the producing receiver).
#[derive(Debug, thiserror::Error)]
pub struct ProduceFailures {
    /// The event type.
    pub event_type: &'static str,
    /// The event's id.
    pub event_id: uuid::Uuid,
    /// How many topics the event was produced to.
    pub topics: usize,
    /// The topics that failed, in configuration order.
    pub failures: Vec<TopicFailure>,
}

impl fmt::Display for ProduceFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not produce {} {} to {} of {} topic{}",
            self.event_type,
            self.event_id,
            self.failures.len(),
            self.topics,
            if self.topics == 1 { "" } else { "s" }
        )?;
        for failure in &self.failures {
            write!(f, "; topic `{}`: {}", failure.topic, failure.error)?;
        }
        Ok(())
    }
}

/// One topic an event could not be produced to.
#[derive(Debug)]
pub struct TopicFailure {
    /// The topic, without the prefix.
    pub topic: String,
    /// Why.
    pub error: ProduceError,
}
