//! A Redis consumer's dead letters: the failed entry, its fields unchanged and in order, then the
//! `dlq_*` fields, added to the dead-letter stream (Kafka's are in `kafka/dead_letter.rs`).

use super::super::entry::{StreamEntry, NAMES};
use super::super::error::RedisError;
use super::RedisConsumer;
use crate::consume::MessageError;
use crate::time::python_isoformat;

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

impl RedisConsumer {
    /// Add the entry, its fields unchanged and in order, then the `dlq_*` fields, to the
    /// dead-letter stream.
    pub(super) async fn dead_letter(
        &self,
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
            .query_async(&mut self.connection.clone())
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
}
