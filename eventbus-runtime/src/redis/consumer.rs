//! The Redis consumer: [`RedisConsumer`] reads a stream as a member of a consumer group and sends
//! each event to its signal's receivers, as `edx-event-bus-redis`'s `RedisEventConsumer` does,
//! at least once.
//!
//! On start it joins (or creates, with `MKSTREAM`) the group and first processes the entries
//! still pending for its consumer name (read but not acknowledged: a crash, a stop), optionally
//! after claiming the entries other consumers left pending for too long (`XAUTOCLAIM`); then it
//! blocks on new entries (`XREADGROUP ... >`).
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
//! connection reconnects by itself. Shutdown: cancel the [`CancellationToken`]; the entry in hand
//! is finished and acknowledged. A receiver that returns [`crate::consume::StopConsuming`] stops
//! the consumer with the entry it was given still pending.

mod inspect;

use super::connection::connect;
use super::entry::{entries_of_list, entries_of_reply, ReplyError, StreamEntry, NAMES};
use super::error::RedisError;
use super::telemetry::LagProbe;
use crate::avro::python_isoformat;
use crate::consume::{
    sleep_unless_cancelled, CancellationToken, ConsumeSummary, ErrorStreak, Handlers, MessageError,
    OnEvent,
};
use crate::registry;
use crate::settings::{OnError, RedisSettings};
use crate::telemetry::metrics::System;
use crate::telemetry::{ConsumerMetrics, HealthCheck};
use redis::aio::ConnectionManager;
use redis::Value;
use std::collections::VecDeque;
use std::time::Duration;

/// How many entries one read returns at most. They are processed and acknowledged one by one;
/// those not processed yet when the consumer stops stay pending for its name, and are processed
/// first when it starts again.
const READ_BATCH: usize = 100;

/// Dead-letter field: the error text.
pub const DLQ_ERROR: &str = "dlq_error";
/// Dead-letter field: the error kind (see [`MessageError::kind`]).
pub const DLQ_ERROR_KIND: &str = "dlq_error_kind";
/// Dead-letter field: the stream the entry was read from.
pub const DLQ_SOURCE_STREAM: &str = "dlq_source_stream";
/// Dead-letter field: the entry's id there.
pub const DLQ_SOURCE_ID: &str = "dlq_source_id";
/// Dead-letter field: the consumer group that failed to process it.
pub const DLQ_CONSUMER_GROUP: &str = "dlq_consumer_group";
/// Dead-letter field: when it failed (ISO 8601).
pub const DLQ_FAILED_AT: &str = "dlq_failed_at";

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

