//! An event bus in memory for unit tests: events produced to a [`MemoryBus`] go to its
//! [`MemoryConsumer`]s' handlers, through the Avro encoding and back, with the consumers' retries,
//! and nothing else sees them. Each test makes its own bus, so tests running at once do not see
//! each other's events (the global signals are not involved on the consuming side).
//!
//! ```
//! # use eventbus_runtime::prelude::*;
//! # #[derive(Debug, Clone, PartialEq, EventData)]
//! # pub struct Info { pub name: String }
//! # #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
//! # #[openedx_event(event_type = "org.example.doc.memory.sent.v1", key_field = "info.name")]
//! # pub struct Sent { pub info: Info }
//! use eventbus_runtime::backend::EventProducer;
//! use eventbus_runtime::consume::{MemoryBus, OnEvent};
//! use std::sync::{Arc, Mutex};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let bus = MemoryBus::new();
//! let names = Arc::new(Mutex::new(Vec::new()));
//! let seen = names.clone();
//! let mut consumer = bus.consumer("topic").on::<Sent, _, _>("audit", move |event| {
//!     seen.lock().unwrap().push(event.data.info.name.clone());
//!     async { Ok(()) }
//! });
//! let event = Sent { info: Info { name: "a".into() } };
//! let metadata = EventsMetadata::new("org.example.doc.memory.sent.v1", 0);
//! bus.producer().send("topic", "info.name", Arc::new(event), &metadata).await.unwrap();
//! let summary = consumer.drain().await;
//! assert_eq!(summary.processed, 1);
//! assert_eq!(*names.lock().unwrap(), ["a"]);
//! # });
//! ```

use super::engine::{self, EngineSettings, Failure, Inbox, LaneKey, Ledger, Read, Transport};
use super::{
    dispatch, CancellationToken, ConsumeSummary, ConsumerError, Handlers, MessageError, OnEvent,
    Position, RetryPolicy,
};
use crate::backend::{full_topic, MemoryProducer, ProducedEvent};
use crate::metadata::EventsMetadata;
use crate::telemetry::metrics::System;
use crate::telemetry::ConsumerMetrics;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An event bus in memory: a [`MemoryProducer`] and consumers of its topics.
#[derive(Debug, Clone, Default)]
pub struct MemoryBus {
    producer: Arc<MemoryProducer>,
    topic_prefix: Option<String>,
}

impl MemoryBus {
    /// An empty bus with no topic prefix.
    pub fn new() -> Self {
        MemoryBus::default()
    }

    /// An empty bus whose topics are prefixed as `{prefix}-{topic}`.
    pub fn with_topic_prefix(prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        MemoryBus {
            producer: Arc::new(MemoryProducer::with_topic_prefix(prefix.clone())),
            topic_prefix: Some(prefix),
        }
    }

    /// The bus' producer: give it to `ConfiguredProducer::connect`, or send to it directly.
    pub fn producer(&self) -> Arc<MemoryProducer> {
        self.producer.clone()
    }

    /// A consumer of `topic` (without the prefix) that starts at its first event. It has no
    /// handlers until [`OnEvent::on`]; then it calls only them.
    pub fn consumer(&self, topic: &str) -> MemoryConsumer {
        let topic = full_topic(self.topic_prefix.as_deref(), topic);
        MemoryConsumer {
            producer: self.producer.clone(),
            metrics: ConsumerMetrics::new(System::Memory, &topic, "memory"),
            topic,
            position: 0,
            handlers: Handlers::new(),
            retry: RetryPolicy::default(),
            failed: Mutex::default(),
        }
    }
}

/// A consumer of one topic of a [`MemoryBus`].
#[derive(Debug)]
pub struct MemoryConsumer {
    producer: Arc<MemoryProducer>,
    topic: String,
    /// How many events of the topic were settled.
    position: usize,
    handlers: Handlers,
    retry: RetryPolicy,
    failed: Mutex<Vec<(EventsMetadata, MessageError)>>,
    metrics: ConsumerMetrics,
}

impl OnEvent for MemoryConsumer {
    fn handlers_mut(&mut self) -> &mut Handlers {
        &mut self.handlers
    }
}

/// An event of the topic and its index there.
type Indexed = (usize, ProducedEvent);

impl Transport for MemoryConsumer {
    type Message = Indexed;

    fn lane(&self, _: &Indexed) -> LaneKey {
        (0, None)
    }

    fn position(&self, (index, _): &Indexed) -> Position {
        Position::Memory {
            topic: self.topic.clone(),
            index: *index,
        }
    }

    async fn process(&self, (_, produced): &Indexed) -> Result<u32, Failure> {
        let descriptor = produced.event.descriptor();
        let event = descriptor
            .decode(&produced.event.encode(), None)
            .map_err(MessageError::from)?;
        Ok(dispatch(
            event,
            produced.metadata.clone(),
            &self.handlers,
            &self.retry,
        )
        .await?)
    }

    async fn failed(
        &self,
        (_, produced): &Indexed,
        error: MessageError,
    ) -> Result<(), ConsumerError> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((produced.metadata.clone(), error));
        Ok(())
    }

    fn metrics(&self) -> &ConsumerMetrics {
        &self.metrics
    }
}

/// The events settled, in order (one runs at a time).
struct Settled(usize);

impl Ledger<Indexed> for Settled {
    async fn settled(&mut self, (index, _): &Indexed) {
        self.0 = self.0.max(index + 1);
    }

    async fn finish(&mut self) -> Result<(), ConsumerError> {
        Ok(())
    }
}

impl MemoryConsumer {
    /// Retry failing receivers as `retry` says (default: [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Process every event produced to the topic since the last call, in order, with the engine
    /// of the Kafka and Redis consumers: each is encoded and decoded as on a real bus, then sent
    /// to the handlers (or the global signals, without handlers). An event that fails is kept in
    /// [`MemoryConsumer::failed`] (the dead letters) and the consumer goes on; a
    /// [`super::StopConsuming`] stops it before that event, which the next call processes again.
    pub async fn drain(&mut self) -> ConsumeSummary {
        let mut summary = ConsumeSummary::default();
        let events: Vec<Indexed> = self
            .producer
            .events()
            .into_iter()
            .filter(|e| e.topic == self.topic)
            .enumerate()
            .skip(self.position)
            .collect();
        let (sender, reads) = tokio::sync::mpsc::channel(1);
        if !events.is_empty() && sender.try_send(Read::Messages(events)).is_err() {
            unreachable!("an empty channel of one takes one read");
        }
        drop(sender);
        let mut inbox = Inbox {
            reads,
            revocations: None,
        };
        let settings = EngineSettings {
            max_in_flight: 1,
            consecutive_errors_limit: None,
            poll_failure_sleep: Duration::ZERO,
            revocation_timeout: Duration::ZERO,
        };
        let mut settled = Settled(self.position);
        let shutdown = CancellationToken::new();
        // Nothing here stops the engine with an error: failures are kept, never fatal.
        let _ = engine::run(
            &*self,
            &mut settled,
            &mut inbox,
            &settings,
            &shutdown,
            &mut summary,
        )
        .await;
        self.position = settled.0;
        summary
    }

    /// The events that failed, with their errors, in the order processed.
    pub fn failed(
        &self,
    ) -> impl std::ops::Deref<Target = Vec<(EventsMetadata, MessageError)>> + '_ {
        self.failed.lock().unwrap_or_else(|e| e.into_inner())
    }
}
