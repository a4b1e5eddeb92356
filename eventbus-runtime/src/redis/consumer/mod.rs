//! The Redis consumer: [`RedisConsumer`] reads a stream as a member of a consumer group and sends
//! each event to its signal's receivers, as `edx-event-bus-redis`'s `RedisEventConsumer` does,
//! at least once.
//!
//! On start it joins (or creates, with `MKSTREAM`) the group and first processes the entries
//! still pending for its consumer name (read but not acknowledged: a crash, a stop); with
//! claiming, it takes over the entries other consumers left pending for longer than the idle time
//! (`XAUTOCLAIM`), at the start and every idle time after; it reads new entries with
//! `XREADGROUP ... >` (see the `reader` module).
//!
//! The loop is the consumer engine's (`crate::consume::engine`), as the Kafka consumer's: with
//! `EVENT_BUS_REDIS_CONSUMER_MAX_IN_FLIGHT` above 1, entries of different keys (the value of the
//! event type's key field, as the Kafka producer would key it) run at once, and the entries of
//! one key one after the other, in stream order.
//!
//! For each entry: `type` names the event type, `event_data` is decoded with the local schema,
//! the metadata comes from the other fields, the event goes to the receivers with
//! `from_event_bus`. Only then is the entry acknowledged (`XACK`).
//!
//! Unlike Python's consumer, which acknowledges an entry whatever happened to it (so a failing one
//! is lost) and moves the group to the end of the stream on every start (so what was produced
//! while no consumer ran is skipped):
//! - an entry that cannot be processed (unknown type, bad fields, undecodable data, failing
//!   receivers) is added to the dead-letter stream with the error, then acknowledged; or the
//!   consumer stops without acknowledging it ([`OnError`]);
//! - a new group starts at the end of the stream ([`StartFrom::End`], Python's default), the
//!   beginning ([`StartFrom::Beginning`], Python's `check_backlog`) or an entry id
//!   ([`StartFrom::Id`], Python's `last_read_msg_id`); an existing group resumes where it was,
//!   unless an id is given.
//!
//! Redis errors (connection lost, timeouts) are retried after the poll-failure sleep; the
//! connection reconnects by itself; an acknowledgement that fails is sent again a few times, and
//! the entry otherwise stays pending (processed again at the next start, or by a consumer that
//! claims it). Shutdown: cancel the [`CancellationToken`]; the entries running are finished and
//! acknowledged.
//!
//! Claiming takes entries that a live consumer has held for longer than the idle time too: set the
//! idle time above the longest an entry may take (waiting behind its key included), or a slow
//! entry is processed twice, and for a while by two consumers at once. A receiver that returns [`crate::consume::StopConsuming`] stops
//! the consumer with the entry it was given still pending.

mod dead_letter;
pub use dead_letter::{
    DLQ_CONSUMER_GROUP, DLQ_ERROR, DLQ_ERROR_KIND, DLQ_FAILED_AT, DLQ_SOURCE_ID, DLQ_SOURCE_STREAM,
};
mod origin;
mod reader;

use super::connection::connect;
use super::entry::{StreamEntry, NAMES};
use super::error::RedisError;
use super::telemetry::LagProbe;
use crate::consume::engine::{self, EngineSettings, Failure, Inbox, LaneKey, Ledger, Transport};
use crate::consume::ConsumerError;
use crate::consume::{
    CancellationToken, ConsumeSummary, Handlers, MessageError, OnEvent, Position,
};
use crate::registry;
use crate::settings::{OnError, RedisSettings};
use crate::sync::LockUnpoisoned;
use crate::telemetry::metrics::ConsumerMetrics;
use crate::telemetry::metrics::System;
use crate::telemetry::HealthCheck;
use reader::{Held, Reader, READ_BATCH};
use redis::aio::ConnectionManager;
use std::sync::Arc;
use std::time::Duration;

/// How many times a failed acknowledgement is sent again before the entry is left pending.
const ACK_ATTEMPTS: u32 = 5;

/// Where a new consumer group starts reading.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// After the last entry (only new entries), unless the group exists: then where it was.
    #[default]
    End,
    /// The first entry of the stream, unless the group exists: then where it was.
    Beginning,
    /// After this entry id, also for an existing group (`XGROUP SETID`).
    Id(String),
}

