//! Reading a topic from outside any consumer group, bounded: [`TopicReader`] is assigned the
//! partitions (no group, nothing committed, so no group's offsets move) and reads each from a
//! start offset up to the high watermark captured when it was opened, then stops. Made for
//! operators' tools: listing dead letters, redriving them.

use super::admin::TopicInfo;
use super::client_logs::TracingContext;
use super::config::reader_config;
use super::error::KafkaError;
use super::headers::header_pairs;
use crate::settings::KafkaSettings;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::Duration;

/// A message read from a topic, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The full topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// The timestamp (ms since the epoch), if any.
    pub timestamp_ms: Option<i64>,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl StoredMessage {
    /// The last value of the header `name` as text (lossy UTF-8), if it occurs with a value.
    pub fn header(&self, name: &str) -> Option<String> {
        crate::metadata_fields::last_value(&self.headers, name).map(String::from)
    }
}

/// Which part of a topic to read: a partition (default: all) and an offset range (inclusive;
/// default: from the low watermark to the last message).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadRange {
    /// Only this partition.
    pub partition: Option<i32>,
    /// From this offset (inclusive).
    pub from_offset: Option<i64>,
    /// Up to this offset (inclusive).
    pub to_offset: Option<i64>,
}

/// Reads a topic's messages in a range, each partition up to the high watermark it had when the
/// reader was opened.
pub struct TopicReader {
    consumer: StreamConsumer<TracingContext>,
    topic: String,
    servers: String,
    /// Per partition not finished: (next offset expected, end offset exclusive).
    pending: BTreeMap<i32, (i64, i64)>,
    idle: Duration,
}

impl std::fmt::Debug for TopicReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicReader")
            .field("topic", &self.topic)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl TopicReader {
    /// A reader of `topic` (described with its watermarks by
    /// [`super::KafkaAdmin::describe_topic`]) over `range`. Each message must come within the
    /// produce timeout ([`KafkaSettings::produce_timeout`]) or [`TopicReader::next`] fails.
    pub fn open(
        settings: &KafkaSettings,
        topic: &TopicInfo,
        range: &ReadRange,
    ) -> Result<Self, KafkaError> {
        let consumer: StreamConsumer<TracingContext> = reader_config(settings)
            .create_with_context(TracingContext::new("reader", settings.bootstrap_servers()))
            .map_err(|source| KafkaError::Create {
                client: "reader",
                source,
            })?;
        let mut pending = BTreeMap::new();
        let mut assignment = TopicPartitionList::new();
        for partition in &topic.partitions {
            if range.partition.is_some_and(|p| p != partition.id) {
                continue;
            }
            let Some((low, high)) = partition.watermarks else {
                continue;
            };
            let start = range.from_offset.map_or(low, |from| from.max(low));
            let end = range
                .to_offset
                .map_or(high, |to| to.saturating_add(1).min(high));
            if start >= end {
                continue;
            }
            assignment
                .add_partition_offset(&topic.name, partition.id, Offset::Offset(start))
                .map_err(|source| KafkaError::Read {
                    topic: topic.name.clone(),
                    servers: settings.bootstrap_servers().to_owned(),
                    source: Box::new(source),
                })?;
            pending.insert(partition.id, (start, end));
        }
        if !pending.is_empty() {
            consumer
                .assign(&assignment)
                .map_err(|source| KafkaError::Read {
                    topic: topic.name.clone(),
                    servers: settings.bootstrap_servers().to_owned(),
                    source: Box::new(source),
                })?;
        }
        Ok(TopicReader {
            consumer,
            topic: topic.name.clone(),
            servers: settings.bootstrap_servers().to_owned(),
            pending,
            idle: settings.produce_timeout(),
        })
    }

    /// The next message of the range, in offset order within a partition; `None` when every
    /// partition reached its end.
    pub async fn next(&mut self) -> Result<Option<StoredMessage>, KafkaError> {
        loop {
            let Some((&partition, &(offset, end))) = self.pending.iter().next() else {
                return Ok(None);
            };
            let received = match tokio::time::timeout(self.idle, self.consumer.recv()).await {
                Ok(received) => received,
                Err(_) => {
                    return Err(KafkaError::ReadStalled {
                        topic: self.topic.clone(),
                        partition,
                        offset,
                        end,
                        servers: self.servers.clone(),
                        timeout: self.idle,
                    })
                }
            };
            let message = match received {
                Ok(message) => message,
                Err(rdkafka::error::KafkaError::PartitionEOF(partition)) => {
                    self.pending.remove(&partition);
                    continue;
                }
                Err(source) => {
                    return Err(KafkaError::Read {
                        topic: self.topic.clone(),
                        servers: self.servers.clone(),
                        source: Box::new(source),
                    })
                }
            };
            let partition = message.partition();
            let Some(&(_, end)) = self.pending.get(&partition) else {
                continue;
            };
            if message.offset() >= end {
                self.pending.remove(&partition);
                continue;
            }
            if message.offset() + 1 >= end {
                self.pending.remove(&partition);
            } else {
                self.pending.insert(partition, (message.offset() + 1, end));
            }
            return Ok(Some(StoredMessage {
                topic: message.topic().to_owned(),
                partition,
                offset: message.offset(),
                timestamp_ms: message.timestamp().to_millis(),
                key: message.key().map(<[u8]>::to_vec),
                value: message.payload().map(<[u8]>::to_vec),
                headers: header_pairs(message.headers()),
            }));
        }
    }
}

