//! Why the Kafka consumer failed.

pub use crate::consume::MessageError;
use crate::kafka::error::KafkaError;

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
    #[error("committing offsets at shutdown: {0}")]
    Commit(#[source] rdkafka::error::KafkaError),
}
