//! The generic producing receiver, as openedx-events' `general_signal_handler`: connected to the
//! signal of every configured event type, it produces each event to the enabled topics.

use super::error::{Problem, ProblemKind, ProducerConfigError};
#[cfg(feature = "outbox")]
use super::model::ProductionMode;
use super::model::{ProducerConfig, TopicConfig};
use crate::backend::{produce_to, Destination, EventProducer};
use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, AnyReceiver, EventDescriptor};
use crate::signal::{BoxFuture, ReceiverError, ReceiverId, PRODUCING_NOTHING};
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The receivers that produce configured events to the bus; disconnected when dropped.
///
/// [`ConfiguredProducer::connect`] connects one receiver (named [`RECEIVER_NAME`]) to the signal of
/// each event type that has an enabled topic; an event type whose topics are all disabled gets no
/// receiver, and a disabled topic costs nothing. On each event the receiver:
///
/// - does nothing when the event came from the bus (`from_event_bus`, set by
///   `send_event_with_custom_metadata`), so that consumed events are not produced again;
/// - does nothing when its producer does not take events from the current sender (the producer
///   of a test's `MemoryBus` takes only that test's events, see `consume::MemoryBus`);
/// - produces the event to every enabled topic at once, keyed by that topic's `event_key_field`
///   (the producer backend adds `EVENT_BUS_TOPIC_PREFIX` to the topic);
/// - logs every failure, and returns them all as one [`ProduceFailures`](crate::backend::ProduceFailures) error, which a robust
///   signal reports in its `SendReport`.
///
/// ```
/// use eventbus_runtime::backend::MemoryProducer;
/// use eventbus_runtime::producer_config::{ConfiguredProducer, ProducerConfig};
/// use std::sync::Arc;
///
/// let config = ProducerConfig::from_value(&serde_json::json!({}))?;
/// let producing = ConfiguredProducer::connect(&config, Arc::new(MemoryProducer::new()))?;
/// assert_eq!(producing.event_types().count(), 0);
/// producing.disconnect();
/// # Ok::<(), eventbus_runtime::producer_config::ProducerConfigError>(())
/// ```
#[must_use = "dropping a ConfiguredProducer disconnects its receivers; see keep_connected"]
pub struct ConfiguredProducer {
    connections: Vec<Connection>,
    /// Counted in `signal::PRODUCING_NOTHING` (it has no connection) until dropped.
    producing_nothing: bool,
}

/// The name of the receivers that [`ConfiguredProducer`] connects.
pub const RECEIVER_NAME: &str = crate::signal::PRODUCING_RECEIVER;

struct Connection {
    descriptor: &'static EventDescriptor,
    id: ReceiverId,
    topics: Arc<[TopicConfig]>,
}

impl ConfiguredProducer {
    /// Connect a producing receiver to the signal of every event type of `config` that has an
    /// enabled topic. Fails, naming each topic, when a topic's production mode is `outbox`: use
    /// [`connect_with_outbox`](Self::connect_with_outbox) then.
    pub fn connect(
        config: &ProducerConfig,
        producer: Arc<dyn EventProducer>,
    ) -> Result<Self, ProducerConfigError> {
        let problems: Vec<Problem> = config
            .outbox_topics()
            .map(|(event_type, topic)| {
                Problem::topic(event_type, &topic.topic, ProblemKind::OutboxNotConfigured)
            })
            .collect();
        if !problems.is_empty() {
            return Err(ProducerConfigError::new(problems));
        }
        Ok(Self::connect_receivers(config, producer, None))
    }

    /// As [`connect`](Self::connect), with the outbox that the topics in `outbox` mode write to
    /// when an event is sent outside an [`EventTransaction`](crate::outbox::EventTransaction).
    #[cfg(feature = "outbox")]
    pub fn connect_with_outbox(
        config: &ProducerConfig,
        producer: Arc<dyn EventProducer>,
        outbox: crate::outbox::Outbox,
    ) -> Self {
        Self::connect_receivers(config, producer, Some(outbox))
    }

