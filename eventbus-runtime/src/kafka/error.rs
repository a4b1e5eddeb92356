//! Errors of the Kafka clients.

use crate::key::KeyPathError;
use crate::schema_registry::RegistryError;
use crate::settings::SettingsError;

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
    /// Flushing the producer failed or timed out.
    #[error("flushing the producer failed: {0}")]
    Flush(#[source] rdkafka::error::KafkaError),
    /// An admin operation failed.
    #[error("{operation} {name}: {message}")]
    Admin {
        /// The operation (create topic...).
        operation: &'static str,
        /// The topic or group.
        name: String,
        /// The broker's error.
        message: String,
    },
    /// Another Kafka client error.
    #[error("Kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
}
