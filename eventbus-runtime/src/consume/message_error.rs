//! Why one message could not be processed, whatever the transport.

use crate::metadata_fields::HeaderError;
use crate::registry::{EventDataError, NotSerializable};

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
    /// The transport cannot give the event's data: Kafka's value is not in the schema
    /// registry's framing (`kind` `wrong-magic-byte`, `too-short`), or the registry does not
    /// know its schema id (`unknown-schema-id`) or holds no usable schema under it
    /// (`invalid-schema`). `error` is the transport's own error (`downcast_ref` it).
    #[error("{error}")]
    Transport {
        /// The short, stable code of the error ([`MessageError::kind`]).
        kind: &'static str,
        /// The transport's error.
        #[source]
        error: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The value cannot be decoded as the event.
    #[error("{0}")]
    Decode(#[from] EventDataError),
    /// One or more receivers failed, on every attempt.
    #[error("{failed} receiver(s) out of {receivers} produced errors when handling {event_type}{}: {details}", attempts_text(*attempts))]
    Receivers {
        /// The event type.
        event_type: &'static str,
        /// How many receivers ran.
        receivers: usize,
        /// How many failed.
        failed: usize,
        /// `name=error` of each failure (on the last attempt).
        details: String,
        /// The names of the receivers that failed, comma-separated.
        failed_receivers: String,
        /// How many times they ran (1 + retries).
        attempts: u32,
    },
    /// The handler of unknown event types (`on_unknown`) failed.
    #[error("the handler of unknown event types failed on {event_type}: {error}")]
    UnknownHandler {
        /// The event type.
        event_type: String,
        /// The handler's error.
        error: String,
    },
    /// A receiver asked the consumer to stop ([`super::StopConsuming`]): the message is left
    /// unsettled and the consumer stops.
    #[error("a receiver asked the consumer to stop: {reason}")]
    Stopped {
        /// The receiver's reason.
        reason: String,
    },
}

fn attempts_text(attempts: u32) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

/// Whether a header (Kafka) or field (Redis) of a dead letter is one the dead-lettering added
/// (`dlq_*`), not one of the original message.
pub fn is_dead_letter_field(name: &str) -> bool {
    name.starts_with("dlq_")
}

/// The original headers (Kafka) or fields (Redis) of a dead letter, in order: without the
/// `dlq_*` ones. What a redrive sends back to the source.
pub fn original_fields(fields: &[(String, Option<Vec<u8>>)]) -> Vec<(String, Option<Vec<u8>>)> {
    fields
        .iter()
        .filter(|(name, _)| !is_dead_letter_field(name))
        .cloned()
        .collect()
}

/// Dead-letter header (Kafka) or field (Redis): the receivers that failed, comma-separated.
pub const DLQ_FAILED_RECEIVERS: &str = "dlq_failed_receivers";
/// Dead-letter header or field: how many times they ran.
pub const DLQ_ATTEMPTS: &str = "dlq_attempts";

impl MessageError {
    /// How many times the receivers ran before this error (1 unless receivers failed and were
    /// retried).
    pub fn attempts(&self) -> u32 {
        match self {
            MessageError::Receivers { attempts, .. } => *attempts,
            _ => 1,
        }
    }

    /// The dead-letter headers (fields) that only some errors have: the failed receivers and the
    /// number of attempts of a receiver error.
    pub fn dead_letter_details(&self) -> Vec<(&'static str, String)> {
        match self {
            MessageError::Receivers {
                failed_receivers,
                attempts,
                ..
            } => vec![
                (DLQ_FAILED_RECEIVERS, failed_receivers.clone()),
                (DLQ_ATTEMPTS, attempts.to_string()),
            ],
            _ => Vec::new(),
        }
    }

    /// A short, stable code of the error, written to the `dlq_error_kind` header.
    pub fn kind(&self) -> &'static str {
        match self {
            MessageError::Header(
                HeaderError::MissingEventType { .. } | HeaderError::MissingId { .. },
            ) => "missing-header",
            MessageError::Header(HeaderError::Duplicate { .. }) => "duplicate-header",
            MessageError::Header(_) => "invalid-header",
            MessageError::UnknownEventType { .. } => "unknown-event-type",
            MessageError::NotSerializable(_) => "not-serializable",
            MessageError::NoValue => "no-value",
            MessageError::Transport { kind, .. } => kind,
            MessageError::Decode(_) => "decode",
            MessageError::Receivers { .. } => "receiver-error",
            MessageError::UnknownHandler { .. } => "unknown-handler-error",
            MessageError::Stopped { .. } => "stopped",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_are_stable() {
        assert_eq!(
            MessageError::from(HeaderError::MissingId { name: "ce_id" }).kind(),
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
            failed_receivers: "audit".into(),
            attempts: 1,
        };
        assert_eq!(receivers.kind(), "receiver-error");
        assert_eq!(
            receivers.to_string(),
            "1 receiver(s) out of 2 produced errors when handling org.x.v1: audit=boom"
        );
        let retried = MessageError::Receivers {
            event_type: "org.x.v1",
            receivers: 2,
            failed: 1,
            details: "audit=boom".into(),
            failed_receivers: "audit".into(),
            attempts: 3,
        };
        assert_eq!(
            retried.to_string(),
            "1 receiver(s) out of 2 produced errors when handling org.x.v1 (3 attempts): audit=boom"
        );
        assert_eq!(
            retried.dead_letter_details(),
            vec![
                ("dlq_failed_receivers", "audit".to_owned()),
                ("dlq_attempts", "3".to_owned())
            ]
        );
    }
}