/// The first offset of each partition of `topic` (described with its watermarks by
/// [`super::KafkaAdmin::describe_topic`]) whose timestamp is at or after `time_ms` (ms since the
/// epoch), asked of the brokers (`offsets_for_times`); a partition with no such message gets its
/// end as described. Partitions without watermarks are left out. The brokers must answer within
/// the produce timeout ([`KafkaSettings::produce_timeout`]).
pub async fn offsets_for_time(
    settings: &KafkaSettings,
    topic: &TopicInfo,
    time_ms: i64,
) -> Result<BTreeMap<i32, i64>, KafkaError> {
    let servers = settings.bootstrap_servers().to_owned();
    let name = topic.name.clone();
    let settings = settings.clone();
    let topic = topic.clone();
    tokio::task::spawn_blocking(move || offsets_for_time_blocking(&settings, &topic, time_ms))
        .await
        .map_err(|e| KafkaError::Admin {
            operation: "looking up offsets for a time",
            name,
            servers,
            message: e.to_string(),
        })?
}

fn offsets_for_time_blocking(
    settings: &KafkaSettings,
    topic: &TopicInfo,
    time_ms: i64,
) -> Result<BTreeMap<i32, i64>, KafkaError> {
    let read_error = |source| KafkaError::Read {
        topic: topic.name.clone(),
        servers: settings.bootstrap_servers().to_owned(),
        source: Box::new(source),
    };
    let consumer: rdkafka::consumer::BaseConsumer<TracingContext> = reader_config(settings)
        .create_with_context(TracingContext::new("reader", settings.bootstrap_servers()))
        .map_err(|source| KafkaError::Create {
            client: "reader",
            source,
        })?;
    let mut ends = BTreeMap::new();
    let mut query = TopicPartitionList::new();
    for partition in &topic.partitions {
        let Some((_, high)) = partition.watermarks else {
            continue;
        };
        ends.insert(partition.id, high);
        query
            .add_partition_offset(&topic.name, partition.id, Offset::Offset(time_ms))
            .map_err(read_error)?;
    }
    if ends.is_empty() {
        return Ok(ends);
    }
    let found = consumer
        .offsets_for_times(query, settings.produce_timeout())
        .map_err(read_error)?;
    let mut offsets = BTreeMap::new();
    for element in found.elements() {
        element.error().map_err(read_error)?;
        let Some(&end) = ends.get(&element.partition()) else {
            continue;
        };
        let offset = match element.offset() {
            Offset::Offset(offset) => offset.min(end),
            _ => end,
        };
        offsets.insert(element.partition(), offset);
    }
    Ok(offsets)
}