/// Why the Redis consumer stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerError {
    /// The connection or the group could not be set up.
    #[error(transparent)]
    Setup(#[from] RedisError),
    /// Too many errors in a row (`EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT`).
    #[error("too many consecutive errors, exiting ({count} in a row); last: {last}")]
    TooManyErrors {
        /// How many.
        count: u32,
        /// The last error.
        last: String,
    },
    /// An entry could not be processed and the policy is to stop; it is not acknowledged.
    #[error("entry {stream}/{id} could not be processed: {source}")]
    Message {
        /// The stream.
        stream: String,
        /// The entry id.
        id: String,
        /// What went wrong.
        #[source]
        source: MessageError,
    },
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
    /// The handler of unknown event types (see `inspect`).
    on_unknown: Option<crate::consume::UnknownHandler>,
    /// Readiness: `connected` while reads succeed.
    health: HealthCheck,
    lag: LagProbe,
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
            health: HealthCheck::register(
                format!(
                    "redis consumer of {} in group {group_id}",
                    settings.full_topic(topic)
                ),
                &["connected"],
            ),
            lag: LagProbe::default(),
        })
    }

    /// Where a new group starts (see [`StartFrom`]).
    #[must_use]
    pub fn start_from(mut self, start: StartFrom) -> Self {
        self.start = start;
        self
    }

    /// Before reading new entries, take over the entries other consumers of the group left
    /// pending for longer than `idle` (Python's `claim_msgs_older_than`).
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

    async fn run(
        &mut self,
        shutdown: &CancellationToken,
        summary: &mut ConsumeSummary,
    ) -> Result<(), ConsumerError> {
        let mut errors = ErrorStreak::new(self.settings.common().consecutive_errors_limit);
        // Entries read but not acknowledged by this consumer come first.
        let mut pending = true;
        // Entries read and not processed yet (pending in Redis until acknowledged).
        let mut batch = VecDeque::new();
        let mut claim = self.claim_idle;
        loop {
            if let Some((count, last)) = errors.exceeded() {
                return Err(ConsumerError::TooManyErrors { count, last });
            }
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let Some(entry) = batch.pop_front() else {
                let read = if pending {
                    self.read_pending(claim).await
                } else {
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => return Ok(()),
                        read = self.read_new() => read,
                    }
                };
                self.health.set("connected", read.is_ok());
                match read {
                    Ok(entries) if entries.is_empty() => {
                        if pending {
                            tracing::debug!("No more pending messages.");
                            pending = false;
                            claim = None;
                        }
                    }
                    Ok(entries) => {
                        batch.extend(entries);
                        // Claimed once, at the start.
                        claim = None;
                    }
                    Err(error) => {
                        errors.failed(&error);
                        tracing::error!(
                            %error,
                            full_topic = %self.full_topic,
                            consumer_group = %self.group_id,
                            consumer_name = %self.consumer_name,
                            "Error consuming event from Redis -- no event available"
                        );
                        if self.pause(shutdown).await {
                            return Ok(());
                        }
                    }
                }
                continue;
            };
            let settled = match self.handle(&entry).await {
                Ok(attempts) => {
                    errors.reset();
                    summary.processed += 1;
                    summary.count_retries(attempts);
                    self.ack(&entry.id).await
                }
                Err(MessageError::Stopped { reason }) => {
                    tracing::info!(
                        %reason,
                        id = %entry.id,
                        "a receiver stopped the consumer; the entry stays pending"
                    );
                    summary.stopped_by_receiver = true;
                    return Ok(());
                }
                Err(error) => {
                    errors.failed(&error);
                    summary.count_retries(error.attempts());
                    self.record_error(&entry, &error);
                    let Some(dead_letter) = self.dead_letter.clone() else {
                        return Err(ConsumerError::Message {
                            stream: self.full_topic.clone(),
                            id: entry.id,
                            source: error,
                        });
                    };
                    match self.dead_letter(&dead_letter, &entry, &error).await {
                        Ok(()) => {
                            summary.dead_lettered += 1;
                            self.ack(&entry.id).await
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            if let Err(error) = settled {
                // Not acknowledged: the entry stays pending and is read again first, after the
                // sleep, and processed again (at least once).
                errors.failed(&error);
                summary.retried += 1;
                self.metrics.retried();
                tracing::warn!(%error, id = %entry.id, "the entry stays pending and will be read again");
                // Read again from the first pending entry, this one.
                pending = true;
                batch.clear();
                if self.pause(shutdown).await {
                    return Ok(());
                }
            }
        }
    }

    /// Sleep the poll-failure time; `true` if shutdown was asked meanwhile.
    async fn pause(&self, shutdown: &CancellationToken) -> bool {
        sleep_unless_cancelled(shutdown, self.settings.common().poll_failure_sleep).await
    }

    /// The first entries pending for this consumer, after claiming idle ones when asked.
    async fn read_pending(
        &mut self,
        claim: Option<Duration>,
    ) -> Result<Vec<StreamEntry>, RedisError> {
        if let Some(idle) = claim {
            let claimed = self.claim_idle_entries(idle).await?;
            if claimed > 0 {
                tracing::info!(claimed, "claimed the pending entries of idle consumers");
            }
        }
        self.read_group("0", None).await
    }

    /// Take over every entry other consumers of the group left pending for longer than `idle`
    /// (`XAUTOCLAIM`, page by page); how many.
    async fn claim_idle_entries(&mut self, idle: Duration) -> Result<usize, RedisError> {
        let reply_error = |source| RedisError::Reply {
            command: "XAUTOCLAIM",
            stream: self.full_topic.clone(),
            source,
        };
        let mut cursor = "0-0".to_owned();
        let mut claimed = 0;
        loop {
            let reply: Value = redis::cmd("XAUTOCLAIM")
                .arg(&self.full_topic)
                .arg(&self.group_id)
                .arg(&self.consumer_name)
                .arg(u64::try_from(idle.as_millis()).unwrap_or(u64::MAX))
                .arg(&cursor)
                .arg("COUNT")
                .arg(READ_BATCH)
                .query_async(&mut self.connection)
                .await
                .map_err(|source| self.command_error("XAUTOCLAIM", source))?;
            let Value::Array(parts) = &reply else {
                return Err(reply_error(ReplyError(format!("{reply:?}"))));
            };
            let (Some(next), Some(entries)) = (parts.first(), parts.get(1)) else {
                return Err(reply_error(ReplyError(format!("{reply:?}"))));
            };
            claimed += entries_of_list(entries).map_err(reply_error)?.len();
            cursor = match next {
                Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                Value::SimpleString(s) => s.clone(),
                other => return Err(reply_error(ReplyError(format!("cursor {other:?}")))),
            };
            if cursor == "0-0" {
                return Ok(claimed);
            }
        }
    }

    /// The next new entries, waiting up to the poll timeout for one.
    async fn read_new(&mut self) -> Result<Vec<StreamEntry>, RedisError> {
        let block = self.settings.common().poll_timeout;
        (self.lag)
            .refresh(&mut self.connection, &self.full_topic, &self.group_id)
            .await;
        self.read_group(">", Some(block)).await
    }

    async fn read_group(
        &mut self,
        id: &str,
        block: Option<Duration>,
    ) -> Result<Vec<StreamEntry>, RedisError> {
        let mut command = redis::cmd("XREADGROUP");
        command
            .arg("GROUP")
            .arg(&self.group_id)
            .arg(&self.consumer_name)
            .arg("COUNT")
            .arg(READ_BATCH);
        if let Some(block) = block {
            command
                .arg("BLOCK")
                .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX).max(1));
        }
        command.arg("STREAMS").arg(&self.full_topic).arg(id);
        let reply: Value = command
            .query_async(&mut self.connection)
            .await
            .map_err(|source| self.command_error("XREADGROUP", source))?;
        let entries = entries_of_reply(&reply).map_err(|source| RedisError::Reply {
            command: "XREADGROUP",
            stream: self.full_topic.clone(),
            source,
        })?;
        Ok(entries)
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

    /// Add the entry, its fields unchanged and in order, then the `dlq_*` fields, to the
    /// dead-letter stream.
    async fn dead_letter(
        &mut self,
        stream: &str,
        entry: &StreamEntry,
        error: &MessageError,
    ) -> Result<(), RedisError> {
        let mut command = redis::cmd("XADD");
        command.arg(stream);
        if let Some(len) = self.settings.stream_max_len() {
            command.arg("MAXLEN").arg("~").arg(len);
        }
        command.arg("*");
        for (name, value) in entry.fields.iter().flatten() {
            command.arg(name).arg(value.as_deref().unwrap_or_default());
        }
        let dlq = [
            (DLQ_ERROR, error.to_string()),
            (DLQ_ERROR_KIND, error.kind().to_owned()),
            (DLQ_SOURCE_STREAM, self.full_topic.clone()),
            (DLQ_SOURCE_ID, entry.id.clone()),
            (DLQ_CONSUMER_GROUP, self.group_id.clone()),
            (DLQ_FAILED_AT, python_isoformat(&chrono::Utc::now())),
        ];
        for (name, value) in dlq.into_iter().chain(error.dead_letter_details()) {
            command.arg(name).arg(value);
        }
        let id: String = command
            .query_async(&mut self.connection)
            .await
            .map_err(|source| RedisError::Command {
                command: "XADD",
                stream: stream.to_owned(),
                source,
            })?;
        let event_type = entry
            .fields
            .as_ref()
            .and_then(|fields| crate::metadata_fields::last_value(fields, NAMES.event_type));
        self.metrics.dead_lettered(event_type.as_deref());
        tracing::warn!(
            dead_letter_stream = stream,
            dead_letter_id = %id,
            source_id = %entry.id,
            "entry sent to the dead-letter stream"
        );
        Ok(())
    }

    async fn ack(&mut self, id: &str) -> Result<(), RedisError> {
        redis::cmd("XACK")
            .arg(&self.full_topic)
            .arg(&self.group_id)
            .arg(id)
            .query_async::<i64>(&mut self.connection)
            .await
            .map(|_| ())
            .map_err(|source| self.command_error("XACK", source))
    }

    fn command_error(&self, command: &'static str, source: redis::RedisError) -> RedisError {
        RedisError::Command {
            command,
            stream: self.full_topic.clone(),
            source,
        }
    }
}