/// A consumer of one stream for one consumer group.
pub struct RedisConsumer {
    settings: RedisSettings,
    topic: String,
    full_topic: String,
    group_id: String,
    consumer_name: String,
    start: StartFrom,
    claim_idle: Option<Duration>,
    dead_letter: Option<String>,
    connection: ConnectionManager,
    /// The consumer's own handlers; none: the global signals.
    handlers: Handlers,
    /// The handler of unknown event types (see `origin`).
    on_unknown: Option<crate::consume::UnknownHandler>,
    /// Readiness: `connected` while reads succeed.
    health: Arc<HealthCheck>,
    /// The entries held: read and not acknowledged.
    held: Held,
    /// The message counts and durations.
    metrics: ConsumerMetrics,
}

impl OnEvent for RedisConsumer {
    fn handlers_mut(&mut self) -> &mut Handlers {
        &mut self.handlers
    }
}

impl std::fmt::Debug for RedisConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConsumer")
            .field("stream", &self.full_topic)
            .field("group_id", &self.group_id)
            .field("consumer_name", &self.consumer_name)
            .field("start", &self.start)
            .field("claim_idle", &self.claim_idle)
            .field("dead_letter", &self.dead_letter)
            .finish_non_exhaustive()
    }
}

impl RedisConsumer {
    /// A consumer of `topic` (without the prefix) in the group `group_id`, named
    /// `consumer_name` in the group (its pending entries are its own: keep the name stable across
    /// restarts of the same process slot).
    pub async fn new(
        settings: &RedisSettings,
        topic: &str,
        group_id: &str,
        consumer_name: &str,
    ) -> Result<Self, ConsumerError> {
        // A blocking read holds the connection for the poll timeout.
        let response_timeout = settings.common().poll_timeout + Duration::from_secs(10);
        let connection = connect(settings, response_timeout).await?;
        let dead_letter = match settings.common().on_error {
            OnError::DeadLetter => Some(settings.full_topic(&settings.dead_letter_stream(topic))),
            OnError::Stop => None,
        };
        Ok(RedisConsumer {
            settings: settings.clone(),
            topic: topic.to_owned(),
            full_topic: settings.full_topic(topic),
            group_id: group_id.to_owned(),
            consumer_name: consumer_name.to_owned(),
            start: StartFrom::End,
            claim_idle: None,
            dead_letter,
            connection,
            handlers: Handlers::new(),
            on_unknown: None,
            metrics: ConsumerMetrics::new(System::Redis, &settings.full_topic(topic), group_id),
            health: Arc::new(HealthCheck::register(
                format!(
                    "redis consumer of {} in group {group_id}",
                    settings.full_topic(topic)
                ),
                &["connected"],
            )),
            held: Held::default(),
        })
    }

    /// Where a new group starts (see [`StartFrom`]).
    #[must_use]
    pub fn start_from(mut self, start: StartFrom) -> Self {
        self.start = start;
        self
    }

    /// Take over the entries other consumers of the group left pending for longer than `idle`
    /// (Python's `claim_msgs_older_than`): at the start, then every `idle` (at least every
    /// second). `idle` must be longer than an entry may take, waiting behind its key included.
    #[must_use]
    pub fn claim_pending_older_than(mut self, idle: Duration) -> Self {
        self.claim_idle = Some(idle);
        self
    }

    /// The topic without the prefix.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The stream (the topic with the prefix).
    pub fn full_topic(&self) -> &str {
        &self.full_topic
    }

    /// The dead-letter stream (with the prefix), when failing entries are dead-lettered.
    pub fn dead_letter_stream(&self) -> Option<&str> {
        self.dead_letter.as_deref()
    }

    /// Consume until SIGTERM or SIGINT (Ctrl-C), then shut down gracefully.
    pub async fn consume_until_signal(self) -> Result<ConsumeSummary, ConsumerError> {
        let token = CancellationToken::new();
        let watcher = tokio::spawn(crate::consume::cancel_on_signal(token.clone()));
        let result = self.consume(token).await;
        watcher.abort();
        result
    }

    /// Consume until `shutdown` is cancelled (the entry in hand is finished and acknowledged,
    /// then `Ok`), or until an error stops the consumer.
    pub async fn consume(
        mut self,
        shutdown: CancellationToken,
    ) -> Result<ConsumeSummary, ConsumerError> {
        let mut summary = ConsumeSummary::default();
        if !self.settings.common().consumers_enabled {
            tracing::error!("Redis consumers not enabled, exiting.");
            return Ok(summary);
        }
        self.join_group().await?;
        self.health.set("connected", true);
        tracing::info!(
            full_topic = %self.full_topic,
            consumer_group = %self.group_id,
            consumer_name = %self.consumer_name,
            "Running consumer"
        );
        let result = self.run(&shutdown, &mut summary).await;
        tracing::info!(
            full_topic = %self.full_topic,
            consumer_group = %self.group_id,
            processed = summary.processed,
            dead_lettered = summary.dead_lettered,
            "consumer stopped"
        );
        result.map(|()| summary)
    }

