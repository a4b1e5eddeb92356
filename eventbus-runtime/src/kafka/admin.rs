//! Topic administration: create the topics the bus uses (with the partition count and
//! replication you choose, or the replication the cluster can hold: see
//! [`KafkaAdmin::default_replication`]), list and describe them, and delete them.

use super::client_logs::TracingContext;
use super::config::admin_config;
use super::error::KafkaError;
use crate::settings::KafkaSettings;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::metadata::Metadata;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use std::sync::Arc;
use std::time::Duration;

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// The full topic name (with the prefix: see [`KafkaSettings::full_topic`]).
    pub name: String,
    /// The number of partitions.
    pub partitions: i32,
    /// The replication factor; `None`: what the cluster can hold when the topic is created,
    /// [`KafkaAdmin::default_replication`] (1 on a single broker, 3 on three brokers or more).
    /// [`TopicSpec::new`] leaves it out.
    pub replication: Option<i32>,
}

impl TopicSpec {
    /// The most replicas a topic gets when its replication factor is not given: production
    /// clusters replicate 3 times (with `min.insync.replicas=2`).
    pub const MAX_DEFAULT_REPLICATION: i32 = 3;

    /// A topic with `partitions` partitions, replicated as much as the cluster can hold (at
    /// most [`TopicSpec::MAX_DEFAULT_REPLICATION`] times).
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        TopicSpec {
            name: name.into(),
            partitions,
            replication: None,
        }
    }

    /// The same topic with this replication factor.
    #[must_use]
    pub fn replication(mut self, replication: i32) -> Self {
        self.replication = Some(replication);
        self
    }
}

/// What creating one topic did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// The topic was created.
    Created,
    /// The topic already existed; it was left as it is.
    AlreadyExists,
}

/// One partition of a topic, as the brokers describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// The partition id.
    pub id: i32,
    /// The broker id of its leader (-1: none).
    pub leader: i32,
    /// The broker ids of its replicas.
    pub replicas: Vec<i32>,
    /// The broker ids of its in-sync replicas.
    pub isr: Vec<i32>,
    /// The low and high watermarks (first offset, next offset), when asked for
    /// ([`KafkaAdmin::describe_topic`]).
    pub watermarks: Option<(i64, i64)>,
}

impl PartitionInfo {
    /// The messages the partition holds (high - low watermark), when the watermarks are known.
    pub fn messages(&self) -> Option<i64> {
        self.watermarks.map(|(low, high)| high - low)
    }
}

/// A topic, as the brokers describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// The full topic name.
    pub name: String,
    /// Its partitions, by id.
    pub partitions: Vec<PartitionInfo>,
}

/// A Kafka admin client.
pub struct KafkaAdmin {
    client: Arc<AdminClient<TracingContext>>,
    servers: String,
    timeout: Duration,
}

impl std::fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaAdmin")
            .field("servers", &self.servers)
            .finish_non_exhaustive()
    }
}

fn options() -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)))
}

