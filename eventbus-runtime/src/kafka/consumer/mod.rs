//! The Kafka consumer: [`KafkaConsumer`] reads events from a topic as a member of a consumer
//! group and sends each to its signal's receivers, as `edx-event-bus-kafka`'s
//! `KafkaEventConsumer` does, with at-least-once delivery.
//!
//! For each message: `ce_type` (exactly once) names the event type; the value's schema id is
//! fetched from the registry and the data resolved from that writer schema to the local one; the
//! metadata comes from the headers; the event goes to the receivers with `from_event_bus`. Only
//! then is the offset stored and committed.
//!
//! The loop is the consumer engine's (see `crate::consume::engine`): ordered concurrency, the
//! settle policy, revocations, shutdown. This module supplies the Kafka parts: a poller thread
//! (`poller`) that reads and serves rebalances, processing a message, dead-lettering it, and the
//! offsets (`ledger`).
//!
//! Rebalances: cooperative-sticky by default, or any strategy or group protocol of
//! [`crate::settings::GroupMembership`]. Before partitions are revoked, the engine stops starting
//! their events, drops those waiting, lets the running ones finish (up to the revocation timeout)
//! and commits synchronously; a completion after that is not committed.
//!
//! Commits: after every message by default, with at most one commit request in flight and
//! requests at least [`COMMIT_GAP`] apart; the offsets stored meanwhile go together in the next
//! request as soon as it may go (see the `commits` module), so a crash redelivers the messages
//! processed during the last commit round trip or two plus the one in hand, never more than
//! `2 ×` [`COMMIT_WAITING_MAX`] `+ 1`. With
//! `EVENT_BUS_KAFKA_CONSUMER_COMMIT_INTERVAL`, librdkafka commits the stored offsets every
//! interval instead (a crash redelivers up to one interval).
//!
//! A message that cannot be processed (bad framing, unknown schema id, undecodable data, unknown
//! event type, missing or duplicated headers, failing receivers) is never dropped silently: it is
//! copied to the dead-letter topic and then committed, or the consumer stops with an error without
//! committing it ([`OnError`]). A registry that cannot be reached is retried (the message is read
//! again after the poll-failure sleep), not dead-lettered.
//!
//! A receiver that returns [`StopConsuming`] stops the consumer the same way, without committing
//! the message it was given.
//!
//! Shutdown: cancel the [`CancellationToken`] (or send SIGTERM/SIGINT to
//! [`KafkaConsumer::consume_until_signal`]); the event in hand is finished and committed, the
//! consumer leaves its group and `consume` returns `Ok`.

mod commits;
mod ledger;
mod offsets;
mod origin;
mod poller;
mod rebalance;

use crate::consume::{
    cancel_on_signal, CancellationToken, ConsumeSummary, ConsumerError, Handlers, MessageError,
    OnEvent, Position,
};
use crate::sync::LockUnpoisoned;
pub(crate) use rebalance::describe;
pub use rebalance::EventConsumerContext;
use rebalance::{is_fatal, EngineLink};

pub use commits::{COMMIT_GAP, COMMIT_WAITING_MAX};
use ledger::KafkaLedger;
use poller::Poller;

use super::config::consumer_config;
use super::dead_letter::{DeadLetter, DeadLetterProducer};
use super::error::{KafkaError, SchemaLookupError};
use super::framing::unframe;
use super::headers::{self, header_pairs, header_refs};
use super::replay::Replay;
use crate::consume::engine::{self, EngineSettings, Failure, Inbox, LaneKey, Ledger, Transport};
use crate::kafka::schema_registry::{RegisteredSchema, SchemaRegistryClient};
use crate::registry;
use crate::settings::{KafkaSettings, OnError};
use crate::telemetry::metrics::ConsumerMetrics;
use crate::telemetry::metrics::System;
use chrono::{DateTime, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Message, OwnedMessage};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Inner = BaseConsumer<EventConsumerContext>;

/// A (writer schema id, event type) pair met before: its descriptor, the writer schema, and
/// whether that is the local schema (no resolution needed). A consumer meets a handful of pairs
/// (one per event type and schema version), so a short list, searched in order, is the fastest
/// look-up; at most [`KNOWN_MAX`] are kept.
struct Known {
    id: u32,
    descriptor: &'static registry::EventDescriptor,
    writer: Arc<RegisteredSchema>,
    same: bool,
}

