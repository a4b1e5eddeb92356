//! The Kafka producer: [`KafkaProducer`], an [`EventProducer`] that writes events as
//! `edx-event-bus-kafka`'s `KafkaEventProducer` does, so that Python consumers read them.
//!
//! - topic `{prefix}-{topic}`;
//! - key: the value at `event_key_field`, Avro with the key field's schema, framed with the id of
//!   that schema registered under `{full topic}-{type}` (`-string`, `-long`...);
//! - value: the event, Avro, framed with the id of the event schema registered under
//!   `{full topic}-{event type}.CloudEvent`;
//! - the schemas are registered with the exact text Python registers (`json.dumps(schema,
//!   sort_keys=True)`), so both languages share the registry entries and ids;
//! - the CloudEvents headers of [`super::headers`].
//!
//! Unlike Python, delivery failures are returned to the caller (as well as logged with the event
//! data and metadata as JSON, so the event can be sent again), and the producer asks for
//! `acks=all` and idempotence.
//!
//! It also fails fast: before the first event to a topic it reads the topic's metadata (once per
//! topic, bounded by [`KafkaSettings::produce_timeout`]), and an event is acknowledged within that
//! time or fails. Brokers that cannot be reached give [`KafkaError::Unreachable`] (naming the
//! bootstrap servers and librdkafka's last connection error), a topic that does not exist
//! [`KafkaError::UnknownTopic`] (also when it was deleted after its first event: a delivery that
//! times out has its topic checked again), a broker that does not answer in time
//! [`KafkaError::TimedOut`]. Each step (metadata, room in librdkafka's queue, acknowledgement)
//! takes at most the produce timeout.

use super::client_logs::{ConnectionLog, TracingContext};
use super::config::producer_config;
use super::error::KafkaError;
use super::framing::frame;
use super::headers::owned_headers;
use crate::backend::{Delivery, DeliveryPosition, EventProducer, ProduceError};
use crate::kafka::schema_registry::SchemaRegistryClient;
use crate::key::{key_record_name, key_schema, KeyValue};
use crate::metadata::EventsMetadata;
use crate::registry::AnyEvent;
use crate::settings::full_topic;
use crate::settings::KafkaSettings;
use crate::signal::BoxFuture;
use crate::sync::LockUnpoisoned;
use crate::telemetry::metrics::{ProducerMetrics, System};
use crate::telemetry::trace::TRACEPARENT;
use rdkafka::message::Header;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The registry subject of an event's value: `{full topic}-{event type}.CloudEvent`.
pub fn value_subject(full_topic: &str, event_type: &str) -> String {
    format!("{full_topic}-{event_type}.CloudEvent")
}

/// The registry subject of a key with this key schema: `{full topic}-{record name or type}`.
pub fn key_subject(full_topic: &str, key_schema: &serde_json::Value) -> String {
    format!("{full_topic}-{}", key_record_name(key_schema))
}

/// The schema ids of one (event type, topic, key field).
#[derive(Debug, Clone, Copy)]
struct SchemaIds {
    key: u32,
    value: u32,
}

/// Schema ids by event type, then (full topic, key field): looked up without allocating.
type IdCache = HashMap<&'static str, Vec<(String, String, SchemaIds)>>;

/// How long a send waits for its outcome (librdkafka's delivery report, and a failure's cause)
/// beyond the produce timeout before it gives up with [`KafkaError::TimedOut`] (the event may
/// still be written).
const DELIVERY_REPORT_GRACE: Duration = Duration::from_secs(10);

