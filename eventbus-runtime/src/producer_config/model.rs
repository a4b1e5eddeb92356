//! The validated producer configuration: which event types go to which topics, keyed by which
//! field, and whether each topic is enabled.

use super::error::ProducerConfigError;
use super::load::{self, ConfigSource};
use super::validate;
use crate::registry::EventDescriptor;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A validated `EVENT_BUS_PRODUCER_CONFIG`: for each event type, the topics its events are produced
/// to.
///
/// Only made by validation ([`ProducerConfig::from_value`], [`ProducerConfig::load`]), so every
/// event type in it is registered and can travel on the bus, and every key field leads to a
/// non-optional scalar of the event's schema. Serializes back to the configuration shape
/// `{event_type: {topic: {"event_key_field": ..., "enabled": ...}}}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProducerConfig {
    pub(crate) event_types: BTreeMap<&'static str, EventTypeConfig>,
    pub(crate) default_mode: ProductionMode,
}

impl ProducerConfig {
    /// An empty configuration: nothing is produced.
    pub fn empty() -> Self {
        ProducerConfig::default()
    }

    /// Validate a configuration already parsed (e.g. with `serde_json::json!`).
    pub fn from_value(raw: &Value) -> Result<Self, ProducerConfigError> {
        validate::validate(raw)
    }

    /// Read, merge (later sources win) and validate configuration sources; see [`load::load`].
    pub fn load<I>(sources: I) -> Result<Self, ProducerConfigError>
    where
        I: IntoIterator<Item = ConfigSource>,
    {
        load::load(sources)
    }

    /// The configuration in the `EVENT_BUS_PRODUCER_CONFIG` environment variable (JSON); empty
    /// when the variable is not set.
    pub fn from_env() -> Result<Self, ProducerConfigError> {
        load::load([ConfigSource::env()])
    }

    /// The configured event types, sorted by event type.
    pub fn event_types(&self) -> impl Iterator<Item = &EventTypeConfig> {
        self.event_types.values()
    }

    /// The configuration of one event type.
    pub fn get(&self, event_type: &str) -> Option<&EventTypeConfig> {
        self.event_types.get(event_type)
    }

    /// Whether no event type is configured.
    pub fn is_empty(&self) -> bool {
        self.event_types.is_empty()
    }

    /// Whether nothing is produced: no event type is configured or every topic is disabled (an
    /// unset `EVENT_BUS_PRODUCER_CONFIG` gives such a configuration).
    pub fn produces_nothing(&self) -> bool {
        self.enabled_topics().next().is_none()
    }

    /// Every enabled (event type, topic) pair: what will be produced.
    pub fn enabled_topics(&self) -> impl Iterator<Item = (&'static str, &TopicConfig)> {
        self.event_types
            .values()
            .flat_map(|e| e.enabled_topics().map(move |t| (e.event_type(), t)))
    }

    /// The production mode of topics that do not set `mode` (`EVENT_BUS_PRODUCER_MODE`; by default
    /// [`ProductionMode::Immediate`]).
    pub fn default_mode(&self) -> ProductionMode {
        self.default_mode
    }

    /// The same configuration with another default production mode.
    pub fn with_default_mode(mut self, mode: ProductionMode) -> Self {
        self.default_mode = mode;
        self
    }

    /// The production mode of a topic: its own `mode`, else the default.
    pub fn mode_of(&self, topic: &TopicConfig) -> ProductionMode {
        topic.mode.unwrap_or(self.default_mode)
    }

    /// The enabled topics whose events go through the outbox (which must then be configured).
    pub fn outbox_topics(&self) -> impl Iterator<Item = (&'static str, &TopicConfig)> {
        self.enabled_topics()
            .filter(|(_, topic)| self.mode_of(topic) == ProductionMode::Outbox)
    }

    /// The configuration as JSON, in the shape it is written in.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for ProducerConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.event_types.len()))?;
        for (event_type, config) in &self.event_types {
            map.serialize_entry(event_type, config)?;
        }
        map.end()
    }
}