    fn connect_receivers(
        config: &ProducerConfig,
        producer: Arc<dyn EventProducer>,
        outbox: Option<OutboxHandle>,
    ) -> Self {
        let mut connections = Vec::new();
        for event in config.event_types() {
            let topics: Arc<[TopicConfig]> = event
                .enabled_topics()
                .map(|t| TopicConfig {
                    mode: Some(config.mode_of(t)),
                    ..t.clone()
                })
                .collect();
            if topics.is_empty() {
                tracing::info!(
                    event_type = event.event_type(),
                    "every topic is disabled: the event type is not produced"
                );
                continue;
            }
            let receiver = receiver(producer.clone(), topics.clone(), outbox.clone());
            match event.descriptor().connect(RECEIVER_NAME, receiver) {
                Ok(id) => {
                    tracing::info!(
                        event_type = event.event_type(),
                        topics = ?topics.iter().map(|t| (t.topic.as_str(), t.mode.unwrap_or_default().name())).collect::<Vec<_>>(),
                        "producing the event type to the event bus"
                    );
                    connections.push(Connection {
                        descriptor: event.descriptor(),
                        id,
                        topics,
                    });
                }
                // Validation refuses in-process-only event types, so this does not happen.
                Err(error) => tracing::error!(%error, "event type not connected"),
            }
        }
        let producing_nothing = connections.is_empty();
        if producing_nothing {
            PRODUCING_NOTHING.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                setting = super::ENV_VAR,
                event_types = config.event_types().count(),
                "the producer configuration (EVENT_BUS_PRODUCER_CONFIG) is unset or has no enabled \
                 topic: no event is produced to the event bus"
            );
        }
        ConfiguredProducer {
            connections,
            producing_nothing,
        }
    }

    /// Whether nothing is produced: the configuration was unset or empty, or every topic was
    /// disabled. The configured producer then warned (once, and once per event type sent).
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    /// The event types whose events are produced.
    pub fn event_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.connections.iter().map(|c| c.descriptor.event_type)
    }

    /// The enabled topics an event type is produced to, each with its production mode (its own, or
    /// the configuration's default); empty if it is not produced.
    pub fn topics(&self, event_type: &str) -> &[TopicConfig] {
        self.connections
            .iter()
            .find(|c| c.descriptor.event_type == event_type)
            .map_or(&[], |c| &c.topics)
    }

    /// Disconnect every receiver (what dropping does).
    pub fn disconnect(self) {}

    /// Keep the receivers connected for the rest of the program, as Python connects
    /// `general_signal_handler` once at start-up.
    pub fn keep_connected(mut self) {
        // Producing nothing for the rest of the program: still warned about when events are sent.
        self.producing_nothing = false;
        let connections = std::mem::take(&mut self.connections);
        tracing::debug!(
            event_types = connections.len(),
            "producing receivers stay connected"
        );
    }
}

impl Drop for ConfiguredProducer {
    fn drop(&mut self) {
        if self.producing_nothing {
            PRODUCING_NOTHING.fetch_sub(1, Ordering::Relaxed);
        }
        for connection in self.connections.drain(..) {
            let event_type = connection.descriptor.event_type;
            if connection.descriptor.disconnect(connection.id) {
                tracing::debug!(event_type, "producing receiver disconnected");
            } else {
                tracing::warn!(event_type, "producing receiver was already disconnected");
            }
        }
    }
}

impl fmt::Debug for ConfiguredProducer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for c in &self.connections {
            map.entry(
                &c.descriptor.event_type,
                &c.topics.iter().map(|t| &t.topic).collect::<Vec<_>>(),
            );
        }
        map.finish()
    }
}

/// The outbox the receivers write to outside a transaction (only with the `outbox` feature).
#[cfg(feature = "outbox")]
type OutboxHandle = crate::outbox::Outbox;
#[cfg(not(feature = "outbox"))]
type OutboxHandle = NoOutbox;

/// No outbox: there is none without the `outbox` feature.
#[cfg(not(feature = "outbox"))]
#[derive(Clone)]
enum NoOutbox {}

