//! The consumer's librdkafka context: logs, rebalances (and replay), commit results.
//!
//! Rebalances are served on the poller thread (see `poller`), inside its poll. Before partitions
//! are revoked, the context hands the engine what the poller read and has not sent yet, then a
//! revocation, and waits (bounded) until the engine has finished and committed the revoked
//! partitions' running events: only then does librdkafka let the partitions go to another member.

use super::super::client_logs::ConnectionLog;
use super::super::replay::Replay;
use super::super::telemetry;
use crate::consume::engine::{Read, RevokeRequest};
use crate::sync::LockUnpoisoned;
use crate::telemetry::metrics::{self, ConsumerMetrics};
use crate::telemetry::HealthCheck;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::KafkaResult;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The engine's end of the poller: what it was read and not sent yet, and the channel.
#[derive(Debug)]
pub(super) struct EngineLink {
    /// Messages read and not sent yet (the poller sends them in batches).
    pub(super) batch: Vec<OwnedMessage>,
    /// The most messages in a batch.
    pub(super) batch_max: usize,
    /// To the engine.
    pub(super) sender: mpsc::Sender<Read<OwnedMessage>>,
    /// Revocations to the engine (never full: a revocation never waits for room).
    pub(super) revocations: mpsc::UnboundedSender<RevokeRequest>,
    /// How long a revocation may wait for the engine: its drain bound and a commit's time.
    pub(super) revocation_wait: Duration,
    /// Rebalance metrics.
    pub(super) metrics: ConsumerMetrics,
}

impl EngineLink {
    /// Send the batch read so far; `false` if the engine is gone.
    pub(super) fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::take(&mut self.batch);
        self.sender.blocking_send(Read::Messages(batch)).is_ok()
    }
}

/// The consumer's context: commit results, rebalances and librdkafka logs go to `tracing`
/// (repeated errors once, see [`ConnectionLog`]); a replay moves newly assigned partitions to its
/// time.
#[derive(Debug)]
pub struct EventConsumerContext {
    replay: Mutex<Option<Replay>>,
    /// The engine consuming, while it runs.
    link: Mutex<Option<EngineLink>>,
    /// Commit the stored offsets when partitions are revoked while no engine runs (at close),
    /// unless librdkafka commits them itself (a commit interval).
    commit_on_revoke: std::sync::atomic::AtomicBool,
    log: ConnectionLog,
    group: String,
    /// Readiness: `assigned` (from the rebalances) and `connected` (from the statistics).
    health: HealthCheck,
}

impl EventConsumerContext {
    /// The context of a consumer of the bootstrap `servers` in `group`.
    pub fn new(servers: impl Into<String>, group: &str) -> Self {
        let servers = servers.into();
        EventConsumerContext {
            replay: Mutex::default(),
            link: Mutex::default(),
            commit_on_revoke: std::sync::atomic::AtomicBool::new(true),
            health: HealthCheck::register(
                format!("kafka consumer of {servers} in group {group}"),
                &["assigned", "connected"],
            ),
            log: ConnectionLog::new("consumer", servers),
            group: group.to_owned(),
        }
    }

    /// Its log.
    pub fn connection_log(&self) -> &ConnectionLog {
        &self.log
    }