/// A producer of events to Kafka.
pub struct KafkaProducer {
    producer: FutureProducer<TracingContext>,
    registry: Arc<SchemaRegistryClient>,
    topic_prefix: Option<String>,
    audit_logging: bool,
    /// Whether the ERROR line of an event that could not be delivered holds its key and data.
    log_payloads: bool,
    /// librdkafka's logs, shared with the producer's context.
    log: Arc<ConnectionLog>,
    /// The produce timeout: metadata, queue and acknowledgement.
    timeout: Duration,
    closed: AtomicBool,
    metrics: ProducerMetrics,
    ids: Mutex<IdCache>,
    /// Full topics whose metadata the brokers gave.
    known_topics: Mutex<HashSet<String>>,
    /// The settings, for an admin client when a delivery times out (see
    /// [`KafkaProducer::short_of_replicas`]).
    settings: KafkaSettings,
    /// That admin client, made at the first timeout, and the last answer per topic: the
    /// deliveries that time out together share one question to the brokers.
    replica_checks: tokio::sync::Mutex<ReplicaChecks>,
    /// Per full topic: when it was last checked again after a timeout, and whether it was gone
    /// (see [`KafkaProducer::topic_gone`]).
    topic_rechecks: tokio::sync::Mutex<Answers<bool>>,
}

/// The brokers' answers about each full topic, with when they were given.
type Answers<T> = HashMap<String, (std::time::Instant, T)>;

/// The answer about `full_topic` given less than `within` ago.
fn fresh<T: Clone>(answers: &Answers<T>, full_topic: &str, within: Duration) -> Option<T> {
    answers
        .get(full_topic)
        .filter(|(asked, _)| asked.elapsed() < within)
        .map(|(_, answer)| answer.clone())
}

/// What [`KafkaProducer::short_of_replicas`] keeps between calls.
#[derive(Default)]
struct ReplicaChecks {
    admin: Option<super::KafkaAdmin>,
    /// Per full topic: when it was asked, and the partitions short of in-sync replicas.
    answers: Answers<Option<String>>,
}