impl KafkaAdmin {
    /// An admin client configured by `settings`. Metadata requests wait for the brokers'
    /// answer up to the produce timeout ([`KafkaSettings::produce_timeout`]).
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
        Ok(KafkaAdmin {
            client: Arc::new(client),
            servers: settings.bootstrap_servers().to_owned(),
            timeout: settings.produce_timeout(),
        })
    }

    /// The bootstrap servers.
    pub fn servers(&self) -> &str {
        &self.servers
    }

    /// Create the topics; a topic that already exists is left as it is.
    pub async fn create_topics(&self, topics: &[TopicSpec]) -> Result<(), KafkaError> {
        self.create_topics_reporting(topics).await.map(|_| ())
    }

    /// The replication factor a topic gets by default on a cluster of `brokers` live brokers:
    /// `min(3, brokers)`, and 1 when none is known.
    pub fn default_replication_for(brokers: usize) -> i32 {
        i32::try_from(brokers)
            .unwrap_or(i32::MAX)
            .clamp(1, TopicSpec::MAX_DEFAULT_REPLICATION)
    }

    /// How many brokers the cluster has (those the brokers' metadata lists: the live ones).
    pub async fn broker_count(&self) -> Result<usize, KafkaError> {
        let metadata = self.metadata(None).await?;
        Ok(metadata.brokers().len())
    }

    /// The replication factor of a topic created without one: what the cluster can hold,
    /// `min(3, live brokers)` ([`KafkaAdmin::default_replication_for`]). A broker that is down when the
    /// topic is created is not counted: the brokers would refuse more replicas than they have.
    pub async fn default_replication(&self) -> Result<i32, KafkaError> {
        let brokers = self.broker_count().await?;
        let replication = Self::default_replication_for(brokers);
        tracing::debug!(brokers, replication, servers = %self.servers, "default replication factor");
        Ok(replication)
    }

    /// Create the topics and say, topic by topic, whether each was created or already
    /// existed (left as it is). Any other refusal is an error naming the topic and the servers.
    /// A topic without a replication factor gets [`KafkaAdmin::default_replication`].
    pub async fn create_topics_reporting(
        &self,
        topics: &[TopicSpec],
    ) -> Result<Vec<(String, Creation)>, KafkaError> {
        let default = if topics.iter().any(|t| t.replication.is_none()) {
            self.default_replication().await?
        } else {
            1
        };
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|t| {
                NewTopic::new(
                    &t.name,
                    t.partitions,
                    TopicReplication::Fixed(t.replication.unwrap_or(default)),
                )
            })
            .collect();
        let results = self
            .client
            .create_topics(&new, &options())
            .await
            .map_err(|e| self.failed("create topic", &names(topics), e))?;
        let mut done = Vec::with_capacity(results.len());
        for result in results {
            match result {
                Ok(name) => {
                    tracing::info!(topic = %name, "topic created");
                    done.push((name, Creation::Created));
                }
                Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    tracing::debug!(topic = %name, "topic already exists");
                    done.push((name, Creation::AlreadyExists));
                }
                Err((name, code)) => {
                    return Err(self.admin_error("create topic", name, code.to_string()))
                }
            }
        }
        Ok(done)
    }

    /// Delete the topics; a topic that does not exist is ignored.
    pub async fn delete_topics(&self, names: &[&str]) -> Result<(), KafkaError> {
        let results = self
            .client
            .delete_topics(names, &options())
            .await
            .map_err(|e| self.failed("delete topic", &names.join(", "), e))?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
                Err((name, code)) => {
                    return Err(self.admin_error("delete topic", name, code.to_string()))
                }
            }
        }
        Ok(())
    }

    /// Every topic of the cluster (internal ones such as `__consumer_offsets` left out), by
    /// name, with their partitions (no watermarks).
    pub async fn list_topics(&self) -> Result<Vec<TopicInfo>, KafkaError> {
        let metadata = self.metadata(None).await?;
        let mut topics: Vec<TopicInfo> = metadata
            .topics()
            .iter()
            .filter(|t| !t.name().starts_with("__") && t.error().is_none())
            .map(|t| topic_info(t, t.name()))
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(topics)
    }

    /// The full topic `name` with its partitions and their watermarks; `None` when it does not
    /// exist.
    pub async fn describe_topic(&self, name: &str) -> Result<Option<TopicInfo>, KafkaError> {
        let metadata = self.metadata(Some(name)).await?;
        let Some(topic) = metadata.topics().iter().find(|t| t.name() == name) else {
            return Ok(None);
        };
        match topic.error().map(RDKafkaErrorCode::from) {
            None => {}
            Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                return Ok(None)
            }
            Some(code) => return Err(self.admin_error("describe topic", name, code.to_string())),
        }
        let mut info = topic_info(topic, name);
        for partition in &mut info.partitions {
            let (client, topic, id, timeout) = (
                Arc::clone(&self.client),
                name.to_owned(),
                partition.id,
                self.timeout,
            );
            let watermarks = tokio::task::spawn_blocking(move || {
                client
                    .inner()
                    .fetch_watermarks(&topic, id, Timeout::After(timeout))
            })
            .await
            .map_err(|e| self.admin_error("describe topic", name, e.to_string()))?
            .map_err(|e| self.failed("describe topic", &format!("{name}/{id}"), e))?;
            partition.watermarks = Some(watermarks);
        }
        Ok(Some(info))
    }

    /// The topic's `min.insync.replicas` (its own, else the brokers' default), asked with
    /// `timeout`.
    pub async fn min_insync_replicas(
        &self,
        topic: &str,
        timeout: Duration,
    ) -> Result<usize, KafkaError> {
        let opts = AdminOptions::new().request_timeout(Some(timeout));
        let results = self
            .client
            .describe_configs(&[ResourceSpecifier::Topic(topic)], &opts)
            .await
            .map_err(|e| self.failed("describe the configuration of", topic, e))?;
        let value = results
            .into_iter()
            .next()
            .and_then(Result::ok)
            .and_then(|resource| resource.get("min.insync.replicas")?.value.clone());
        value.and_then(|v| v.parse().ok()).ok_or_else(|| {
            self.admin_error(
                "describe the configuration of",
                topic,
                "no min.insync.replicas in the answer".into(),
            )
        })
    }

    async fn metadata(&self, topic: Option<&str>) -> Result<Metadata, KafkaError> {
        let (client, owned, timeout) = (
            Arc::clone(&self.client),
            topic.map(str::to_owned),
            self.timeout,
        );
        let subject = topic.unwrap_or("the topics");
        tokio::task::spawn_blocking(move || {
            client
                .inner()
                .fetch_metadata(owned.as_deref(), Timeout::After(timeout))
        })
        .await
        .map_err(|e| self.admin_error("read metadata of", subject, e.to_string()))?
        .map_err(|e| self.failed("read metadata of", subject, e))
    }

    fn admin_error(
        &self,
        operation: &'static str,
        name: impl Into<String>,
        message: String,
    ) -> KafkaError {
        KafkaError::Admin {
            operation,
            name: name.into(),
            servers: self.servers.clone(),
            message,
        }
    }

    /// A request that got no usable answer: unreachable brokers when librdkafka could not
    /// connect (a transport failure, or a connection error logged meanwhile), else the error.
    fn failed(
        &self,
        operation: &'static str,
        name: &str,
        error: rdkafka::error::KafkaError,
    ) -> KafkaError {
        let logged = self
            .client
            .inner()
            .context()
            .connection_log()
            .failure_error(self.timeout);
        let transport = matches!(
            error.rdkafka_error_code(),
            Some(RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::AllBrokersDown)
        );
        match logged {
            Some(failure) => failure,
            None if transport => KafkaError::Unreachable {
                servers: self.servers.clone(),
                timeout: self.timeout,
                reason: error.to_string(),
            },
            None => self.admin_error(operation, name, error.to_string()),
        }
    }
}

fn names(topics: &[TopicSpec]) -> String {
    topics
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn topic_info(topic: &rdkafka::metadata::MetadataTopic, name: &str) -> TopicInfo {
    let mut partitions: Vec<PartitionInfo> = topic
        .partitions()
        .iter()
        .map(|p| PartitionInfo {
            id: p.id(),
            leader: p.leader(),
            replicas: p.replicas().to_vec(),
            isr: p.isr().to_vec(),
            watermarks: None,
        })
        .collect();
    partitions.sort_by_key(|p| p.id);
    TopicInfo {
        name: name.to_owned(),
        partitions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_replication_is_what_the_cluster_can_hold_up_to_three() {
        let by_brokers: Vec<i32> = (0..6).map(KafkaAdmin::default_replication_for).collect();
        assert_eq!(by_brokers, [1, 1, 2, 3, 3, 3]);
        assert_eq!(TopicSpec::new("t", 3).replication, None);
        assert_eq!(TopicSpec::new("t", 3).replication(2).replication, Some(2));
    }
}
