//! An event bus in memory for unit tests: events produced to a [`MemoryBus`] go to its
//! [`MemoryConsumer`]s' handlers, through the Avro encoding and back, with the consumers' retries,
//! and nothing else sees them.
//!
//! Each test makes its own bus, so tests running at once do not see each other's events, also
//! when they send them in-process through the global signals and a
//! [`ConfiguredProducer`](crate::producer_config::ConfiguredProducer) connected to
//! [`MemoryBus::producer`]: a bus takes from the configured producer only the events sent by its
//! own test. Its test is the thread that made it when that thread runs a current-thread tokio
//! runtime (`#[tokio::test]`'s default; an event sent from another thread, as in
//! `spawn_blocking`, is not its test's), and whatever runs inside [`MemoryBus::scope`] (needed
//! with `#[tokio::test(flavor = "multi_thread")]`, or a bus made outside the runtime; once
//! entered, only what runs inside it). An event sent in another bus' scope never reaches this
//! one.
//!
//! ```
//! # use eventbus_runtime::prelude::*;
//! # #[derive(Debug, Clone, PartialEq, EventData)]
//! # pub struct Info { pub name: String }
//! # #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
//! # #[openedx_event(event_type = "org.example.doc.memory.sent.v1", key_field = "info.name")]
//! # pub struct Sent { pub info: Info }
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
//! bus.send("topic", Sent { info: Info { name: "a".into() } }).await.unwrap();
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
use crate::avro::EventData;
use crate::backend::{Delivery, EventProducer, MemoryProducer, ProduceError, ProducedEvent};
use crate::event::OpenEdxEvent;
use crate::metadata::EventsMetadata;
use crate::settings::full_topic;
use crate::sync::LockUnpoisoned;
use crate::telemetry::metrics::ConsumerMetrics;
use crate::telemetry::metrics::System;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

tokio::task_local! {
    /// The bus whose [`MemoryBus::scope`] the current task runs in.
    static CURRENT_BUS: u64;
}

/// The next bus' id (unique in the process).
static NEXT_BUS: AtomicU64 = AtomicU64::new(1);

/// The test a bus belongs to: its scope, and the thread that made it when that thread runs a
/// current-thread runtime.
#[derive(Debug, Clone)]
struct Owner {
    id: u64,
    thread: Option<ThreadId>,
    /// Whether [`MemoryBus::scope`] was entered: then only senders in the scope are the test's.
    scoped: Arc<AtomicBool>,
}

impl Owner {
    fn here() -> Self {
        let current_thread = tokio::runtime::Handle::try_current().is_ok_and(|handle| {
            handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
        });
        Owner {
            id: NEXT_BUS.fetch_add(1, Ordering::Relaxed),
            thread: current_thread.then(|| std::thread::current().id()),
            scoped: Arc::default(),
        }
    }

    /// Whether an event sent now is this bus' test's: sent in its scope; sent in no scope, once
    /// the bus' scope was entered, never; else sent on its thread, or anywhere when it has none.
    fn accepts_current_sender(&self) -> bool {
        match CURRENT_BUS.try_with(|id| *id) {
            Ok(id) => id == self.id,
            Err(_) if self.scoped.load(Ordering::Relaxed) => false,
            Err(_) => self
                .thread
                .is_none_or(|thread| thread == std::thread::current().id()),
        }
    }
}

/// An event bus in memory: a [`MemoryProducer`] and consumers of its topics, for unit tests.
///
/// Each test makes its own bus, so tests running at once do not see each other's events, also
/// when they send them in-process through the global signals and a
/// [`ConfiguredProducer`](crate::producer_config::ConfiguredProducer) connected to
/// [`MemoryBus::producer`]: a bus takes from the configured producer only the events sent by its
/// own test. Its test is the thread that made it when that thread runs a current-thread tokio
/// runtime (`#[tokio::test]`'s default; an event sent from another thread, as in
/// `spawn_blocking`, is not its test's), and whatever runs inside [`MemoryBus::scope`] (needed
/// with `#[tokio::test(flavor = "multi_thread")]`, or a bus made outside the runtime; once
/// entered, only what runs inside it). An event sent in another bus' scope never reaches this
/// one. [`MemoryBus::send`] puts an event on the bus directly, as the configured producer would.
#[derive(Debug, Clone)]
pub struct MemoryBus {
    producer: Arc<MemoryProducer>,
    topic_prefix: Option<String>,
    owner: Owner,
}

impl Default for MemoryBus {
    fn default() -> Self {
        MemoryBus::build(None)
    }
}

impl MemoryBus {
    /// An empty bus with no topic prefix, belonging to the test that makes it (see
    /// [`MemoryBus`]).
    pub fn new() -> Self {
        MemoryBus::default()
    }

    /// An empty bus whose topics are prefixed as `{prefix}-{topic}`.
    pub fn with_topic_prefix(prefix: impl Into<String>) -> Self {
        MemoryBus::build(Some(prefix.into()))
    }

    fn build(topic_prefix: Option<String>) -> Self {
        let owner = Owner::here();
        let filter = owner.clone();
        MemoryBus {
            producer: Arc::new(MemoryProducer::with_sender_filter(
                topic_prefix.clone(),
                Arc::new(move || filter.accepts_current_sender()),
            )),
            topic_prefix,
            owner,
        }
    }

    /// The bus' producer: give it to `ConfiguredProducer::connect`, or send to it directly.
    /// Through the configured producer it takes only the events of its own test (see
    /// [`MemoryBus`]); sent to directly, it takes everything.
    pub fn producer(&self) -> Arc<MemoryProducer> {
        self.producer.clone()
    }

    /// Run `test` as this bus' test: the events it sends through the global signals reach this
    /// bus (through a configured producer connected to [`MemoryBus::producer`]) and no other,
    /// and from then on the bus takes no event sent outside its scope. Needed when the test runs
    /// on a multi-thread runtime, or when the bus was made outside the runtime; a bus made in
    /// `#[tokio::test]` (current-thread) takes its thread's events without it.
    pub fn scope<F: Future>(&self, test: F) -> impl Future<Output = F::Output> {
        self.owner.scoped.store(true, Ordering::Relaxed);
        CURRENT_BUS.scope(self.owner.id, test)
    }

    /// Produce `data` to `topic` (without the prefix) as the configured producer would: new
    /// metadata (a new id, the event type and minor version, the service's source, now), keyed by
    /// the event type's default key field (`key_field` of `#[openedx_event]`), checked as a
    /// broker-bound event is. A consumer of the topic gets it, through the Avro encoding, at its
    /// next [`MemoryConsumer::drain`].
    pub async fn send<E: OpenEdxEvent + EventData>(
        &self,
        topic: &str,
        data: E,
    ) -> Result<Delivery, ProduceError> {
        let key_field = E::DEFAULT_KEY_FIELD.ok_or(ProduceError::NoKeyField {
            event_type: E::EVENT_TYPE,
        })?;
        self.send_keyed(topic, key_field, data).await
    }

    /// As [`MemoryBus::send`], keyed by the value at `event_key_field` (a topic's
    /// `event_key_field` in the producer configuration).
    pub async fn send_keyed<E: OpenEdxEvent + EventData>(
        &self,
        topic: &str,
        event_key_field: &str,
        data: E,
    ) -> Result<Delivery, ProduceError> {
        let metadata = EventsMetadata::new(E::EVENT_TYPE, E::MINOR_VERSION);
        self.producer
            .send(topic, event_key_field, Arc::new(data), &metadata)
            .await
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
            .locked()
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
        self.failed.locked()
    }
}