/// The topics of one event type.
#[derive(Debug, Clone)]
pub struct EventTypeConfig {
    pub(crate) descriptor: &'static EventDescriptor,
    pub(crate) topics: Vec<TopicConfig>,
}

impl EventTypeConfig {
    /// The event type.
    pub fn event_type(&self) -> &'static str {
        self.descriptor.event_type
    }

    /// The event type's registry entry.
    pub fn descriptor(&self) -> &'static EventDescriptor {
        self.descriptor
    }

    /// Every configured topic, enabled or not, in configuration order.
    pub fn topics(&self) -> &[TopicConfig] {
        &self.topics
    }

    /// The enabled topics, in configuration order.
    pub fn enabled_topics(&self) -> impl Iterator<Item = &TopicConfig> {
        self.topics.iter().filter(|t| t.enabled)
    }

    /// The configuration of one topic.
    pub fn topic(&self, topic: &str) -> Option<&TopicConfig> {
        self.topics.iter().find(|t| t.topic == topic)
    }
}

impl PartialEq for EventTypeConfig {
    fn eq(&self, other: &Self) -> bool {
        self.event_type() == other.event_type() && self.topics == other.topics
    }
}

impl Serialize for EventTypeConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.topics.len()))?;
        for topic in &self.topics {
            map.serialize_entry(&topic.topic, topic)?;
        }
        map.end()
    }
}

/// How one event type is produced to one topic. Serializes as its settings
/// (`{"event_key_field": ..., "enabled": ..., "mode": ...}`): the topic is the key of its entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicConfig {
    /// The topic, without the environment prefix (`EVENT_BUS_TOPIC_PREFIX`, which the producer
    /// backend adds).
    #[serde(skip)]
    pub topic: String,
    /// The dotted path of the field whose value keys the event (e.g. `xblock_info.usage_key`).
    pub event_key_field: String,
    /// Whether events are produced to this topic.
    pub enabled: bool,
    /// The production mode set for this topic (`mode`); `None`: the configuration's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<ProductionMode>,
}

impl TopicConfig {
    /// Where its events go.
    pub fn destination(&self) -> crate::backend::Destination {
        crate::backend::Destination {
            topic: self.topic.clone(),
            event_key_field: self.event_key_field.clone(),
        }
    }
}

/// When an event reaches the bus: openedx-events ADR 15's production modes, set per topic with
/// `mode` or for every topic with `EVENT_BUS_PRODUCER_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProductionMode {
    /// Produced when the event is sent (what Python does): a broker failure is returned to the
    /// sender and the event is not kept.
    #[default]
    Immediate,
    /// Produced after the sender's database transaction commits, and not at all if it rolls back
    /// (Django's `transaction.on_commit`); at once when no transaction is open. A broker failure
    /// after the commit is returned by the commit and the event is not kept.
    OnCommit,
    /// Written to the outbox table in the sender's database transaction (or, with no transaction
    /// open, in one of its own) and published by the outbox relay: committed means published at
    /// least once, whatever happens to the process or the broker afterwards.
    Outbox,
}

impl ProductionMode {
    /// Every mode, by its name in the configuration.
    pub const ALL: [(&'static str, ProductionMode); 3] = [
        ("immediate", ProductionMode::Immediate),
        ("on-commit", ProductionMode::OnCommit),
        ("outbox", ProductionMode::Outbox),
    ];

    /// The mode's name in the configuration: `immediate`, `on-commit` or `outbox`.
    pub fn name(self) -> &'static str {
        match self {
            ProductionMode::Immediate => "immediate",
            ProductionMode::OnCommit => "on-commit",
            ProductionMode::Outbox => "outbox",
        }
    }

    /// The mode of that name (`on_commit` is accepted for `on-commit`).
    pub fn from_name(name: &str) -> Option<ProductionMode> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, mode)| *mode)
    }
}

impl std::fmt::Display for ProductionMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
