//! The consumer's librdkafka context: logs, rebalances (and replay), commit results.

use super::super::context::ConnectionLog;
use super::super::replay::Replay;
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
}

impl EventConsumerContext {
    /// The context of a consumer of the bootstrap `servers`.
    pub fn new(servers: impl Into<String>) -> Self {
        EventConsumerContext {
            replay: Mutex::default(),
            log: ConnectionLog::new("consumer", servers),
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
        self.log.error(&error, reason);
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
                if let Some(replay) = self.replay().as_mut() {
                    replay.on_assign(consumer, tpl);
                }
            }
            Rebalance::Revoke(tpl) => {
                tracing::info!(partitions = %describe(tpl), "partitions revoked")
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
