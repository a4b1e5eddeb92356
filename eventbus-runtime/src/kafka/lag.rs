//! Consumer groups and their lag, for operators: the groups the brokers know, their members and,
//! per partition of the topics asked about, the committed offset and how far it is behind the
//! end. Read with a client that never joins a group (no `subscribe`), bounded by a timeout.

use super::admin::TopicInfo;
use super::config::reader_config;
use super::context::TracingContext;
use super::error::KafkaError;
use crate::settings::KafkaSettings;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use std::time::Duration;

/// A consumer group with its committed offsets on some topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLag {
    /// The group id.
    pub group: String,
    /// The group's state as the coordinator reports it (`Stable`, `Empty`...).
    pub state: String,
    /// How many members the group has.
    pub members: usize,
    /// The partitions the group committed an offset for.
    pub partitions: Vec<PartitionLag>,
}

impl GroupLag {
    /// The group's total lag over its partitions.
    pub fn total_lag(&self) -> i64 {
        self.partitions.iter().map(|p| p.lag).sum()
    }
}

/// A group's position on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    /// The full topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The committed offset (the next message the group reads).
    pub committed: i64,
    /// The partition's end (high watermark).
    pub end: i64,
    /// `end - committed`, never negative.
    pub lag: i64,
}

/// The consumer groups of the cluster that committed offsets on `topics` (described with their
/// watermarks), each with its lag per partition; groups that committed nothing there are left
/// out. Every request waits at most `timeout`.
pub async fn group_lags(
    settings: &KafkaSettings,
    topics: &[TopicInfo],
    timeout: Duration,
) -> Result<Vec<GroupLag>, KafkaError> {
    let settings = settings.clone();
    let topics = topics.to_vec();
    tokio::task::spawn_blocking(move || group_lags_blocking(&settings, &topics, timeout))
        .await
        .map_err(|e| KafkaError::Admin {
            operation: "list consumer groups",
            name: "*".into(),
            servers: String::new(),
            message: e.to_string(),
        })?
}

fn group_lags_blocking(
    settings: &KafkaSettings,
    topics: &[TopicInfo],
    timeout: Duration,
) -> Result<Vec<GroupLag>, KafkaError> {
    let servers = settings.bootstrap_servers().to_owned();
    let failed = |operation: &'static str, name: &str, reason: String| KafkaError::Admin {
        operation,
        name: name.to_owned(),
        servers: servers.clone(),
        message: reason,
    };
    let create = |group: Option<&str>| -> Result<BaseConsumer<TracingContext>, KafkaError> {
        let mut config = reader_config(settings);
        if let Some(group) = group {
            config.set("group.id", group);
        }
        config
            .create_with_context(TracingContext::new("lag reader", &servers))
            .map_err(|source| KafkaError::Create {
                client: "lag reader",
                source,
            })
    };
    let lister = create(None)?;
    let list = lister
        .fetch_group_list(None, timeout)
        .map_err(|e| failed("list consumer groups", "*", e.to_string()))?;
    let mut partitions = TopicPartitionList::new();
    for topic in topics {
        for partition in &topic.partitions {
            partitions.add_partition(&topic.name, partition.id);
        }
    }
    let mut groups = Vec::new();
    for group in list.groups() {
        if group.protocol_type() != "consumer" || partitions.count() == 0 {
            continue;
        }
        let consumer = create(Some(group.name()))?;
        let committed = consumer
            .committed_offsets(partitions.clone(), timeout)
            .map_err(|e| failed("read committed offsets", group.name(), e.to_string()))?;
        let mut lags = Vec::new();
        for element in committed.elements() {
            let Offset::Offset(committed) = element.offset() else {
                continue;
            };
            let end = topics
                .iter()
                .find(|t| t.name == element.topic())
                .and_then(|t| t.partitions.iter().find(|p| p.id == element.partition()))
                .and_then(|p| p.watermarks)
                .map_or(committed, |(_, high)| high);
            lags.push(PartitionLag {
                topic: element.topic().to_owned(),
                partition: element.partition(),
                committed,
                end,
                lag: (end - committed).max(0),
            });
        }
        if !lags.is_empty() {
            groups.push(GroupLag {
                group: group.name().to_owned(),
                state: group.state().to_owned(),
                members: group.members().len(),
                partitions: lags,
            });
        }
    }
    groups.sort_by(|a, b| a.group.cmp(&b.group));
    Ok(groups)
}