/// The most (schema id, event type) pairs a consumer keeps.
const KNOWN_MAX: usize = 64;

/// A message's Avro data, its event type's descriptor, and the schema it was written with when
/// that is not the local one (to resolve from).
type ToDecode<'m> = (
    &'m [u8],
    &'static registry::EventDescriptor,
    Option<Arc<RegisteredSchema>>,
);

/// The most messages the poller hands the engine at once (fewer when fewer are there: a batch
/// goes as soon as a poll finds nothing more). Messages in a batch are not processed yet, so
/// the batch does not add to what a crash redelivers.
const POLL_BATCH: usize = 256;

/// How long closing the consumer (the dead letters flushed, the group left) may take.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// How long a revocation may wait for the engine beyond the revocation timeout: the synchronous
/// commit's time ([`ledger::COMMIT_WAIT`]) and a margin.
const REVOCATION_COMMIT_WAIT: Duration = ledger::COMMIT_WAIT.saturating_add(Duration::from_secs(1));

/// A consumer of one topic for one consumer group.
pub struct KafkaConsumer {
    settings: KafkaSettings,
    topic: String,
    full_topic: String,
    group_id: String,
    offset_time: Option<DateTime<Utc>>,
    consumer: Arc<Inner>,
    registry: Arc<SchemaRegistryClient>,
    dead_letter: Option<DeadLetterProducer>,
    /// The (writer schema id, event type) pairs met so far, with what decoding them takes.
    known: Mutex<Vec<Known>>,
    /// The consumer's own handlers; none: the global signals.
    handlers: Handlers,
    /// The handler of unknown event types (see `origin`).
    on_unknown: Option<crate::consume::UnknownHandler>,
    /// The message counts and durations.
    metrics: ConsumerMetrics,
}

impl OnEvent for KafkaConsumer {
    fn handlers_mut(&mut self) -> &mut Handlers {
        &mut self.handlers
    }
}

impl std::fmt::Debug for KafkaConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaConsumer")
            .field("topic", &self.full_topic)
            .field("group_id", &self.group_id)
            .field("offset_time", &self.offset_time)
            .field(
                "dead_letter",
                &self.dead_letter.as_ref().map(DeadLetterProducer::topic),
            )
            .finish_non_exhaustive()
    }
}

impl KafkaConsumer {
    /// A consumer of `topic` (without the prefix) in the group `group_id`, configured by
    /// `settings`, with its own registry client.
    pub fn new(
        settings: &KafkaSettings,
        topic: &str,
        group_id: &str,
    ) -> Result<Self, ConsumerError> {
        let registry =
            Arc::new(SchemaRegistryClient::from_settings(settings).map_err(KafkaError::from)?);
        KafkaConsumer::with_registry(settings, topic, group_id, registry)
    }

    /// A consumer that shares a registry client (and its caches).
    pub fn with_registry(
        settings: &KafkaSettings,
        topic: &str,
        group_id: &str,
        registry: Arc<SchemaRegistryClient>,
    ) -> Result<Self, ConsumerError> {
        let consumer: Inner = consumer_config(settings, group_id)
            .create_with_context(EventConsumerContext::new(
                settings.bootstrap_servers(),
                group_id,
            ))
            .map_err(|source| KafkaError::Create {
                client: "consumer",
                source,
            })?;
        let dead_letter = match settings.common().on_error {
            OnError::DeadLetter => Some(DeadLetterProducer::new(
                settings,
                settings.full_topic(&settings.dead_letter_topic(topic)),
                group_id.to_owned(),
            )?),
            OnError::Stop => None,
        };
        Ok(KafkaConsumer {
            settings: settings.clone(),
            topic: topic.to_owned(),
            full_topic: settings.full_topic(topic),
            group_id: group_id.to_owned(),
            offset_time: None,
            consumer: Arc::new(consumer),
            registry,
            dead_letter,
            known: Mutex::default(),
            handlers: Handlers::new(),
            on_unknown: None,
            metrics: ConsumerMetrics::new(System::Kafka, &settings.full_topic(topic), group_id),
        })
    }

