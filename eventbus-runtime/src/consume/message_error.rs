//! Why one message could not be processed, whatever the transport.

#[cfg(feature = "kafka")]
use crate::kafka::framing::FramingError;
use crate::metadata_fields::HeaderError;
use crate::registry::{EventDataError, NotSerializable};
#[cfg(feature = "kafka")]
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
    #[cfg(feature = "kafka")]
    #[error("{0}")]
    Framing(#[from] FramingError),
    /// The registry does not know the value's schema id, or holds no usable schema under it.
    #[cfg(feature = "kafka")]
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

impl MessageError {
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
            #[cfg(feature = "kafka")]
            MessageError::Framing(FramingError::WrongMagicByte { .. }) => "wrong-magic-byte",
            #[cfg(feature = "kafka")]
            MessageError::Framing(FramingError::TooShort { .. }) => "too-short",
            #[cfg(feature = "kafka")]
            MessageError::Schema { source, .. } if source.is_not_found() => "unknown-schema-id",
            #[cfg(feature = "kafka")]
            MessageError::Schema { .. } => "invalid-schema",
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
        #[cfg(feature = "kafka")]
        {
            assert_eq!(
                MessageError::from(FramingError::WrongMagicByte { found: 1 }).kind(),
                "wrong-magic-byte"
            );
            assert_eq!(
                MessageError::from(FramingError::TooShort { len: 1 }).kind(),
                "too-short"
            );
        }
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
        };
        assert_eq!(receivers.kind(), "receiver-error");
        assert_eq!(
            receivers.to_string(),
            "1 receiver(s) out of 2 produced errors when handling org.x.v1: audit=boom"
        );
    }
}
