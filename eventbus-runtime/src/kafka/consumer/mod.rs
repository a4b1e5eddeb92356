//! The Kafka consumer: [`KafkaConsumer`] reads events from a topic as a member of a consumer
//! group and sends each to its signal's receivers, as `edx-event-bus-kafka`'s
//! `KafkaEventConsumer` does, with at-least-once delivery.
//!
//! For each message: `ce_type` (exactly once) names the event type; the value's schema id is
//! fetched from the registry and the data resolved from that writer schema to the local one; the
//! metadata comes from the headers; the event goes to the receivers with `from_event_bus`. Only
//! then is the offset stored and committed.
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
mod context;
mod error;
mod inspect;
mod offsets;
mod ordered;

pub use crate::consume::{
    cancel_on_signal, CancellationToken, ConsumeSummary, Handlers, MessageError, OnEvent,
    StopConsuming,
};
pub(crate) use context::describe;
pub use context::EventConsumerContext;
use context::{is_fatal, is_no_offset};
pub use error::ConsumerError;

use commits::Committer;
pub use commits::{COMMIT_GAP, COMMIT_WAITING_MAX};
pub use ordered::HELD_PER_IN_FLIGHT;

use super::config::consumer_config;
use super::dead_letter::{DeadLetter, DeadLetterProducer};
use super::error::KafkaError;
use super::framing::unframe;
use super::headers::{self, header_pairs, header_refs};
use super::replay::Replay;
use crate::consume::{sleep_unless_cancelled, ErrorStreak};
use crate::registry;
use crate::schema_registry::{RegisteredSchema, RegistryError, SchemaRegistryClient};
use crate::settings::{KafkaSettings, OnError};
use crate::telemetry::metrics::System;
use crate::telemetry::ConsumerMetrics;
use chrono::{DateTime, Utc};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::Offset;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Inner = StreamConsumer<EventConsumerContext>;

/// One failure of a message: permanent (dead-letter or stop) or transient (read it again).
enum Failure {
    Message(MessageError),
    Transient(RegistryError),
}

