//! Replay from a time (`offset_time`), as `edx-event-bus-kafka` does it: when partitions are
//! assigned to the consumer, each one starts at its first message at or after the time (or at its
//! end when there is none). Each partition is moved once per consumer; later assignments of it use
//! the group's committed offsets, which by then include what was replayed. It needs no idle group:
//! other members keep consuming their own partitions.

use chrono::{DateTime, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
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
        crate::avro::python_isoformat(&self.time)
    }

    /// Take the error of a failed lookup.
    pub fn take_error(&mut self) -> Option<String> {
        self.error.take()
    }

    /// On an assignment: move the partitions not moved yet to the time, keeping the others at
    /// their committed offsets.
    pub fn on_assign<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
        assigned: &TopicPartitionList,
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
                let mut assignment = TopicPartitionList::new();
                for element in assigned.elements() {
                    let key = (element.topic().to_owned(), element.partition());
                    let offset = found
                        .find_partition(&key.0, key.1)
                        .map_or(Offset::Invalid, |e| match e.offset() {
                            Offset::Offset(o) => Offset::Offset(o),
                            // No message at or after the time.
                            _ => Offset::End,
                        });
                    // Offset::Invalid: the committed offset.
                    if let Err(error) = assignment.add_partition_offset(&key.0, key.1, offset) {
                        self.error = Some(error.to_string());
                        return;
                    }
                }
                if let Err(error) = consumer.assign(&assignment) {
                    self.error = Some(format!("assigning the replayed offsets: {error}"));
                    return;
                }
                self.done.extend(fresh);
                tracing::info!(
                    time = %self.time(),
                    offsets = %super::consumer::describe(&assignment),
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
        for element in found.elements() {
            if let Err(e) = element.error() {
                return Err(format!("{}/{}: {e}", element.topic(), element.partition()));
            }
        }
        Ok(found)
    }
}