impl std::fmt::Debug for KafkaProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProducer")
            .field("topic_prefix", &self.topic_prefix)
            .field("registry", &self.registry.base_url())
            .field("servers", &self.servers())
            .field("timeout", &self.timeout)
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl KafkaProducer {
    /// A producer configured by `settings`, with its own registry client.
    pub fn new(settings: &KafkaSettings) -> Result<Self, KafkaError> {
        let registry = Arc::new(SchemaRegistryClient::from_settings(settings)?);
        KafkaProducer::with_registry(settings, registry)
    }

    /// A producer that shares a registry client (and its caches).
    pub fn with_registry(
        settings: &KafkaSettings,
        registry: Arc<SchemaRegistryClient>,
    ) -> Result<Self, KafkaError> {
        let context = TracingContext::with_readiness("producer", settings.bootstrap_servers());
        let producer: FutureProducer<TracingContext> = producer_config(settings)
            .create_with_context(context.clone())
            .map_err(|source| KafkaError::Create {
                client: "producer",
                source,
            })?;
        Ok(KafkaProducer {
            producer,
            registry,
            topic_prefix: settings.topic_prefix().map(str::to_owned),
            audit_logging: settings.common().audit_logging_enabled,
            log_payloads: settings.common().log_payloads,
            timeout: settings.produce_timeout(),
            log: Arc::clone(context.connection_log()),
            closed: AtomicBool::new(false),
            metrics: ProducerMetrics::new(System::Kafka),
            ids: Mutex::default(),
            known_topics: Mutex::default(),
            settings: settings.clone(),
            replica_checks: tokio::sync::Mutex::default(),
            topic_rechecks: tokio::sync::Mutex::default(),
        })
    }

    /// The bootstrap servers.
    pub fn servers(&self) -> &str {
        self.log.servers()
    }

    /// The producer's registry client.
    pub fn registry(&self) -> &Arc<SchemaRegistryClient> {
        &self.registry
    }

    /// Produce an event; see [`EventProducer::send`].
    pub async fn send_event(
        &self,
        topic: &str,
        event_key_field: &str,
        event: Arc<dyn AnyEvent>,
        metadata: &EventsMetadata,
    ) -> Result<Delivery, ProduceError> {
        let descriptor = event.descriptor();
        let event_type = descriptor.event_type;
        let full = full_topic(self.topic_prefix.as_deref(), topic);
        let sending = self.metrics.sending(&full, event_type, &metadata.id);
        let fail = |source: KafkaError, key: Option<&KeyValue>| {
            // The key and the data may hold learners' personal data: only when asked for.
            let payloads = self.log_payloads;
            tracing::error!(
                topic = %full,
                initial_topic = topic,
                event_type,
                event_key_field,
                event_key = key.filter(|_| payloads).map(|k| k.to_string()),
                event_data = payloads.then(|| tracing::field::display(event.to_json())),
                event_metadata = %metadata.to_json(),
                error = %source,
                "Error delivering message to Kafka event bus"
            );
            ProduceError::Transport {
                event_type,
                topic: full.clone(),
                source: Box::new(source),
            }
        };
        if self.closed.load(Ordering::Acquire) {
            return Err(ProduceError::Closed);
        }
        let schema = descriptor.schema()?;
        let key = event
            .key_at(event_key_field)
            .map_err(|source| ProduceError::KeyField { event_type, source })?;
        self.check_topic(&full)
            .await
            .map_err(|e| fail(e, Some(&key)))?;
        let ids = self
            .schema_ids(event_type, &full, event_key_field, schema)
            .await
            .map_err(|e| fail(e, Some(&key)))?;
        let key_bytes = frame(ids.key, &key.encode());
        let value_bytes = frame(ids.value, &event.encode());
        let record = FutureRecord::to(&full)
            .key(&key_bytes)
            .payload(&value_bytes)
            .headers(owned_headers(metadata).insert(Header {
                key: TRACEPARENT,
                value: Some(&sending.traceparent()),
            }));
        // librdkafka reports every delivery within the produce timeout (`message.timeout.ms`),
        // and a failure's cause is asked within seconds; yet after a broker frozen for 30 s
        // under load, sends were seen unresolved for minutes. A send is given up past the grace,
        // whatever holds it.
        let report = self.timeout + DELIVERY_REPORT_GRACE;
        let sent = tokio::time::timeout(report, async {
            match self
                .producer
                .send(record, Timeout::After(self.timeout))
                .await
            {
                Ok(delivery) => Ok(delivery),
                Err((source, _)) => Err(self.delivery_error(&full, source).await),
            }
        })
        .await;
        match sent {
            Err(_) => Err(fail(
                KafkaError::TimedOut {
                    topic: full.clone(),
                    servers: self.servers().to_owned(),
                    timeout: report,
                    reason: format!(
                        "no outcome within the produce timeout and {DELIVERY_REPORT_GRACE:?} \
                         more; the event may still be written (once)"
                    ),
                },
                Some(&key),
            )),
            Ok(Ok(delivery)) => {
                sending.acknowledged();
                self.log.connected();
                if self.audit_logging {
                    tracing::info!(
                        topic = %full,
                        partition = delivery.partition,
                        offset = delivery.offset,
                        message_id = %metadata.id,
                        key = %key,
                        "Message delivered to Kafka event bus"
                    );
                }
                Ok(Delivery {
                    topic: full.clone(),
                    position: DeliveryPosition::Kafka {
                        partition: delivery.partition,
                        offset: delivery.offset,
                    },
                })
            }
            Ok(Err(error)) => Err(fail(error, Some(&key))),
        }
    }

    /// Make sure the brokers know `full_topic`, once per topic: read its metadata, within the
    /// produce timeout.
    async fn check_topic(&self, full_topic: &str) -> Result<(), KafkaError> {
        let known = |topics: &Mutex<HashSet<String>>| topics.locked().contains(full_topic);
        if known(&self.known_topics) {
            return Ok(());
        }
        let producer = self.producer.clone();
        let topic = full_topic.to_owned();
        let timeout = self.timeout;
        let metadata = tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(Some(&topic), Timeout::After(timeout))
                .map(|metadata| {
                    metadata
                        .topics()
                        .iter()
                        .find(|t| t.name() == topic)
                        .map(|t| t.error().map(RDKafkaErrorCode::from))
                })
        })
        .await
        .unwrap_or_else(|join| {
            tracing::error!(error = %join, "topic metadata task failed");
            Err(rdkafka::error::KafkaError::Canceled)
        });
        match metadata {
            // The brokers answered, with the topic.
            Ok(Some(None)) => {
                self.log.connected();
                self.known_topics.locked().insert(full_topic.to_owned());
                Ok(())
            }
            Ok(Some(Some(
                RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic,
            ))) => {
                self.log.connected();
                Err(self.unknown_topic(full_topic))
            }
            // Another answer (a topic being created has no leader yet...): librdkafka waits for
            // it when the event is sent, within the produce timeout; check again next time.
            Ok(_) => {
                self.log.connected();
                Ok(())
            }
            Err(source) => Err(self.no_answer(full_topic, source)),
        }
    }

    /// The error of a failed delivery to `full_topic`. A timeout while the brokers can be
    /// reached may be a topic deleted since it was checked: it is checked again.
    async fn delivery_error(
        &self,
        full_topic: &str,
        source: rdkafka::error::KafkaError,
    ) -> KafkaError {
        match source.rdkafka_error_code() {
            Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                self.unknown_topic(full_topic)
            }
            Some(RDKafkaErrorCode::MessageTimedOut) => {
                if let Some(error) = self.short_of_replicas(full_topic).await {
                    return error;
                }
                if self.log.connection_error().is_none() && self.topic_gone(full_topic).await {
                    return self.unknown_topic(full_topic);
                }
                self.no_answer(full_topic, source)
            }
            _ => KafkaError::Delivery {
                topic: full_topic.to_owned(),
                source,
            },
        }
    }

    /// After a delivery timed out while the brokers answer: whether `full_topic` is gone (deleted
    /// since it was checked). Asked at most once a second per topic, however many deliveries time
    /// out together: one metadata request per failed delivery left tens of thousands of them
    /// queued after a frozen broker came back, and the sends unresolved for minutes.
    async fn topic_gone(&self, full_topic: &str) -> bool {
        const FRESH: Duration = Duration::from_secs(1);
        let mut rechecks = self.topic_rechecks.lock().await;
        if let Some(gone) = fresh(&rechecks, full_topic, FRESH) {
            return gone;
        }
        self.forget_topic(full_topic);
        let gone = matches!(
            self.check_topic(full_topic).await,
            Err(KafkaError::UnknownTopic { .. })
        );
        rechecks.insert(full_topic.to_owned(), (std::time::Instant::now(), gone));
        gone
    }

    /// After a delivery timed out: [`KafkaError::NotEnoughReplicas`] if the brokers answer
    /// (within a second each) that partitions of `full_topic` have fewer in-sync replicas than
    /// its `min.insync.replicas`.
    async fn short_of_replicas(&self, full_topic: &str) -> Option<KafkaError> {
        const ASK: Duration = Duration::from_secs(1);
        let mut checks = self.replica_checks.lock().await;
        let short = match fresh(&checks.answers, full_topic, ASK) {
            Some(short) => short,
            None => {
                let short = self.ask_replicas(&mut checks, full_topic, ASK).await;
                checks.answers.insert(
                    full_topic.to_owned(),
                    (std::time::Instant::now(), short.clone()),
                );
                short
            }
        }?;
        Some(KafkaError::NotEnoughReplicas {
            topic: full_topic.to_owned(),
            servers: self.servers().to_owned(),
            timeout: self.timeout,
            partitions: short,
        })
    }

    /// The partitions of `full_topic` with fewer in-sync replicas than its
    /// `min.insync.replicas`, as the brokers say within `ask` for each question.
    async fn ask_replicas(
        &self,
        checks: &mut ReplicaChecks,
        full_topic: &str,
        ask: Duration,
    ) -> Option<String> {
        if checks.admin.is_none() {
            checks.admin = super::KafkaAdmin::new(&self.settings).ok();
        }
        let min_insync = checks
            .admin
            .as_ref()?
            .min_insync_replicas(full_topic, ask)
            .await
            .ok()?;
        let producer = self.producer.clone();
        let topic = full_topic.to_owned();
        tokio::task::spawn_blocking(move || {
            let metadata = producer
                .client()
                .fetch_metadata(Some(&topic), Timeout::After(ask))
                .ok()?;
            let topic = metadata.topics().iter().find(|t| t.name() == topic)?;
            let short: Vec<String> = topic
                .partitions()
                .iter()
                .filter(|p| p.isr().len() < min_insync)
                .map(|p| {
                    format!(
                        "partition {} in sync {:?} of {:?}, min.insync.replicas {min_insync}",
                        p.id(),
                        p.isr(),
                        p.replicas()
                    )
                })
                .collect();
            (!short.is_empty()).then(|| short.join(", "))
        })
        .await
        .ok()?
    }

    fn forget_topic(&self, full_topic: &str) {
        self.known_topics.locked().remove(full_topic);
    }

    fn unknown_topic(&self, full_topic: &str) -> KafkaError {
        self.forget_topic(full_topic);
        KafkaError::UnknownTopic {
            topic: full_topic.to_owned(),
            servers: self.servers().to_owned(),
        }
    }

    /// No answer within the timeout: unreachable brokers if librdkafka could not connect, refused
    /// if the TLS handshake or the authentication failed.
    fn no_answer(&self, full_topic: &str, source: rdkafka::error::KafkaError) -> KafkaError {
        self.log
            .failure_error(self.timeout)
            .unwrap_or_else(|| KafkaError::TimedOut {
                topic: full_topic.to_owned(),
                servers: self.servers().to_owned(),
                timeout: self.timeout,
                reason: source.to_string(),
            })
    }

    async fn schema_ids(
        &self,
        event_type: &'static str,
        full_topic: &str,
        event_key_field: &str,
        schema: &crate::avro::EventSchema,
    ) -> Result<SchemaIds, KafkaError> {
        let cached = self.ids.locked().get(event_type).and_then(|entries| {
            entries
                .iter()
                .find(|(topic, field, _)| topic == full_topic && field == event_key_field)
                .map(|(_, _, ids)| *ids)
        });
        if let Some(ids) = cached {
            return Ok(ids);
        }
        let key_schema =
            key_schema(schema.json(), event_key_field).map_err(KafkaError::KeySchema)?;
        let key_text = crate::avro::schema::python_json(&key_schema);
        let key = self
            .registry
            .register(&key_subject(full_topic, &key_schema), &key_text)
            .await?;
        let value = self
            .registry
            .register(
                &value_subject(full_topic, event_type),
                schema.registry_text(),
            )
            .await?;
        let ids = SchemaIds { key, value };
        self.ids.locked().entry(event_type).or_default().push((
            full_topic.to_owned(),
            event_key_field.to_owned(),
            ids,
        ));
        Ok(ids)
    }

    /// Wait until every queued event is delivered (or failed).
    pub async fn flush_queue(&self) -> Result<(), KafkaError> {
        let producer = self.producer.clone();
        tokio::task::spawn_blocking(move || producer.flush(Timeout::Never))
            .await
            .unwrap_or_else(|join| {
                tracing::error!(error = %join, "producer flush task failed");
                Ok(())
            })
            .map_err(KafkaError::Flush)
    }

    /// Refuse further events and deliver the queued ones: call before the process exits.
    pub async fn close(&self) -> Result<(), KafkaError> {
        self.closed.store(true, Ordering::Release);
        self.flush_queue().await
    }
}

impl EventProducer for KafkaProducer {
    fn send<'a>(
        &'a self,
        topic: &'a str,
        event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>> {
        Box::pin(self.send_event(topic, event_key_field, event, metadata))
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        Box::pin(async move {
            self.flush_queue().await.map_err(|e| ProduceError::Flush {
                source: Box::new(e),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subjects_follow_topic_record_name_strategy() {
        assert_eq!(
            value_subject(
                "dev-learning-auth",
                "org.openedx.learning.auth.session.login.completed.v1"
            ),
            "dev-learning-auth-org.openedx.learning.auth.session.login.completed.v1.CloudEvent"
        );
        assert_eq!(
            key_subject("dev-t", &json!({"name": "usage_key", "type": "string"})),
            "dev-t-string"
        );
        assert_eq!(
            key_subject("t", &json!({"name": "id", "type": "long"})),
            "t-long"
        );
    }
}
