//! Reading back what a Kafka topic holds ([`read_topic`]) and where a consumer group is
//! ([`committed_offsets`]), with plain rdkafka clients (no group membership, nothing committed).

use super::error::HarnessError;
use super::events::sequence_of_avro;
use super::processed::Processed;
use eventbus_runtime::kafka::framing::unframe;
use eventbus_runtime::kafka::headers::{header_pairs, NAMES};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One message of a topic: where it is and which event it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KafkaDelivered {
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its event's sequence number (from the value) and metadata id (`ce_id`).
    pub event: Processed,
}

/// A client in `group` that never joins it nor commits (librdkafka wants a group even to read
/// assigned partitions).
fn client(bootstrap: &str, group: &str) -> Result<BaseConsumer, HarnessError> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .map_err(HarnessError::client(format!(
            "creating a client of {bootstrap}"
        )))
}

/// The partition ids of a topic.
fn partitions(client: &BaseConsumer, topic: &str) -> Result<Vec<i32>, HarnessError> {
    let metadata = client
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(HarnessError::client(format!("metadata of {topic}")))?;
    Ok(metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect())
}

/// The watermarks of `topic`/`partition`. Just after a broker returned, the answer may be that
/// leadership is moving (`NotLeaderForPartition`, `LeaderNotAvailable`): asked again every
/// 500 ms, 20 times at most.
fn watermarks(
    consumer: &BaseConsumer,
    topic: &str,
    partition: i32,
) -> Result<(i64, i64), HarnessError> {
    use rdkafka::types::RDKafkaErrorCode;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match consumer.fetch_watermarks(topic, partition, Duration::from_secs(10)) {
            Err(e)
                if attempts < 20
                    && matches!(
                        e.rdkafka_error_code(),
                        Some(
                            RDKafkaErrorCode::NotLeaderForPartition
                                | RDKafkaErrorCode::LeaderNotAvailable
                        )
                    ) =>
            {
                std::thread::sleep(Duration::from_millis(500));
            }
            result => {
                return result.map_err(HarnessError::client(format!(
                    "watermarks of {topic}/{partition}"
                )))
            }
        }
    }
}

/// Every message of `topic` (full name), from the start of each partition up to its high
/// watermark as it is when the read starts, decoded as fault-test events (at most `timeout`).
/// Blocking: call it from `spawn_blocking` in async code.
pub fn read_topic(
    bootstrap: &str,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<KafkaDelivered>, HarnessError> {
    let start = Instant::now();
    let consumer = client(bootstrap, &format!("fault-reader-{}", uuid::Uuid::new_v4()))?;
    let mut assignment = TopicPartitionList::new();
    let mut remaining: HashMap<i32, i64> = HashMap::new();
    for partition in partitions(&consumer, topic)? {
        let (low, high) = watermarks(&consumer, topic, partition)?;
        if high > low {
            remaining.insert(partition, high);
            assignment
                .add_partition_offset(topic, partition, Offset::Beginning)
                .map_err(HarnessError::client("assigning partitions"))?;
        }
    }
    consumer
        .assign(&assignment)
        .map_err(HarnessError::client(format!("assigning {topic}")))?;
    let mut messages = Vec::new();
    let mut last_error: Option<String> = None;
    while !remaining.is_empty() {
        if start.elapsed() > timeout {
            return Err(HarnessError::Timeout {
                what: format!(
                    "reading {topic} ({} messages read, partitions left: {remaining:?}, last \
                     consumption error: {})",
                    messages.len(),
                    last_error.as_deref().unwrap_or("none")
                ),
                after: timeout,
                log: String::new(),
            });
        }
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = match message {
            Ok(message) => message,
            // A broker of the cluster stopped or restarting: librdkafka reconnects or reads from
            // the new leader; the read goes on (within the timeout, which names what is left).
            Err(KafkaError::MessageConsumption(code)) => {
                last_error = Some(code.to_string());
                continue;
            }
            Err(e) => return Err(HarnessError::client(format!("reading {topic}"))(e)),
        };
        let (partition, offset) = (message.partition(), message.offset());
        let at = format!("{topic}/{partition}@{offset}");
        let corrupt = |reason: String| HarnessError::Corrupt {
            what: at.clone(),
            reason,
        };
        let metadata = NAMES
            .metadata(&header_pairs(message.headers()))
            .map_err(|e| corrupt(e.to_string()))?;
        let value = message
            .payload()
            .ok_or_else(|| corrupt("no value".into()))?;
        let (_, avro) = unframe(value).map_err(|e| corrupt(e.to_string()))?;
        messages.push(KafkaDelivered {
            partition,
            offset,
            event: Processed {
                seq: sequence_of_avro(avro)?,
                id: metadata.id,
            },
        });
        if remaining
            .get(&partition)
            .is_some_and(|&high| offset + 1 >= high)
        {
            remaining.remove(&partition);
        }
    }
    Ok(messages)
}

/// [`read_topic`] from async code (in a blocking thread); panics when the read fails.
pub async fn read_topic_async(
    bootstrap: &str,
    topic: &str,
    timeout: Duration,
) -> Vec<KafkaDelivered> {
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    tokio::task::spawn_blocking(move || read_topic(&bootstrap, &topic, timeout))
        .await
        .expect("reader task")
        .expect("read the topic back")
}

/// The events of `topic` (full name), as [`read_topic_async`] reads them.
pub async fn read_events(bootstrap: &str, topic: &str, timeout: Duration) -> Vec<Processed> {
    read_topic_async(bootstrap, topic, timeout)
        .await
        .iter()
        .map(|d| d.event)
        .collect()
}

/// The offsets `group` has committed for each partition of `topic` (full name); a partition
/// without a committed offset is absent. Blocking: call it from `spawn_blocking` in async code.
pub fn committed_offsets(
    bootstrap: &str,
    group: &str,
    topic: &str,
) -> Result<HashMap<i32, i64>, HarnessError> {
    let consumer = client(bootstrap, group)?;
    let mut list = TopicPartitionList::new();
    for partition in partitions(&consumer, topic)? {
        list.add_partition(topic, partition);
    }
    let committed = consumer
        .committed_offsets(list, Duration::from_secs(10))
        .map_err(HarnessError::client(format!(
            "committed offsets of {group} on {topic}"
        )))?;
    Ok(committed
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(offset) => Some((e.partition(), offset)),
            _ => None,
        })
        .collect())
}
