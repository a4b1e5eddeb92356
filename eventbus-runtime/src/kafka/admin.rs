//! Topic administration: create the topics the bus uses (with the partition count you choose)
//! and delete them.

use super::config::admin_config;
use super::context::TracingContext;
use super::error::KafkaError;
use crate::settings::KafkaSettings;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// The full topic name (with the prefix: see [`KafkaSettings::full_topic`]).
    pub name: String,
    /// The number of partitions.
    pub partitions: i32,
    /// The replication factor.
    pub replication: i32,
}

impl TopicSpec {
    /// A topic with `partitions` partitions, replicated once.
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        TopicSpec {
            name: name.into(),
            partitions,
            replication: 1,
        }
    }
}

/// A Kafka admin client.
pub struct KafkaAdmin {
    client: AdminClient<TracingContext>,
}

impl std::fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaAdmin").finish_non_exhaustive()
    }
}

fn options() -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)))
}

impl KafkaAdmin {
    /// An admin client configured by `settings`.
    pub fn new(settings: &KafkaSettings) -> Result<Self, KafkaError> {
        let client = admin_config(settings)
            .create_with_context(TracingContext::new(
                "admin client",
                settings.bootstrap_servers(),
            ))
            .map_err(|source| KafkaError::Create {
                client: "admin client",
                source,
            })?;
        Ok(KafkaAdmin { client })
    }

    /// Create the topics; a topic that already exists is left as it is.
    pub async fn create_topics(&self, topics: &[TopicSpec]) -> Result<(), KafkaError> {
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|t| {
                NewTopic::new(
                    &t.name,
                    t.partitions,
                    TopicReplication::Fixed(t.replication),
                )
            })
            .collect();
        for result in self.client.create_topics(&new, &options()).await? {
            match result {
                Ok(name) => tracing::info!(topic = %name, "topic created"),
                Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    tracing::debug!(topic = %name, "topic already exists")
                }
                Err((name, code)) => {
                    return Err(KafkaError::Admin {
                        operation: "create topic",
                        name,
                        message: code.to_string(),
                    })
                }
            }
        }
        Ok(())
    }

    /// Delete the topics; a topic that does not exist is ignored.
    pub async fn delete_topics(&self, names: &[&str]) -> Result<(), KafkaError> {
        for result in self.client.delete_topics(names, &options()).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
                Err((name, code)) => {
                    return Err(KafkaError::Admin {
                        operation: "delete topic",
                        name,
                        message: code.to_string(),
                    })
                }
            }
        }
        Ok(())
    }
}
