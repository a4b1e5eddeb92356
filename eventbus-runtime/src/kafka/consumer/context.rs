//! The consumer's librdkafka context: logs, rebalances (and replay), commit results.

use super::super::context::ConnectionLog;
use super::super::replay::Replay;
use super::super::telemetry;
use crate::telemetry::{metrics, HealthCheck};
use rdkafka::consumer::{ConsumerContext, Rebalance};
use rdkafka::error::KafkaResult;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::sync::Mutex;

/// The consumer's context: commit results, rebalances and librdkafka logs go to `tracing`
/// (repeated errors once, see [`ConnectionLog`]); a replay moves newly assigned partitions to its
/// time.
#[derive(Debug)]
pub struct EventConsumerContext {
    replay: Mutex<Option<Replay>>,
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
        self.replay.lock().unwrap_or_else(|e| e.into_inner())
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
    fn post_rebalance(
        &self,
        consumer: &rdkafka::consumer::BaseConsumer<Self>,
        rebalance: &Rebalance<'_>,
    ) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                tracing::info!(partitions = %describe(tpl), "partitions assigned");
                // An assignment comes from the group coordinator: a broker is reachable.
                self.health.set("assigned", true);
                self.health.set("connected", true);
                if let Some(replay) = self.replay().as_mut() {
                    replay.on_assign(consumer, tpl);
                }
            }
            Rebalance::Revoke(tpl) => {
                tracing::info!(partitions = %describe(tpl), "partitions revoked");
                self.health.set("assigned", false);
                for revoked in tpl.elements() {
                    metrics::forget_kafka_lag(revoked.topic(), &self.group, revoked.partition());
                }
            }
            Rebalance::Error(error) => tracing::error!(%error, "rebalance failed"),
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