/// What becomes of a message once processed.
enum Settled {
    /// Processed or dead-lettered: commit it.
    Done,
    /// A receiver stopped the consumer: leave it uncommitted and stop.
    Stop,
    /// A transient failure: process it again after the poll-failure sleep.
    Again,
}

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
    /// Whether a writer schema id is the local schema of an event type (no resolution needed).
    same_schema: Mutex<HashMap<(u32, &'static str), bool>>,
    /// The consumer's own handlers; none: the global signals.
    handlers: Handlers,
    /// The handler of unknown event types (see `inspect`).
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
            same_schema: Mutex::default(),
            handlers: Handlers::new(),
            on_unknown: None,
            metrics: ConsumerMetrics::new(System::Kafka, &settings.full_topic(topic), group_id),
        })
    }

    /// Replay from `time`: each partition assigned to this consumer starts at its first message
    /// at or after `time` (see [`super::replay`]), then the consumer keeps consuming. Unlike
    /// Python's consumer, which moves the offsets and then idles until restarted, this one goes
    /// on consuming.
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
        tracing::info!(full_topic = %self.full_topic, consumer_group = %self.group_id, "Running consumer");
        let _lag =
            super::telemetry::lag_probe(self.consumer.clone(), &self.settings, &self.group_id);
        let mut committer = Committer::new(self.consumer.clone());
        let result = if self.settings.common().max_in_flight > 1 {
            self.run_ordered(shutdown, summary, &mut committer).await
        } else {
            self.run(shutdown, summary, &mut committer).await
        };
        committer.finish().await;
        let commit = self.commit_stored().await;
        result.and(commit)
    }

    async fn run(
        &self,
        shutdown: &CancellationToken,
        summary: &mut ConsumeSummary,
        committer: &mut Committer,
    ) -> Result<(), ConsumerError> {
        let mut errors = ErrorStreak::new(self.settings.common().consecutive_errors_limit);
        loop {
            if let Some((count, last)) = errors.exceeded() {
                return Err(ConsumerError::TooManyErrors { count, last });
            }
            let received = tokio::select! {
                biased;
                () = shutdown.cancelled() => return Ok(()),
                // Sends the offsets stored while the previous request was in flight or within the gap.
                () = committer.answered(), if committer.pending() => continue,
                received = tokio::time::timeout(self.settings.common().poll_timeout, self.consumer.recv()), if !committer.full() => received,
            };
            self.check_replay()?;
            let message = match received {
                Err(_) => continue,
                Ok(Err(error)) => {
                    self.poll_failed(error, &mut errors)?;
                    if self.pause(shutdown).await {
                        return Ok(());
                    }
                    continue;
                }
                Ok(Ok(message)) => {
                    self.consumer.context().connection_log().connected();
                    message
                }
            };
            let outcome = self.process(&message).await;
            match self.settle(&message, outcome, &mut errors, summary).await? {
                Settled::Done => self.commit(&message, committer),
                Settled::Stop => return Ok(()),
                Settled::Again => {
                    self.rewind(&message);
                    if self.pause(shutdown).await {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Count and log the outcome of processing a message, dead-letter it if it failed: whether
    /// it is settled (commit it), must stop the consumer (do not), or must be processed again.
    async fn settle<M: Message>(
        &self,
        message: &M,
        outcome: Result<u32, Failure>,
        errors: &mut ErrorStreak,
        summary: &mut ConsumeSummary,
    ) -> Result<Settled, ConsumerError> {
        match outcome {
            Ok(attempts) => {
                errors.reset();
                summary.processed += 1;
                summary.count_retries(attempts);
                Ok(Settled::Done)
            }
            Err(Failure::Message(MessageError::Stopped { reason })) => {
                tracing::info!(
                    %reason,
                    topic = message.topic(),
                    partition = message.partition(),
                    offset = message.offset(),
                    "a receiver stopped the consumer; the message is not committed"
                );
                summary.stopped_by_receiver = true;
                Ok(Settled::Stop)
            }
            Err(Failure::Message(error)) => {
                errors.failed(&error);
                summary.count_retries(error.attempts());
                self.record_error(message, &error);
                self.handle_failed(message, error).await?;
                summary.dead_lettered += 1;
                Ok(Settled::Done)
            }
            Err(Failure::Transient(error)) => {
                errors.failed(&error);
                summary.retried += 1;
                tracing::warn!(
                    %error,
                    topic = message.topic(),
                    partition = message.partition(),
                    offset = message.offset(),
                    "schema registry unavailable; the message will be read again"
                );
                Ok(Settled::Again)
            }
        }
    }

    /// A poll failed: fatal errors stop the consumer; the others count and are logged.
    fn poll_failed(
        &self,
        error: rdkafka::error::KafkaError,
        errors: &mut ErrorStreak,
    ) -> Result<(), ConsumerError> {
        if is_fatal(&error) {
            return Err(ConsumerError::Fatal(error));
        }
        errors.failed(&error);
        // Once per state change, as librdkafka's own logs (see `ConnectionLog`).
        let log = self.consumer.context().connection_log();
        if log.first_sight(&error.to_string()) {
            tracing::error!(
                %error,
                full_topic = %self.full_topic,
                consumer_group = %self.group_id,
                "Error consuming event from Kafka -- no event available"
            );
        }
        Ok(())
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
            Err(e) if e.is_transient() => Err(Failure::Transient(e)),
            Err(source) => Err(Failure::Message(MessageError::Schema { id, source })),
        }
    }

    /// Sleep the poll-failure time; `true` if shutdown was asked meanwhile.
    async fn pause(&self, shutdown: &CancellationToken) -> bool {
        sleep_unless_cancelled(shutdown, self.settings.common().poll_failure_sleep).await
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
        let Some(descriptor) = registry::find(event_type) else {
            return self
                .unknown(message, &headers, event_type.to_owned())
                .await
                .map(|()| 1);
        };
        let local = descriptor
            .schema()
            .map_err(|e| Failure::Message(e.into()))?;
        let (id, avro, writer) = self.writer_schema(message).await?;
        let same = *self
            .same_schema
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((id, descriptor.event_type))
            .or_insert_with(|| {
                writer.text == local.registry_text() || writer.parsed == *local.parsed()
            });
        let event = descriptor
            .decode(avro, (!same).then_some(&writer.parsed))
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
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                source: error,
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
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                error: text.clone(),
                source: Box::new(source),
            })
    }

    /// A replay whose offsets lookup failed stops the consumer.
    fn check_replay(&self) -> Result<(), ConsumerError> {
        let mut replay = self.consumer.context().replay();
        match replay.as_mut().map(|r| (r.time(), r.take_error())) {
            Some((time, Some(reason))) => Err(ConsumerError::Replay { time, reason }),
            _ => Ok(()),
        }
    }

    /// Store the message's offset and, without a commit interval, commit it (with the next commit
    /// request if one is in flight, see the `commits` module); a failure only means the message
    /// may be delivered again.
    fn commit(&self, message: &BorrowedMessage<'_>, committer: &mut Committer) {
        let stored = self.consumer.store_offset_from_message(message);
        self.stored(
            stored,
            message.topic(),
            message.partition(),
            message.offset(),
            committer,
        );
    }

    /// After storing `offset` of `topic`/`partition` for commit.
    fn stored(
        &self,
        result: rdkafka::error::KafkaResult<()>,
        topic: &str,
        partition: i32,
        offset: i64,
        committer: &mut Committer,
    ) {
        if let Err(error) = result {
            tracing::warn!(
                %error,
                topic,
                partition,
                offset,
                "storing the offset failed (partition revoked?); the message may be delivered again"
            );
            return;
        }
        if self.settings.consumer_commit_interval().is_zero() {
            committer.stored();
        }
        // Otherwise librdkafka commits the stored offsets every interval.
    }

    /// Read the message again on the next poll.
    fn rewind<M: Message>(&self, message: &M) {
        self.metrics.retried();
        if let Err(error) = self.consumer.seek(
            message.topic(),
            message.partition(),
            Offset::Offset(message.offset()),
            Duration::from_secs(10),
        ) {
            tracing::warn!(%error, "seeking back failed; the message is read again after a restart");
        }
    }

    /// Commit the stored offsets synchronously (at shutdown).
    async fn commit_stored(&self) -> Result<(), ConsumerError> {
        let consumer = self.consumer.clone();
        let result =
            tokio::task::spawn_blocking(move || consumer.commit_consumer_state(CommitMode::Sync))
                .await
                .unwrap_or(Ok(()));
        match result {
            Ok(()) => Ok(()),
            Err(error) if is_no_offset(&error) => Ok(()),
            Err(error) => {
                tracing::error!(%error, "committing offsets at shutdown failed");
                Err(ConsumerError::Commit(error))
            }
        }
    }

    /// Flush the dead letters, leave the group and release the consumer (librdkafka's close
    /// blocks, so it runs on a blocking thread).
    async fn close(self) {
        let KafkaConsumer {
            consumer,
            dead_letter,
            ..
        } = self;
        let closing = tokio::task::spawn_blocking(move || {
            if let Some(Err(error)) = dead_letter
                .as_ref()
                .map(|d| d.flush(Duration::from_secs(10)))
            {
                tracing::warn!(%error, "flushing the dead-letter producer failed");
            }
            drop(dead_letter);
            drop(consumer);
        });
        if let Err(error) = closing.await {
            tracing::warn!(%error, "closing the consumer failed");
        }
    }
}
