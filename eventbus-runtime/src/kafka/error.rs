//! Errors of the Kafka clients.

use crate::kafka::schema_registry::RegistryError;
use crate::key::KeyPathError;
use crate::settings::SettingsError;
use std::time::Duration;

/// A failure of the Kafka producer, admin helper or dead-letter producer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KafkaError {
    /// The settings are invalid.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// librdkafka refused the configuration.
    #[error("cannot create the Kafka {client}: {source}")]
    Create {
        /// Which client: producer, consumer, admin client.
        client: &'static str,
        /// librdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// A thread of the client could not be started.
    #[error("cannot start the Kafka {what} thread: {source}")]
    Thread {
        /// Which thread.
        what: &'static str,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The schema registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The key schema cannot be taken from the event schema.
    #[error("key schema: {0}")]
    KeySchema(#[source] KeyPathError),
    /// The broker did not acknowledge the message.
    #[error("delivery to {topic} failed: {source}")]
    Delivery {
        /// The full topic.
        topic: String,
        /// librdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// No broker could be reached within the produce timeout.
    #[error(
        "cannot reach the Kafka bootstrap servers {servers} within {timeout:?} \
         (EVENT_BUS_KAFKA_PRODUCE_TIMEOUT): {reason}"
    )]
    Unreachable {
        /// The bootstrap servers.
        servers: String,
        /// The produce timeout.
        timeout: Duration,
        /// The last connection failure librdkafka reported.
        reason: String,
    },
    /// The brokers refused this client: the TLS handshake or the SASL authentication failed
    /// (wrong password, unknown user, mechanism, untrusted or expired certificate, host name).
    #[error(
        "the Kafka brokers {servers} refused the connection (TLS or SASL authentication): \
         {reason}; check EVENT_BUS_KAFKA_SECURITY_PROTOCOL, EVENT_BUS_KAFKA_SASL_MECHANISM, \
         EVENT_BUS_KAFKA_API_KEY/_SECRET and the EVENT_BUS_KAFKA_SSL_* settings"
    )]
    Refused {
        /// The bootstrap servers.
        servers: String,
        /// librdkafka's reason (never a secret).
        reason: String,
    },
    /// A delivery timed out while partitions of the topic had fewer in-sync replicas than
    /// replicas: with `acks=all` the leader refuses writes (`NOT_ENOUGH_REPLICAS`, which
    /// librdkafka retries until the produce timeout) while fewer than the topic's
    /// `min.insync.replicas` are in sync.
    #[error(
        "delivery to {topic} timed out after {timeout:?} (EVENT_BUS_KAFKA_PRODUCE_TIMEOUT) while \
         the brokers {servers} had partitions with too few in-sync replicas ({partitions}): with \
         acks=all the leader answers NOT_ENOUGH_REPLICAS while fewer than min.insync.replicas \
         replicas are in sync; bring the missing brokers back"
    )]
    NotEnoughReplicas {
        /// The full topic.
        topic: String,
        /// The bootstrap servers.
        servers: String,
        /// The produce timeout.
        timeout: Duration,
        /// The partitions short of replicas, e.g. `partition 0 in sync [1] of [1, 2, 3]`.
        partitions: String,
    },
    /// The topic does not exist (and the broker does not create topics when they are first used).
    #[error(
        "topic {topic} does not exist on the Kafka brokers {servers} (create it first, e.g. \
         with `eventbus topics create`)"
    )]
    UnknownTopic {
        /// The full topic.
        topic: String,
        /// The bootstrap servers.
        servers: String,
    },
    /// The brokers could be reached but did not answer (metadata or acknowledgement) within the
    /// produce timeout.
    #[error(
        "no answer from the Kafka brokers {servers} about {topic} within {timeout:?} \
         (EVENT_BUS_KAFKA_PRODUCE_TIMEOUT): {reason}"
    )]
    TimedOut {
        /// The full topic.
        topic: String,
        /// The bootstrap servers.
        servers: String,
        /// The produce timeout.
        timeout: Duration,
        /// librdkafka's error.
        reason: String,
    },
    /// Flushing the producer failed or timed out.
    #[error("flushing the producer failed: {0}")]
    Flush(#[source] rdkafka::error::KafkaError),
    /// An admin operation failed.
    #[error("{operation} {name} on the Kafka brokers {servers}: {message}")]
    Admin {
        /// The operation (create topic...).
        operation: &'static str,
        /// The topic or group.
        name: String,
        /// The bootstrap servers.
        servers: String,
        /// The broker's error.
        message: String,
    },
    /// Reading a topic failed.
    #[error("reading {topic} from the Kafka brokers {servers}: {source}")]
    Read {
        /// The full topic.
        topic: String,
        /// The bootstrap servers.
        servers: String,
        /// librdkafka's error.
        #[source]
        source: Box<rdkafka::error::KafkaError>,
    },
    /// A bounded read got no message within the timeout before the end it was given.
    #[error(
        "reading {topic} from the Kafka brokers {servers}: no message within {timeout:?} at \
         partition {partition}, offset {offset} (the end is offset {end}; \
         EVENT_BUS_KAFKA_PRODUCE_TIMEOUT)"
    )]
    ReadStalled {
        /// The full topic.
        topic: String,
        /// The partition waited on.
        partition: i32,
        /// The offset expected next.
        offset: i64,
        /// The end of the read (exclusive).
        end: i64,
        /// The bootstrap servers.
        servers: String,
        /// How long it waited.
        timeout: Duration,
    },
    /// Another Kafka client error.
    #[error("Kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
}

/// The registry does not know a message's schema id, or holds no usable schema under it (a
/// [`crate::consume::MessageError::Transport`] of kind `unknown-schema-id` or `invalid-schema`).
#[derive(Debug, thiserror::Error)]
#[error("schema {id}: {source}")]
pub struct SchemaLookupError {
    /// The schema id of the message's value.
    pub id: u32,
    /// The registry's answer.
    #[source]
    pub source: RegistryError,
}

impl From<SchemaLookupError> for crate::consume::MessageError {
    fn from(error: SchemaLookupError) -> Self {
        let kind = if error.source.is_not_found() {
            "unknown-schema-id"
        } else {
            "invalid-schema"
        };
        crate::consume::MessageError::Transport {
            kind,
            error: Box::new(error),
        }
    }
}

impl From<KafkaError> for crate::consume::ConsumerError {
    fn from(error: KafkaError) -> Self {
        crate::consume::ConsumerError::Setup(Box::new(error))
    }
}