fn receiver(
    producer: Arc<dyn EventProducer>,
    topics: Arc<[TopicConfig]>,
    outbox: Option<OutboxHandle>,
) -> AnyReceiver {
    Arc::new(
        move |event: Arc<dyn AnyEvent>, metadata: EventsMetadata, from_event_bus: bool| {
            let producer = producer.clone();
            let topics = topics.clone();
            let outbox = outbox.clone();
            Box::pin(async move {
                let event_type = event.descriptor().event_type;
                if from_event_bus {
                    tracing::debug!(
                        event_type,
                        event_id = %metadata.id,
                        "not producing an event that came from the event bus (preventing recursion)"
                    );
                    return Ok(());
                }
                if !producer.accepts_current_sender() {
                    tracing::debug!(
                        event_type,
                        event_id = %metadata.id,
                        "not producing: the event was sent by another test than this bus' own"
                    );
                    return Ok(());
                }
                let now = by_mode(
                    producer.clone(),
                    &topics,
                    &event,
                    &metadata,
                    outbox.as_ref(),
                )
                .await?;
                if now.is_empty() {
                    return Ok(());
                }
                produce_to(&*producer, &destinations(&now), event, metadata)
                    .await
                    .map_err(|e| Box::new(e) as ReceiverError)
            }) as BoxFuture<'static, Result<(), ReceiverError>>
        },
    )
}

/// Hand the `outbox` and `on-commit` topics of an event to the transaction it is sent in (or, with
/// none, write its outbox rows at once); the topics to produce to now.
#[cfg(feature = "outbox")]
async fn by_mode(
    producer: Arc<dyn EventProducer>,
    topics: &[TopicConfig],
    event: &Arc<dyn AnyEvent>,
    metadata: &EventsMetadata,
    outbox: Option<&OutboxHandle>,
) -> Result<Vec<TopicConfig>, ReceiverError> {
    use crate::outbox::OutboxRow;
    let scope = crate::outbox::current_scope();
    let mut now = Vec::new();
    let mut deferred = Vec::new();
    let mut rows = Vec::new();
    for topic in topics {
        match topic.mode.unwrap_or_default() {
            ProductionMode::Immediate => now.push(topic.clone()),
            ProductionMode::OnCommit if scope.is_some() => deferred.push(topic.clone()),
            ProductionMode::OnCommit => now.push(topic.clone()),
            ProductionMode::Outbox => rows.push(OutboxRow::new(
                &**event,
                metadata,
                &topic.topic,
                &topic.event_key_field,
            )?),
        }
    }
    match (&scope, rows.is_empty()) {
        (_, true) => {}
        (Some(scope), false) => rows.into_iter().for_each(|row| scope.add_row(row)),
        (None, false) => {
            let outbox = outbox.ok_or("the outbox mode needs an outbox (connect_with_outbox)")?;
            outbox.insert(&rows).await?;
            tracing::debug!(
                event_type = event.descriptor().event_type,
                event_id = %metadata.id,
                rows = rows.len(),
                "event written to the outbox"
            );
        }
    }
    if let (Some(scope), false) = (&scope, deferred.is_empty()) {
        scope.defer(
            producer,
            destinations(&deferred),
            event.clone(),
            metadata.clone(),
        );
    }
    Ok(now)
}

/// Without the `outbox` feature every topic is produced at once (`on-commit` with no transaction;
/// `outbox` topics cannot be connected).
#[cfg(not(feature = "outbox"))]
async fn by_mode(
    _producer: Arc<dyn EventProducer>,
    topics: &[TopicConfig],
    _event: &Arc<dyn AnyEvent>,
    _metadata: &EventsMetadata,
    _outbox: Option<&OutboxHandle>,
) -> Result<Vec<TopicConfig>, ReceiverError> {
    Ok(topics.to_vec())
}

/// Where each topic's events go.
fn destinations(topics: &[TopicConfig]) -> Vec<Destination> {
    topics.iter().map(TopicConfig::destination).collect()
}