    /// Replay from `time`: each partition assigned to this consumer starts at its first message
    /// at or after `time`, then the consumer keeps consuming. Unlike Python's consumer, which
    /// moves the offsets and then idles until restarted, this one goes on consuming.
    #[must_use]
    pub fn offset_time(mut self, time: DateTime<Utc>) -> Self {
        self.offset_time = Some(time);
        *self.consumer.context().replay() = Some(Replay::new(time));
        self
    }

    /// The topic without the prefix.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The topic with the prefix.
    pub fn full_topic(&self) -> &str {
        &self.full_topic
    }

    /// The dead-letter topic (with the prefix), when failing messages are dead-lettered.
    pub fn dead_letter_topic(&self) -> Option<&str> {
        self.dead_letter.as_ref().map(DeadLetterProducer::topic)
    }

    /// Consume until SIGTERM or SIGINT (Ctrl-C), then shut down gracefully.
    pub async fn consume_until_signal(self) -> Result<ConsumeSummary, ConsumerError> {
        let token = CancellationToken::new();
        let watcher = tokio::spawn(cancel_on_signal(token.clone()));
        let result = self.consume(token).await;
        watcher.abort();
        result
    }

    /// Consume until `shutdown` is cancelled (then finish the event in hand, commit, leave the
    /// group and return `Ok`), or until a fatal error.
    pub async fn consume(
        self,
        shutdown: CancellationToken,
    ) -> Result<ConsumeSummary, ConsumerError> {
        let mut summary = ConsumeSummary::default();
        let result = self.consume_until(&shutdown, &mut summary).await;
        tracing::info!(
            full_topic = %self.full_topic,
            consumer_group = %self.group_id,
            processed = summary.processed,
            dead_lettered = summary.dead_lettered,
            "consumer stopped"
        );
        self.close().await;
        result.map(|()| summary)
    }

    async fn consume_until(
        &self,
        shutdown: &CancellationToken,
        summary: &mut ConsumeSummary,
    ) -> Result<(), ConsumerError> {
        if !self.settings.common().consumers_enabled {
            tracing::error!("Kafka consumers not enabled, exiting.");
            return Ok(());
        }
        registry::check().map_err(|source| ConsumerError::Registry {
            topic: self.full_topic.clone(),
            source,
        })?;
        self.consumer
            .subscribe(&[&self.full_topic])
            .map_err(|source| ConsumerError::Subscribe {
                topic: self.full_topic.clone(),
                source,
            })?;
        tracing::info!(
            full_topic = %self.full_topic,
            consumer_group = %self.group_id,
            membership = %self.settings.group().describe(),
            "Running consumer"
        );
        let _lag =
            super::telemetry::lag_probe(self.consumer.clone(), &self.settings, &self.group_id);
        let group = self.settings.group();
        let engine_settings = EngineSettings::new(self.settings.common(), group.revocation_timeout);
        // Two batches: one being taken in while the poller fills the next.
        let (sender, reads) = tokio::sync::mpsc::channel(2);
        let (revocations, revocations_in) = tokio::sync::mpsc::unbounded_channel();
        let link = EngineLink {
            batch: Vec::new(),
            batch_max: POLL_BATCH,
            sender,
            revocations,
            revocation_wait: group.revocation_timeout + REVOCATION_COMMIT_WAIT,
            metrics: ConsumerMetrics::new(System::Kafka, &self.full_topic, &self.group_id),
        };
        let poller = Poller::start(self.consumer.clone(), link).map_err(|source| {
            ConsumerError::from(KafkaError::Thread {
                what: "consumer poller",
                source,
            })
        })?;
        let mut inbox = Inbox {
            reads,
            revocations: Some(revocations_in),
        };
        let auto_commit = !self.settings.consumer_commit_interval().is_zero();
        self.consumer.context().commit_on_revoke(!auto_commit);
        let mut ledger = KafkaLedger::new(self.consumer.clone(), &self.full_topic, auto_commit);
        let result = engine::run(
            self,
            &mut ledger,
            &mut inbox,
            &engine_settings,
            shutdown,
            summary,
        )
        .await;
        tracing::debug!("engine stopped; committing");
        let commit = ledger.finish().await;
        tracing::debug!("committed; stopping the poller");
        drop(inbox);
        poller.stop().await;
        tracing::debug!("poller stopped");
        result.and(commit)
    }

