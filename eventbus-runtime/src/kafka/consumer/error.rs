//! Why a message or a consumer failed.

use crate::kafka::error::KafkaError;
use crate::kafka::framing::FramingError;
use crate::kafka::headers::HeaderError;
use crate::registry::{EventDataError, NotSerializable};
use crate::schema_registry::RegistryError;

/// Why one message could not be processed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Headers missing, duplicated or invalid.
    #[error("{0}")]
    Header(#[from] HeaderError),
    /// No event type of that name is linked into this program.
    #[error("unrecognized type {event_type} found on message, cannot determine signal")]
    UnknownEventType {
        /// The `ce_type` header.
        event_type: String,
    },
    /// The event type is in-process only.
    #[error(transparent)]
    NotSerializable(#[from] NotSerializable),
    /// The message has no value.
    #[error("message has no value")]
    NoValue,
    /// The value is not in the registry framing.
    #[error("{0}")]
    Framing(#[from] FramingError),
    /// The registry does not know the value's schema id, or holds no usable schema under it.
    #[error("schema {id}: {source}")]
    Schema {
        /// The schema id.
        id: u32,
        /// The registry's answer.
        #[source]
        source: RegistryError,
    },
    /// The value cannot be decoded as the event.
    #[error("{0}")]
    Decode(#[from] EventDataError),
    /// One or more receivers failed.
    #[error("{failed} receiver(s) out of {receivers} produced errors when handling {event_type}: {details}")]
    Receivers {
        /// The event type.
        event_type: &'static str,
        /// How many receivers ran.
        receivers: usize,
        /// How many failed.
        failed: usize,
        /// `name=error` of each failure.
        details: String,
    },
}

impl MessageError {
    /// A short, stable code of the error, written to the `dlq_error_kind` header.
    pub fn kind(&self) -> &'static str {
        match self {
            MessageError::Header(HeaderError::MissingEventType | HeaderError::MissingId) => {
                "missing-header"
            }
            MessageError::Header(HeaderError::Duplicate { .. }) => "duplicate-header",
            MessageError::Header(_) => "invalid-header",
            MessageError::UnknownEventType { .. } => "unknown-event-type",
            MessageError::NotSerializable(_) => "not-serializable",
            MessageError::NoValue => "no-value",
            MessageError::Framing(FramingError::WrongMagicByte { .. }) => "wrong-magic-byte",
            MessageError::Framing(FramingError::TooShort { .. }) => "too-short",
            MessageError::Schema { source, .. } if source.is_not_found() => "unknown-schema-id",
            MessageError::Schema { .. } => "invalid-schema",
            MessageError::Decode(_) => "decode",
            MessageError::Receivers { .. } => "receiver-error",
        }
    }
}

/// Why the consumer stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerError {
    /// The consumer or its dead-letter producer could not be created.
    #[error(transparent)]
    Setup(#[from] KafkaError),
    /// Subscribing failed.
    #[error("subscribing to {topic}: {source}")]
    Subscribe {
        /// The full topic.
        topic: String,
        /// librdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// The broker reported a fatal error.
    #[error("fatal Kafka error: {0}")]
    Fatal(#[source] rdkafka::error::KafkaError),
    /// Too many errors in a row (`EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT`).
    #[error("too many consecutive errors, exiting ({count} in a row); last: {last}")]
    TooManyErrors {
        /// How many.
        count: u32,
        /// The last error.
        last: String,
    },
    /// A message could not be processed and the policy is to stop; it is not committed.
    #[error("message {topic}/{partition}@{offset} could not be processed: {source}")]
    Message {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset.
        offset: i64,
        /// What went wrong.
        #[source]
        source: MessageError,
    },
    /// A failed message could not be dead-lettered; it is not committed.
    #[error("message {topic}/{partition}@{offset} failed ({error}) and could not be dead-lettered: {source}")]
    DeadLetter {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset.
        offset: i64,
        /// Why the message failed.
        error: String,
        /// Why the dead letter failed.
        #[source]
        source: Box<KafkaError>,
    },
    /// Replaying from `offset_time` failed.
    #[error("replay from {time}: {reason}")]
    Replay {
        /// The requested time.
        time: String,
        /// What failed.
        reason: String,
    },
    /// Committing offsets at shutdown failed; the last messages may be delivered again.
    #[error("committing offsets at shutdown: {0}")]
    Commit(#[source] rdkafka::error::KafkaError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_are_stable() {
        assert_eq!(
            MessageError::from(FramingError::WrongMagicByte { found: 1 }).kind(),
            "wrong-magic-byte"
        );
        assert_eq!(
            MessageError::from(FramingError::TooShort { len: 1 }).kind(),
            "too-short"
        );
        assert_eq!(
            MessageError::from(HeaderError::MissingId).kind(),
            "missing-header"
        );
        assert_eq!(
            MessageError::from(HeaderError::Duplicate {
                name: "ce_id".into()
            })
            .kind(),
            "duplicate-header"
        );
        assert_eq!(
            MessageError::UnknownEventType {
                event_type: "x".into()
            }
            .kind(),
            "unknown-event-type"
        );
        let receivers = MessageError::Receivers {
            event_type: "org.x.v1",
            receivers: 2,
            failed: 1,
            details: "audit=boom".into(),
        };
        assert_eq!(receivers.kind(), "receiver-error");
        assert_eq!(
            receivers.to_string(),
            "1 receiver(s) out of 2 produced errors when handling org.x.v1: audit=boom"
        );
    }
}
