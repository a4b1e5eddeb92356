//! Why a consumer stopped, whatever the transport, and where the message it names is.

use super::MessageError;
use std::fmt;

/// Where a message is in its transport: what an error about it names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Position {
    /// A Kafka message: `topic/partition@offset`.
    Kafka {
        /// The full topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset.
        offset: i64,
    },
    /// A Redis stream entry: `stream/id`.
    Redis {
        /// The stream.
        stream: String,
        /// The entry id.
        id: String,
    },
    /// An event of a [`super::MemoryBus`] topic: `topic#index`.
    Memory {
        /// The full topic.
        topic: String,
        /// The event's index in the topic, from 0.
        index: usize,
    },
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Kafka {
                topic,
                partition,
                offset,
            } => write!(f, "{topic}/{partition}@{offset}"),
            Position::Redis { stream, id } => write!(f, "{stream}/{id}"),
            Position::Memory { topic, index } => write!(f, "{topic}#{index}"),
        }
    }
}

/// Why a consumer stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerError {
    /// The transport could not be set up: the Kafka consumer or its dead-letter producer could
    /// not be created (a `kafka::KafkaError` inside), the Redis connection or the consumer group
    /// could not be set up (a `redis::RedisError`); `downcast_ref` tells which.
    #[error(transparent)]
    Setup(Box<dyn std::error::Error + Send + Sync>),
    /// Subscribing to the topic failed.
    #[cfg(feature = "kafka")]
    #[error("subscribing to {topic}: {source}")]
    Subscribe {
        /// The full topic.
        topic: String,
        /// librdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// The broker reported a fatal error.
    #[cfg(feature = "kafka")]
    #[error("fatal Kafka error: {0}")]
    Fatal(#[source] rdkafka::error::KafkaError),
    /// Too many errors in a row (the `..._CONSUMER_CONSECUTIVE_ERRORS_LIMIT` setting).
    #[error("too many consecutive errors, exiting ({count} in a row); last: {last}")]
    TooManyErrors {
        /// How many.
        count: u32,
        /// The last error.
        last: String,
    },
    /// A message could not be processed and the policy is to stop; it is not committed (not
    /// acknowledged).
    #[error("message {position} could not be processed: {source}")]
    Message {
        /// Where the message is.
        position: Position,
        /// What went wrong.
        #[source]
        source: Box<MessageError>,
    },
    /// A failed message could not be dead-lettered; it is not committed (not acknowledged).
    #[error("message {position} failed ({error}) and could not be dead-lettered: {source}")]
    DeadLetter {
        /// Where the message is.
        position: Position,
        /// Why the message failed.
        error: String,
        /// Why the dead letter failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Replaying from `offset_time` failed.
    #[cfg(feature = "kafka")]
    #[error("replay from {time}: {reason}")]
    Replay {
        /// The requested time.
        time: String,
        /// What failed.
        reason: String,
    },
    /// The program declares an event type twice (see [`crate::registry::check`]): no event could
    /// be decoded into the right type, so the consumer does not start.
    #[error("not consuming {topic}: {source}")]
    Registry {
        /// The full topic.
        topic: String,
        /// The event types declared twice.
        #[source]
        source: crate::registry::DuplicateEventTypes,
    },
    /// Committing offsets at shutdown failed; the last messages may be delivered again.
    #[cfg(feature = "kafka")]
    #[error("committing offsets at shutdown: {0}")]
    Commit(#[source] rdkafka::error::KafkaError),
}

impl ConsumerError {
    /// Where the message this error is about is, if it is about one.
    pub fn position(&self) -> Option<&Position> {
        match self {
            ConsumerError::Message { position, .. }
            | ConsumerError::DeadLetter { position, .. } => Some(position),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_as_each_transport_names_them() {
        let kafka = Position::Kafka {
            topic: "dev-user".into(),
            partition: 2,
            offset: 41,
        };
        let redis = Position::Redis {
            stream: "dev-user".into(),
            id: "1700000000000-0".into(),
        };
        assert_eq!(kafka.to_string(), "dev-user/2@41");
        assert_eq!(redis.to_string(), "dev-user/1700000000000-0");
        let error = ConsumerError::Message {
            position: redis.clone(),
            source: Box::new(MessageError::NoValue),
        };
        assert_eq!(
            error.to_string(),
            "message dev-user/1700000000000-0 could not be processed: message has no value"
        );
        assert_eq!(error.position(), Some(&redis));
    }
}