    pub(super) fn replay(&self) -> std::sync::MutexGuard<'_, Option<Replay>> {
        self.replay.locked()
    }

    /// Whether the stored offsets are committed when partitions are revoked at close (not with a
    /// commit interval: librdkafka commits them itself).
    pub(super) fn commit_on_revoke(&self, commit: bool) {
        self.commit_on_revoke
            .store(commit, std::sync::atomic::Ordering::Relaxed);
    }

    /// The link to the engine (none before it runs and after it stopped).
    pub(super) fn link(&self) -> std::sync::MutexGuard<'_, Option<EngineLink>> {
        self.link.locked()
    }

    /// Partitions are about to be revoked: drop what was read of them and not sent (never
    /// processed: their next owner reads it), send the engine the revocation, and wait until it
    /// answers (the partitions' running events finished and committed) or the wait's bound
    /// passes. Without an engine (the consumer is closing), commit what was stored.
    fn drain_revoked(&self, consumer: &BaseConsumer<Self>, revoked: &TopicPartitionList) {
        let mut link = self.link();
        let Some(engine) = link.as_mut() else {
            drop(link);
            if self
                .commit_on_revoke
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                commit_at_close(consumer);
            }
            return;
        };
        let shards: Vec<i32> = revoked.elements().iter().map(|e| e.partition()).collect();
        engine.batch.retain(|m| !shards.contains(&m.partition()));
        let (done, answered) = tokio::sync::oneshot::channel();
        if engine
            .revocations
            .send(RevokeRequest { shards, done })
            .is_err()
        {
            return;
        }
        let bound = engine.revocation_wait;
        drop(link);
        let start = Instant::now();
        let mut answered = answered;
        loop {
            match answered.try_recv() {
                Ok(()) | Err(tokio::sync::oneshot::error::TryRecvError::Closed) => return,
                Err(tokio::sync::oneshot::error::TryRecvError::Empty) => {}
            }
            if start.elapsed() >= bound {
                tracing::warn!(
                    waited_ms = start.elapsed().as_millis() as u64,
                    partitions = %describe(revoked),
                    "the engine did not finish the revoked partitions in time; letting them go"
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn record_rebalance(&self, consumer: &BaseConsumer<Self>, assigned: bool, changed: usize) {
        if let Some(engine) = self.link().as_ref() {
            let held = consumer.assignment().map_or(0, |a| a.count());
            engine.metrics.rebalanced(assigned, changed, held);
        }
    }
}

impl ClientContext for EventConsumerContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, facility: &str, message: &str) {
        self.log.log(level, facility, message);
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        telemetry::on_error(&self.health, &error, reason);
        self.log.error(&error, reason);
    }

    fn stats(&self, statistics: rdkafka::Statistics) {
        telemetry::on_statistics(&self.health, &statistics);
    }
}

impl ConsumerContext for EventConsumerContext {
    /// librdkafka's rebalance, applied with the protocol's calls (incremental for cooperative
    /// strategies and the consumer protocol): an assignment starts replayed partitions at the
    /// replay's time; a revocation first waits for the engine to finish and commit the partitions'
    /// running events.
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        error: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        let applied = match error {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                if let Some(replay) = self.replay().as_mut() {
                    replay.on_assign(consumer, tpl);
                }
                let applied = if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                };
                tracing::info!(partitions = %describe(tpl), cooperative, "partitions assigned");
                self.record_rebalance(consumer, true, tpl.count());
                // An assignment comes from the group coordinator: a broker is reachable.
                self.health.set("assigned", true);
                self.health.set("connected", true);
                applied
            }
            other => {
                if other == RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS {
                    tracing::info!(partitions = %describe(tpl), "partitions to be revoked");
                    self.drain_revoked(consumer, tpl);
                } else {
                    let code: RDKafkaErrorCode = other.into();
                    tracing::error!(error = %code, "rebalance failed; letting the partitions go");
                }
                let applied = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                tracing::info!(partitions = %describe(tpl), "partitions revoked");
                self.record_rebalance(consumer, false, tpl.count());
                for revoked in tpl.elements() {
                    metrics::forget_kafka_lag(revoked.topic(), &self.group, revoked.partition());
                }
                let held = consumer.assignment().map_or(0, |a| a.count());
                self.health.set("assigned", held > 0);
                applied
            }
        };
        if let Err(error) = applied {
            tracing::error!(%error, partitions = %describe(tpl), "applying the rebalance failed");
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => tracing::trace!(offsets = %describe(offsets), "offsets committed"),
            Err(error) if is_no_offset(&error) => {}
            Err(error) => {
                tracing::warn!(%error, offsets = %describe(offsets), "committing offsets failed")
            }
        }
    }
}

/// At close, partitions revoked: commit the offsets stored for them (the engine's last commit may
/// have met a rebalance in progress; now, in the rebalance, the member's generation is current).
fn commit_at_close(consumer: &BaseConsumer<EventConsumerContext>) {
    match consumer.commit_consumer_state(rdkafka::consumer::CommitMode::Sync) {
        Ok(()) => tracing::debug!("stored offsets committed at close"),
        Err(error) if is_no_offset(&error) => {}
        Err(error) => tracing::warn!(
            %error,
            "committing the stored offsets at close failed; the group's next member may process \
             the last events again"
        ),
    }
}

pub(crate) fn describe(tpl: &TopicPartitionList) -> String {
    tpl.elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => format!("{}/{}@{o}", e.topic(), e.partition()),
            _ => format!("{}/{}", e.topic(), e.partition()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn is_no_offset(error: &rdkafka::error::KafkaError) -> bool {
    error.rdkafka_error_code() == Some(RDKafkaErrorCode::NoOffset)
}

pub(super) fn is_fatal(error: &rdkafka::error::KafkaError) -> bool {
    matches!(
        error,
        rdkafka::error::KafkaError::MessageConsumptionFatal(_)
    ) || error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal)
}