    /// The message's value: its schema id, its Avro data, and the schema it was written with
    /// (from the registry; unreachable: a transient failure).
    async fn writer_schema<'m, M: Message>(
        &self,
        message: &'m M,
    ) -> Result<(u32, &'m [u8], Arc<RegisteredSchema>), Failure> {
        let value = message
            .payload()
            .ok_or(Failure::Message(MessageError::NoValue))?;
        let (id, avro) = unframe(value).map_err(|e| Failure::Message(e.into()))?;
        match self.registry.schema_by_id(id).await {
            Ok(writer) => Ok((id, avro, writer)),
            Err(e) if e.is_transient() => Err(Failure::Transient(e.to_string())),
            Err(source) => Err(Failure::Message(SchemaLookupError { id, source }.into())),
        }
    }

    /// The message's value, descriptor and writer schema (`None`: the local one) when its schema
    /// id and event type were met before. A value that is missing or not framed is not known: the
    /// full path reports it, in the same order as for a first message (an unknown event type
    /// first).
    fn known<'m, M: Message>(&self, message: &'m M, event_type: &str) -> Option<ToDecode<'m>> {
        let (id, avro) = unframe(message.payload()?).ok()?;
        self.known
            .locked()
            .iter()
            .find(|k| k.id == id && k.descriptor.event_type == event_type)
            .map(|k| (avro, k.descriptor, (!k.same).then(|| k.writer.clone())))
    }

    /// Fetch the writer schema of a message of `descriptor`'s type and keep it for the next ones.
    async fn learn<'m, M: Message>(
        &self,
        message: &'m M,
        descriptor: &'static registry::EventDescriptor,
    ) -> Result<ToDecode<'m>, Failure> {
        let local = descriptor
            .schema()
            .map_err(|e| Failure::Message(e.into()))?;
        let (id, avro, writer) = self.writer_schema(message).await?;
        let same = writer.text == local.registry_text() || writer.parsed == *local.parsed();
        let mut known = self.known.locked();
        if known.len() < KNOWN_MAX {
            known.push(Known {
                id,
                descriptor,
                writer: writer.clone(),
                same,
            });
        }
        Ok((avro, descriptor, (!same).then_some(writer)))
    }

    /// Process a message; how many times its receivers ran.
    async fn process<M: Message>(&self, message: &M) -> Result<u32, Failure> {
        let headers = header_refs(message.headers());
        let processing = self.metrics.processing(
            &headers,
            &headers::NAMES,
            Some(message.partition()),
            Some(message.offset()),
        );
        self.log_received(message, &headers);
        let event_type = headers::NAMES
            .event_type(&headers)
            .map_err(|e| Failure::Message(e.into()))?;
        let (avro, descriptor, writer) = match self.known(message, event_type) {
            Some(known) => known,
            None => {
                let Some(descriptor) = registry::find(event_type) else {
                    // Boxed, as it is rare: its future would weigh on every message's.
                    return Box::pin(self.unknown(message, &headers, event_type.to_owned()))
                        .await
                        .map(|()| 1);
                };
                self.learn(message, descriptor).await?
            }
        };
        let event = descriptor
            .decode(avro, writer.as_ref().map(|w| &w.parsed))
            .map_err(|e| Failure::Message(e.into()))?;
        let metadata = headers::NAMES
            .metadata(&headers)
            .map_err(|e| Failure::Message(e.into()))?;
        let attempts = crate::consume::dispatch_message(
            &processing,
            self.origin(message).await,
            event,
            metadata,
            &self.handlers,
            &self.settings.common().retry,
        )
        .await
        .map_err(Failure::Message)?;
        if self.settings.common().audit_logging_enabled {
            tracing::info!(
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                "Message from Kafka processed successfully"
            );
        }
        processing.succeeded();
        Ok(attempts)
    }

    fn log_received<M: Message>(&self, message: &M, headers: &[(&str, Option<&[u8]>)]) {
        if !self.settings.common().audit_logging_enabled {
            return;
        }
        tracing::info!(
            topic = message.topic(),
            partition = message.partition(),
            offset = message.offset(),
            message_id = crate::metadata_fields::last_value(headers, headers::ID).as_deref(),
            key = %super::framing::display_key(message.key()),
            event_timestamp_ms = message.timestamp().to_millis(),
            "Message received from Kafka"
        );
    }

    fn record_error<M: Message>(&self, message: &M, error: &MessageError) {
        let headers: Vec<String> = header_pairs(message.headers())
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or_default().escape_ascii()))
            .collect();
        // The key and value may hold learners' personal data: only when asked for.
        let payloads = self.settings.common().log_payloads;
        let key = payloads.then(|| message.key().unwrap_or_default().escape_ascii());
        let value = payloads.then(|| message.payload().unwrap_or_default().escape_ascii());
        tracing::error!(
            %error,
            error_kind = error.kind(),
            full_topic = %self.full_topic,
            consumer_group = %self.group_id,
            partition = message.partition(),
            offset = message.offset(),
            headers = ?headers,
            key = key.map(tracing::field::display),
            value = value.map(tracing::field::display),
            "Error consuming event from Kafka"
        );
    }

    async fn handle_failed<M: Message>(
        &self,
        message: &M,
        error: MessageError,
    ) -> Result<(), ConsumerError> {
        let Some(dead_letter) = &self.dead_letter else {
            return Err(ConsumerError::Message {
                position: position(message),
                source: Box::new(error),
            });
        };
        let headers = header_pairs(message.headers());
        self.metrics.dead_lettered(
            crate::metadata_fields::last_value(&headers, headers::EVENT_TYPE).as_deref(),
        );
        let text = error.to_string();
        let details = error.dead_letter_details();
        let letter = DeadLetter {
            key: message.key(),
            value: message.payload(),
            headers: &headers,
            topic: message.topic(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp().to_millis(),
            error_kind: error.kind(),
            error: &text,
            details: &details,
        };
        dead_letter
            .send(&letter)
            .await
            .map(|_| ())
            .map_err(|source| ConsumerError::DeadLetter {
                position: position(message),
                error: text.clone(),
                source: Box::new(source),
            })
    }

    /// Flush the dead letters, leave the group and release the consumer, on a thread of its
    /// own (librdkafka's close blocks), waited for at most [`CLOSE_WAIT`]: a close that hangs
    /// (a coordinator that cannot be reached) must not hold the process's exit.
    async fn close(self) {
        let KafkaConsumer {
            consumer,
            dead_letter,
            ..
        } = self;
        let (closed, close_done) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("eventbus-kafka-close".into())
            .spawn(move || {
                if let Some(Err(error)) = dead_letter
                    .as_ref()
                    .map(|d| d.flush(Duration::from_secs(10)))
                {
                    tracing::warn!(%error, "flushing the dead-letter producer failed");
                }
                drop(dead_letter);
                drop(consumer);
                let _ = closed.send(());
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the closing thread; the consumer is not closed");
            return;
        }
        if tokio::time::timeout(CLOSE_WAIT, close_done).await.is_err() {
            tracing::warn!(
                wait_s = CLOSE_WAIT.as_secs(),
                "closing the consumer takes too long; going on without it (the group sees this \
                 member leave when its session times out)"
            );
        }
    }
}

/// Where a Kafka message is.
fn position<M: Message>(message: &M) -> Position {
    Position::Kafka {
        topic: message.topic().to_owned(),
        partition: message.partition(),
        offset: message.offset(),
    }
}

impl Transport for KafkaConsumer {
    type Message = OwnedMessage;

    /// Its partition and key: the events of one key run in the order of their partition. One
    /// event at a time: the partition alone (nothing runs beside it to order against).
    fn lane(&self, message: &OwnedMessage) -> LaneKey {
        if self.settings.common().max_in_flight <= 1 {
            return (message.partition(), None);
        }
        (message.partition(), message.key().map(<[u8]>::to_vec))
    }

    fn position(&self, message: &OwnedMessage) -> Position {
        position(message)
    }

    async fn process(&self, message: &OwnedMessage) -> Result<u32, Failure> {
        KafkaConsumer::process(self, message).await
    }

    async fn failed(
        &self,
        message: &OwnedMessage,
        error: MessageError,
    ) -> Result<(), ConsumerError> {
        self.record_error(message, &error);
        self.handle_failed(message, error).await
    }

    fn metrics(&self) -> &ConsumerMetrics {
        &self.metrics
    }
}