    /// Create the group (and the stream) if needed; move it to the start id if one is given.
    async fn join_group(&mut self) -> Result<(), RedisError> {
        let start = match &self.start {
            StartFrom::End => "$",
            StartFrom::Beginning => "0",
            StartFrom::Id(id) => id.as_str(),
        }
        .to_owned();
        let created = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.full_topic)
            .arg(&self.group_id)
            .arg(&start)
            .arg("MKSTREAM")
            .query_async::<()>(&mut self.connection)
            .await;
        match created {
            Ok(()) => {}
            Err(e) if e.code() == Some("BUSYGROUP") => {
                tracing::info!(group = %self.group_id, "consumer group exists; resuming where it was");
                if let StartFrom::Id(_) = self.start {
                    redis::cmd("XGROUP")
                        .arg("SETID")
                        .arg(&self.full_topic)
                        .arg(&self.group_id)
                        .arg(&start)
                        .query_async::<()>(&mut self.connection)
                        .await
                        .map_err(|source| self.command_error("XGROUP SETID", source))?;
                }
            }
            Err(source) => return Err(self.command_error("XGROUP CREATE", source)),
        }
        Ok(())
    }

    /// Read with a reader task of its own, process with the engine.
    async fn run(
        &mut self,
        shutdown: &CancellationToken,
        summary: &mut ConsumeSummary,
    ) -> Result<(), ConsumerError> {
        let common = self.settings.common();
        let engine_settings = EngineSettings::new(common, Duration::ZERO);
        // Its own connection: a blocking read holds it.
        let response_timeout = common.poll_timeout + Duration::from_secs(10);
        let reader = Reader {
            connection: connect(&self.settings, response_timeout).await?,
            stream: self.full_topic.clone(),
            group: self.group_id.clone(),
            consumer_name: self.consumer_name.clone(),
            claim_idle: self.claim_idle,
            poll_timeout: common.poll_timeout,
            poll_failure_sleep: common.poll_failure_sleep,
            held: self.held.clone(),
            health: self.health.clone(),
            lag: LagProbe::default(),
        };
        let capacity = (engine_settings.max_in_flight * crate::consume::HELD_PER_IN_FLIGHT)
            .div_ceil(READ_BATCH)
            .clamp(1, 8);
        let (sender, reads) = tokio::sync::mpsc::channel(capacity);
        let stop = shutdown.child_token();
        let reading = tokio::spawn(reader.run(sender, stop.clone()));
        let mut inbox = Inbox {
            reads,
            revocations: None,
        };
        let mut acks = Acks {
            connection: self.connection.clone(),
            stream: self.full_topic.clone(),
            group: self.group_id.clone(),
            held: self.held.clone(),
            retry_sleep: common.poll_failure_sleep,
        };
        let result = engine::run(
            &*self,
            &mut acks,
            &mut inbox,
            &engine_settings,
            shutdown,
            summary,
        )
        .await;
        let acknowledged = acks.finish().await;
        stop.cancel();
        drop(inbox);
        if let Err(error) = reading.await {
            tracing::warn!(%error, "the Redis reader task failed");
        }
        result.and(acknowledged)
    }

    /// Process an entry; how many times its receivers ran.
    async fn handle(&self, entry: &StreamEntry) -> Result<u32, MessageError> {
        let Some(fields) = &entry.fields else {
            // Trimmed (MAXLEN) or deleted while pending: nothing is left to process.
            tracing::error!(
                id = %entry.id,
                full_topic = %self.full_topic,
                "pending entry no longer exists in the stream (trimmed?); acknowledging it"
            );
            return Ok(1);
        };
        let processing = self.metrics.processing(fields, &NAMES, None, None);
        if self.settings.common().audit_logging_enabled {
            tracing::info!(
                topic = %self.full_topic,
                message_id = crate::metadata_fields::last_value(fields, NAMES.id).as_deref(),
                redis_msg_id = %entry.id,
                "Message received from Redis"
            );
        }
        let event_type = NAMES.event_type(fields)?;
        let Some(descriptor) = registry::find(event_type) else {
            return self
                .unknown(entry, fields, event_type.to_owned())
                .await
                .map(|()| 1);
        };
        descriptor.schema()?;
        let data = entry.event_data()?.ok_or(MessageError::NoValue)?;
        let event = descriptor.decode(data, None)?;
        let metadata = NAMES.metadata(fields)?;
        let attempts = crate::consume::dispatch_message(
            &processing,
            self.origin(entry),
            event,
            metadata,
            &self.handlers,
            &self.settings.common().retry,
        )
        .await?;
        if self.settings.common().audit_logging_enabled {
            tracing::info!(redis_msg_id = %entry.id, "Message from Redis processed successfully");
        }
        processing.succeeded();
        Ok(attempts)
    }

    fn record_error(&self, entry: &StreamEntry, error: &MessageError) {
        // The event data may hold learners' personal data: only when asked for.
        let payloads = self.settings.common().log_payloads;
        let fields: Vec<String> = entry
            .fields
            .iter()
            .flatten()
            .filter(|(k, _)| payloads || k.as_str() != super::entry::EVENT_DATA)
            .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or_default().escape_ascii()))
            .collect();
        tracing::error!(
            %error,
            error_kind = error.kind(),
            full_topic = %self.full_topic,
            consumer_group = %self.group_id,
            consumer_name = %self.consumer_name,
            redis_msg_id = %entry.id,
            fields = ?fields,
            "Error consuming event from Redis"
        );
    }

    fn command_error(&self, command: &'static str, source: redis::RedisError) -> RedisError {
        RedisError::Command {
            command,
            stream: self.full_topic.clone(),
            source,
        }
    }
}

