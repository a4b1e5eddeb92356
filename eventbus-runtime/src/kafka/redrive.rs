//! A topic's dead letters, for operators: [`DeadLetterReader`] reads the selected dead letters of
//! a source topic from its dead-letter topic (bounded, outside any consumer group: see
//! [`TopicReader`]), passing over those of other sources; [`Redriver`] sends a dead letter's
//! original key, value and headers back to its source, acknowledged (`acks=all`). The
//! `eventbus dead-letters` command and the operator console share them.

use super::admin::KafkaAdmin;
use super::dead_letter::{ERROR_KIND, SOURCE_TOPIC};
use super::error::KafkaError;
use super::headers::EVENT_TYPE;
use super::raw_producer::{RawMessage, RawProducer};
use super::reader::{ReadRange, StoredMessage, TopicReader};
use crate::backend::Delivery;
use crate::consume::original_fields;
use crate::settings::KafkaSettings;

/// Which dead letters of a topic: a range of the dead-letter topic and header filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LetterSelection {
    /// The partition and offsets of the dead-letter topic.
    pub range: ReadRange,
    /// Only dead letters of this event type (`ce_type`).
    pub event_type: Option<String>,
    /// Only dead letters of this error kind (`dlq_error_kind`).
    pub error_kind: Option<String>,
}

impl LetterSelection {
    /// Whether `letter` is selected by the header filters.
    pub fn matches(&self, letter: &StoredMessage) -> bool {
        let wanted = |wanted: &Option<String>, name: &str| {
            wanted
                .as_ref()
                .is_none_or(|w| letter.header(name).as_deref() == Some(w.as_str()))
        };
        wanted(&self.event_type, EVENT_TYPE) && wanted(&self.error_kind, ERROR_KIND)
    }
}

/// Why the dead letters cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DeadLettersError {
    /// The dead-letter topic does not exist.
    #[error("dead-letter topic {dead_letter_topic} (of {source_topic}) does not exist on the Kafka brokers {servers}")]
    NoTopic {
        /// The full dead-letter topic.
        dead_letter_topic: String,
        /// The full source topic.
        source_topic: String,
        /// The bootstrap servers.
        servers: String,
    },
    /// The selection names a partition the dead-letter topic does not have.
    #[error("{dead_letter_topic} has no partition {partition} (it has {partitions})")]
    NoPartition {
        /// The full dead-letter topic.
        dead_letter_topic: String,
        /// The partition asked for.
        partition: i32,
        /// How many it has.
        partitions: usize,
    },
    /// Kafka failed.
    #[error(transparent)]
    Kafka(#[from] KafkaError),
}

/// Reads the selected dead letters of a source topic, up to the end its dead-letter topic had
/// when opened.
#[derive(Debug)]
pub struct DeadLetterReader {
    reader: TopicReader,
    selection: LetterSelection,
    source_topic: String,
    dead_letter_topic: String,
    several_partitions: bool,
    other_sources: usize,
}

impl DeadLetterReader {
    /// A reader of the dead letters of `topic` (without the prefix) that `selection` picks.
    pub async fn open(
        settings: &KafkaSettings,
        topic: &str,
        selection: LetterSelection,
    ) -> Result<Self, DeadLettersError> {
        let admin = KafkaAdmin::new(settings)?;
        let source_topic = settings.full_topic(topic);
        let dead_letter_topic = settings.full_topic(&settings.dead_letter_topic(topic));
        let Some(info) = admin.describe_topic(&dead_letter_topic).await? else {
            return Err(DeadLettersError::NoTopic {
                dead_letter_topic,
                source_topic,
                servers: admin.servers().to_owned(),
            });
        };
        if let Some(partition) = selection.range.partition {
            if !info.partitions.iter().any(|p| p.id == partition) {
                return Err(DeadLettersError::NoPartition {
                    dead_letter_topic,
                    partition,
                    partitions: info.partitions.len(),
                });
            }
        }
        let reader = TopicReader::open(settings, &info, &selection.range)?;
        Ok(DeadLetterReader {
            reader,
            selection,
            source_topic,
            dead_letter_topic,
            several_partitions: info.partitions.len() > 1,
            other_sources: 0,
        })
    }

    /// The next selected dead letter of the source topic; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<StoredMessage>, KafkaError> {
        while let Some(letter) = self.reader.next().await? {
            if letter
                .header(SOURCE_TOPIC)
                .is_some_and(|s| s != self.source_topic)
            {
                self.other_sources += 1;
            } else if self.selection.matches(&letter) {
                return Ok(Some(letter));
            }
        }
        Ok(None)
    }

    /// All the remaining selected dead letters.
    pub async fn collect(&mut self) -> Result<Vec<StoredMessage>, KafkaError> {
        let mut letters = Vec::new();
        while let Some(letter) = self.next().await? {
            letters.push(letter);
        }
        Ok(letters)
    }

    /// How many dead letters of other sources (a shared dead-letter topic) were passed over.
    pub fn other_sources(&self) -> usize {
        self.other_sources
    }

    /// Whether the dead-letter topic has several partitions.
    pub fn several_partitions(&self) -> bool {
        self.several_partitions
    }

    /// The full source topic.
    pub fn source_topic(&self) -> &str {
        &self.source_topic
    }

    /// The full dead-letter topic.
    pub fn dead_letter_topic(&self) -> &str {
        &self.dead_letter_topic
    }
}

/// Sends dead letters back to their source topic.
pub struct Redriver {
    producer: RawProducer,
    source_topic: String,
}

impl std::fmt::Debug for Redriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redriver")
            .field("source_topic", &self.source_topic)
            .finish_non_exhaustive()
    }
}

impl Redriver {
    /// A redriver to the source topic `topic` (without the prefix).
    pub fn new(settings: &KafkaSettings, topic: &str) -> Result<Self, KafkaError> {
        Ok(Redriver {
            producer: RawProducer::new(settings, "redrive producer")?,
            source_topic: settings.full_topic(topic),
        })
    }

    /// The full source topic.
    pub fn source_topic(&self) -> &str {
        &self.source_topic
    }

    /// Send a dead letter's original key, value and headers (the dead-letter headers left out)
    /// to the source topic; resolves when the brokers have it.
    pub async fn redrive(
        &self,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(String, Option<Vec<u8>>)],
    ) -> Result<Delivery, KafkaError> {
        let headers = original_fields(headers);
        let delivery = self
            .producer
            .send(&RawMessage {
                topic: &self.source_topic,
                key,
                value,
                headers: &headers,
            })
            .await?;
        tracing::info!(
            topic = %self.source_topic,
            partition = delivery.kafka_position().map(|(partition, _)| partition),
            offset = delivery.kafka_position().map(|(_, offset)| offset),
            "dead letter redriven"
        );
        Ok(delivery)
    }
}
