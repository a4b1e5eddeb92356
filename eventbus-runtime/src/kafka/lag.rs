//! Consumer groups and their lag, for operators: the groups the brokers know, their members and,
//! per partition of the topics asked about, the committed offset and how far it is behind the
//! end. Read with a client that never joins a group (no `subscribe`), bounded by a timeout.

use super::admin::TopicInfo;
use super::client_logs::TracingContext;
use super::config::reader_config;
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

/// Which groups [`group_lags`] asks about: reading a group's committed offsets takes a client
/// of its own (a round trip to its coordinator), so a page asks about a bounded number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSelection {
    /// Only the groups whose name contains this text.
    pub contains: Option<String>,
    /// The groups whose name contains this text (a topic prefix) are asked about first.
    pub first: Option<String>,
    /// At most this many groups are asked about.
    pub max: usize,
}

/// The groups asked about, and how many others were not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupLags {
    /// The groups that committed offsets on the topics, by name.
    pub groups: Vec<GroupLag>,
    /// How many groups of the cluster (matching [`GroupSelection::contains`]) were not asked
    /// about ([`GroupSelection::max`]).
    pub unchecked: usize,
}

/// At most this many groups are asked about at once.
const PARALLEL: usize = 8;

/// The consumer groups of the cluster that committed offsets on `topics` (described with their
/// watermarks), each with its lag per partition, among those `selection` picks; groups that
/// committed nothing there are left out. Every request waits at most `timeout`.
pub async fn group_lags(
    settings: &KafkaSettings,
    topics: &[TopicInfo],
    selection: &GroupSelection,
    timeout: Duration,
) -> Result<GroupLags, KafkaError> {
    let settings = settings.clone();
    let topics = topics.to_vec();
    let selection = selection.clone();
    tokio::task::spawn_blocking(move || {
        group_lags_blocking(&settings, &topics, &selection, timeout)
    })
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
    selection: &GroupSelection,
    timeout: Duration,
) -> Result<GroupLags, KafkaError> {
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
    let list = create(None)?
        .fetch_group_list(None, timeout)
        .map_err(|e| failed("list consumer groups", "*", e.to_string()))?;
    let mut partitions = TopicPartitionList::new();
    for topic in topics {
        for partition in &topic.partitions {
            partitions.add_partition(&topic.name, partition.id);
        }
    }
    if partitions.count() == 0 {
        return Ok(GroupLags::default());
    }
    // Groups that commit without joining (assigned partitions) have no protocol type.
    let mut candidates: Vec<(String, String, usize)> = list
        .groups()
        .iter()
        .filter(|g| matches!(g.protocol_type(), "consumer" | ""))
        .filter(|g| {
            selection
                .contains
                .as_deref()
                .is_none_or(|text| g.name().contains(text))
        })
        .map(|g| (g.name().to_owned(), g.state().to_owned(), g.members().len()))
        .collect();
    let first = selection.first.as_deref().filter(|f| !f.is_empty());
    candidates.sort_by_key(|(name, _, _)| (first.is_none_or(|f| !name.contains(f)), name.clone()));
    let unchecked = candidates.len().saturating_sub(selection.max);
    candidates.truncate(selection.max);
    let lag_of = |(group, state, members): &(String, String, usize)| -> Result<Option<GroupLag>, KafkaError> {
        let committed = create(Some(group))?
            .committed_offsets(partitions.clone(), timeout)
            .map_err(|e| failed("read committed offsets", group, e.to_string()))?;
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
        Ok((!lags.is_empty()).then(|| GroupLag {
            group: group.clone(),
            state: state.clone(),
            members: *members,
            partitions: lags,
        }))
    };
    let chunk = candidates.len().div_ceil(PARALLEL).max(1);
    let results: Vec<Result<Option<GroupLag>, KafkaError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = candidates
            .chunks(chunk)
            .map(|groups| scope.spawn(move || groups.iter().map(lag_of).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(failed(
                        "read committed offsets",
                        "*",
                        "a thread panicked".into(),
                    ))]
                })
            })
            .collect()
    });
    let mut groups = Vec::new();
    for result in results {
        if let Some(lag) = result? {
            groups.push(lag);
        }
    }
    groups.sort_by(|a, b| a.group.cmp(&b.group));
    Ok(GroupLags { groups, unchecked })
}