impl Transport for RedisConsumer {
    type Message = StreamEntry;

    /// One lane per key with ordered concurrency: the value of the event type's key field (an
    /// entry that cannot be decoded, or whose type has no key field, goes in the lane of no key).
    fn lane(&self, entry: &StreamEntry) -> LaneKey {
        if self.settings.common().max_in_flight <= 1 {
            return (0, None);
        }
        (0, entry_key(entry))
    }

    fn position(&self, entry: &StreamEntry) -> Position {
        Position::Redis {
            stream: self.full_topic.clone(),
            id: entry.id.clone(),
        }
    }

    async fn process(&self, entry: &StreamEntry) -> Result<u32, Failure> {
        Ok(self.handle(entry).await?)
    }

    async fn failed(&self, entry: &StreamEntry, error: MessageError) -> Result<(), ConsumerError> {
        self.record_error(entry, &error);
        let Some(dead_letter) = &self.dead_letter else {
            return Err(ConsumerError::Message {
                position: self.position(entry),
                source: Box::new(error),
            });
        };
        self.dead_letter(dead_letter, entry, &error)
            .await
            .map_err(|source| ConsumerError::DeadLetter {
                position: self.position(entry),
                error: error.to_string(),
                source: Box::new(source),
            })
    }

    fn metrics(&self) -> &ConsumerMetrics {
        &self.metrics
    }
}

/// The key of the event an entry holds, as the Kafka producer would key it: its type's key field.
fn entry_key(entry: &StreamEntry) -> Option<Vec<u8>> {
    let fields = entry.fields.as_ref()?;
    let event_type = NAMES.event_type(fields).ok()?;
    let descriptor = registry::find(event_type)?;
    let path = descriptor.default_key_field?;
    let event = descriptor.decode(entry.event_data().ok()??, None).ok()?;
    Some(event.key_at(path).ok()?.to_string().into_bytes())
}

/// Acknowledging settled entries.
struct Acks {
    connection: ConnectionManager,
    stream: String,
    group: String,
    held: Held,
    retry_sleep: Duration,
}

impl Ledger<StreamEntry> for Acks {
    /// `XACK` the entry, again after the poll-failure sleep if that fails (a few times; then it
    /// stays pending).
    async fn settled(&mut self, entry: &StreamEntry) {
        for attempt in 1..=ACK_ATTEMPTS {
            let acked = redis::cmd("XACK")
                .arg(&self.stream)
                .arg(&self.group)
                .arg(&entry.id)
                .query_async::<i64>(&mut self.connection)
                .await;
            match acked {
                Ok(_) => break,
                Err(error) if attempt < ACK_ATTEMPTS => {
                    tracing::warn!(%error, id = %entry.id, attempt, "XACK failed; sending it again");
                    tokio::time::sleep(self.retry_sleep).await;
                }
                Err(error) => tracing::error!(
                    %error,
                    id = %entry.id,
                    stream = %self.stream,
                    "XACK failed; the entry stays pending and is processed again at the next                      start, or by a consumer that claims it"
                ),
            }
        }
        self.held.locked().acknowledged(&entry.id);
    }

    async fn finish(&mut self) -> Result<(), ConsumerError> {
        Ok(())
    }
}
