//! A Redis topic's dead letters sent back to their source stream, for operators: [`RedisRedriver`]
//! adds a dead letter's original fields (without the `dlq_*` ones, in order) to the source
//! stream as a new entry, and may delete the dead letter once redriven (Redis can, unlike Kafka).
//! The `eventbus dead-letters redrive --backend redis` command and the operator console share it.

use super::error::RedisError;
use super::streams::RedisStreams;
use crate::consume::original_fields;
use crate::settings::RedisSettings;

/// Sends the dead letters of one topic back to its stream.
#[derive(Debug, Clone)]
pub struct RedisRedriver {
    streams: RedisStreams,
    source: String,
    dead_letter: String,
    max_len: Option<u64>,
}

impl RedisRedriver {
    /// The redriver of `topic` (without the prefix): its dead-letter stream and source stream as
    /// `settings` name them, reached through `streams`.
    pub fn new(streams: RedisStreams, settings: &RedisSettings, topic: &str) -> Self {
        RedisRedriver {
            streams,
            source: settings.full_topic(topic),
            dead_letter: settings.full_topic(&settings.dead_letter_stream(topic)),
            max_len: settings.stream_max_len(),
        }
    }

    /// The source stream (with the prefix).
    pub fn source_stream(&self) -> &str {
        &self.source
    }

    /// The dead-letter stream (with the prefix).
    pub fn dead_letter_stream(&self) -> &str {
        &self.dead_letter
    }

    /// Add the original fields of a dead letter with `fields` (its entry's fields) to the source
    /// stream (trimmed as the producer trims it); the new entry's id.
    pub async fn redrive(
        &self,
        fields: &[(String, Option<Vec<u8>>)],
    ) -> Result<String, RedisError> {
        self.streams
            .add(&self.source, &original_fields(fields), self.max_len)
            .await
    }

    /// Delete the dead letter `id` (once redriven); whether it was there.
    pub async fn delete(&self, id: &str) -> Result<bool, RedisError> {
        self.streams.delete(&self.dead_letter, id).await
    }
}
