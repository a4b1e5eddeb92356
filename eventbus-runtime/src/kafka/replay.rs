//! Replay from a time (`offset_time`), as `edx-event-bus-kafka` does it: when partitions are
//! assigned to the consumer, each one is moved to its first message at or after the time (or to
//! its end as it was just before the lookup, when there is none) and that offset is committed, so
//! that any later assignment of the partition starts there too. Each partition is moved once per
//! consumer. It needs no idle group: other members keep consuming their own partitions.

use chrono::{DateTime, Utc};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::HashSet;
use std::time::Duration;

/// How long the offsets lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The replay of one consumer.
#[derive(Debug)]
pub struct Replay {
    time: DateTime<Utc>,
    /// The partitions already moved.
    done: HashSet<(String, i32)>,
    /// Why the last lookup failed, until the consumer reports it.
    error: Option<String>,
}

impl Replay {
    /// Replay from `time`.
    pub fn new(time: DateTime<Utc>) -> Self {
        Replay {
            time,
            done: HashSet::new(),
            error: None,
        }
    }

    /// The time, as Python's `isoformat`.
    pub fn time(&self) -> String {
        crate::time::python_isoformat(&self.time)
    }

    /// Take the error of a failed lookup.
    pub fn take_error(&mut self) -> Option<String> {
        self.error.take()
    }

    /// On an assignment, before it is applied: start the partitions not moved yet at the time
    /// (their offsets in `assigned`), keeping the others at their committed offsets.
    pub fn on_assign<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
        assigned: &mut TopicPartitionList,
    ) {
        let fresh: Vec<(String, i32)> = assigned
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition()))
            .filter(|tp| !self.done.contains(tp))
            .collect();
        if fresh.is_empty() {
            return;
        }
        match self.lookup(consumer, &fresh) {
            Ok(found) => {
                // Committed, as Python does, so that a later assignment of these partitions (to
                // this member or another, before anything is processed) starts there too.
                if let Err(error) = consumer.commit(&found, CommitMode::Sync) {
                    self.error = Some(format!("committing the replayed offsets: {error}"));
                    return;
                }
                for element in found.elements() {
                    if let Err(error) = assigned.set_partition_offset(
                        element.topic(),
                        element.partition(),
                        element.offset(),
                    ) {
                        self.error = Some(error.to_string());
                        return;
                    }
                }
                self.done.extend(fresh);
                tracing::info!(
                    time = %self.time(),
                    offsets = %super::consumer::describe(&found),
                    "Found offsets for timestamp; replaying from there"
                );
            }
            Err(error) => self.error = Some(error),
        }
    }

    fn lookup<C: ConsumerContext>(
        &self,
        consumer: &BaseConsumer<C>,
        partitions: &[(String, i32)],
    ) -> Result<TopicPartitionList, String> {
        // The ends before the lookup: when no message is at or after the time, the partition
        // starts there, so that a message written during the lookup is not skipped.
        let mut ends = std::collections::HashMap::new();
        for (topic, partition) in partitions {
            let (_, high) = consumer
                .fetch_watermarks(topic, *partition, LOOKUP_TIMEOUT)
                .map_err(|e| format!("{topic}/{partition}: {e}"))?;
            ends.insert((topic.as_str(), *partition), high);
        }
        let millis = self.time.timestamp_millis();
        let mut query = TopicPartitionList::new();
        for (topic, partition) in partitions {
            query
                .add_partition_offset(topic, *partition, Offset::Offset(millis))
                .map_err(|e| e.to_string())?;
        }
        let found = consumer
            .offsets_for_times(query, LOOKUP_TIMEOUT)
            .map_err(|e| format!("looking up offsets for the time: {e}"))?;
        let mut offsets = TopicPartitionList::new();
        for element in found.elements() {
            let (topic, partition) = (element.topic(), element.partition());
            if let Err(e) = element.error() {
                return Err(format!("{topic}/{partition}: {e}"));
            }
            let offset = match element.offset() {
                Offset::Offset(offset) => offset,
                _ => ends
                    .get(&(topic, partition))
                    .copied()
                    .ok_or_else(|| format!("{topic}/{partition}: not asked for"))?,
            };
            offsets
                .add_partition_offset(topic, partition, Offset::Offset(offset))
                .map_err(|e| e.to_string())?;
        }
        Ok(offsets)
    }
}
