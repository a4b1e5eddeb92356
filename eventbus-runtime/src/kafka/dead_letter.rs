//! The dead-letter topic: where a consumer puts a message it cannot process, unchanged (key,
//! value, headers) plus headers that say what went wrong and where the message came from.
//!
//! A dead-lettered message can be inspected, fixed and produced again to its source topic: its
//! original headers come first, in their order, then the `dlq_*` headers.

use super::error::KafkaError;
use super::raw_producer::{RawMessage, RawProducer};
use crate::backend::Delivery;
use crate::settings::KafkaSettings;
use crate::time::python_isoformat;
use std::time::Duration;

/// Header: the error text.
pub const ERROR: &str = "dlq_error";
/// Header: the error kind, a short stable code (see `MessageError::kind`).
pub const ERROR_KIND: &str = "dlq_error_kind";
/// Header: the topic the message was read from.
pub const SOURCE_TOPIC: &str = "dlq_source_topic";
/// Header: its partition.
pub const SOURCE_PARTITION: &str = "dlq_source_partition";
/// Header: its offset.
pub const SOURCE_OFFSET: &str = "dlq_source_offset";
/// Header: its timestamp, in milliseconds since the epoch, when it had one.
pub const SOURCE_TIMESTAMP: &str = "dlq_source_timestamp_ms";
/// Header: the consumer group that failed to process it.
pub const CONSUMER_GROUP: &str = "dlq_consumer_group";
/// Header: when it failed (ISO 8601).
pub const FAILED_AT: &str = "dlq_failed_at";

/// A message to dead-letter: the original message and why it failed.
#[derive(Debug, Clone, Copy)]
pub struct DeadLetter<'a> {
    /// The original key.
    pub key: Option<&'a [u8]>,
    /// The original value.
    pub value: Option<&'a [u8]>,
    /// The original headers, in order.
    pub headers: &'a [(String, Option<Vec<u8>>)],
    /// The source topic.
    pub topic: &'a str,
    /// The source partition.
    pub partition: i32,
    /// The source offset.
    pub offset: i64,
    /// The source timestamp (ms), if any.
    pub timestamp_ms: Option<i64>,
    /// The error kind.
    pub error_kind: &'a str,
    /// The error text.
    pub error: &'a str,
    /// The error's own `dlq_*` headers (see `MessageError::dead_letter_details`).
    pub details: &'a [(&'static str, String)],
}

/// The headers of a dead-lettered message: the original ones, then the `dlq_*` ones.
pub(crate) fn dead_letter_headers(
    letter: &DeadLetter<'_>,
    group_id: &str,
) -> Vec<(String, Option<Vec<u8>>)> {
    let mut headers = letter.headers.to_vec();
    let mut add =
        |name: &str, value: String| headers.push((name.to_owned(), Some(value.into_bytes())));
    add(ERROR, letter.error.to_owned());
    add(ERROR_KIND, letter.error_kind.to_owned());
    for (name, value) in letter.details {
        add(name, value.clone());
    }
    add(SOURCE_TOPIC, letter.topic.to_owned());
    add(SOURCE_PARTITION, letter.partition.to_string());
    add(SOURCE_OFFSET, letter.offset.to_string());
    if let Some(ms) = letter.timestamp_ms {
        add(SOURCE_TIMESTAMP, ms.to_string());
    }
    add(CONSUMER_GROUP, group_id.to_owned());
    add(FAILED_AT, python_isoformat(&chrono::Utc::now()));
    headers
}

/// Produces dead letters to one topic, waiting for the broker's acknowledgement of each.
pub struct DeadLetterProducer {
    producer: RawProducer,
    topic: String,
    group_id: String,
}

impl std::fmt::Debug for DeadLetterProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadLetterProducer")
            .field("topic", &self.topic)
            .field("group_id", &self.group_id)
            .finish_non_exhaustive()
    }
}

impl DeadLetterProducer {
    /// A producer to the full topic `topic`, for the consumer group `group_id`.
    pub fn new(
        settings: &KafkaSettings,
        topic: String,
        group_id: String,
    ) -> Result<Self, KafkaError> {
        Ok(DeadLetterProducer {
            producer: RawProducer::with_readiness(settings, "dead-letter producer")?,
            topic,
            group_id,
        })
    }

    /// The full dead-letter topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Produce a dead letter and wait until the broker has it.
    pub async fn send(&self, letter: &DeadLetter<'_>) -> Result<Delivery, KafkaError> {
        let headers = dead_letter_headers(letter, &self.group_id);
        let delivery = self
            .producer
            .send(&RawMessage {
                topic: &self.topic,
                key: letter.key,
                value: letter.value,
                headers: &headers,
            })
            .await?;
        tracing::warn!(
            dead_letter_topic = %self.topic,
            dead_letter_partition = delivery.kafka_position().map(|(partition, _)| partition),
            dead_letter_offset = delivery.kafka_position().map(|(_, offset)| offset),
            source_topic = letter.topic,
            source_partition = letter.partition,
            source_offset = letter.offset,
            error_kind = letter.error_kind,
            "message dead-lettered"
        );
        Ok(delivery)
    }

    /// Deliver what is queued.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_headers_keep_the_original_ones_first() {
        let original = vec![
            ("ce_type".to_owned(), Some(b"org.x.v1".to_vec())),
            ("ce_type".to_owned(), Some(b"org.y.v1".to_vec())),
            ("odd".to_owned(), None),
        ];
        let letter = DeadLetter {
            key: None,
            value: Some(b"\x01"),
            headers: &original,
            topic: "dev-t",
            partition: 2,
            offset: 41,
            timestamp_ms: Some(1_700_000_000_000),
            error_kind: "bad-framing",
            error: "unknown magic byte 0x01",
            details: &[("dlq_attempts", "3".to_owned())],
        };
        let headers = dead_letter_headers(&letter, "g1");
        assert_eq!(&headers[..3], &original[..]);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.clone())
                .map(|v| String::from_utf8(v).unwrap())
        };
        assert_eq!(get(ERROR).as_deref(), Some("unknown magic byte 0x01"));
        assert_eq!(get(ERROR_KIND).as_deref(), Some("bad-framing"));
        assert_eq!(get(SOURCE_TOPIC).as_deref(), Some("dev-t"));
        assert_eq!(get(SOURCE_PARTITION).as_deref(), Some("2"));
        assert_eq!(get(SOURCE_OFFSET).as_deref(), Some("41"));
        assert_eq!(get(SOURCE_TIMESTAMP).as_deref(), Some("1700000000000"));
        assert_eq!(get(CONSUMER_GROUP).as_deref(), Some("g1"));
        assert_eq!(get("dlq_attempts").as_deref(), Some("3"));
        assert!(get(FAILED_AT).is_some());
        assert_eq!(crate::consume::original_fields(&headers), original);
    }
}
