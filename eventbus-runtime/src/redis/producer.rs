//! The Redis producer, as `edx_event_bus_redis/internal/producer.py`: each event is added to the
//! stream `{EVENT_BUS_TOPIC_PREFIX}-{topic}` with `XADD <stream> MAXLEN ~ <n> *` and the fields of
//! [`super::entry`]. The key field is not used by Redis (Python ignores it too).
//!
//! A delivered event is audit-logged (stream, entry id, message id); a failure is logged with the
//! full event data and metadata as JSON, so that it can be sent again, and returned to the caller.

use super::connection::connect;
use super::entry::entry_fields;
use super::error::RedisError;
use crate::backend::{Delivery, DeliveryPosition, EventProducer, ProduceError};
use crate::metadata::EventsMetadata;
use crate::registry::AnyEvent;
use crate::settings::full_topic;
use crate::settings::RedisSettings;
use crate::signal::BoxFuture;
use crate::telemetry::metrics::{ProducerMetrics, System};
use crate::telemetry::trace::TRACEPARENT;
use redis::aio::ConnectionManager;
use std::sync::Arc;
use std::time::Duration;

/// How long Redis may take to answer an `XADD`.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Produces events to Redis streams.
#[derive(Clone)]
pub struct RedisProducer {
    connection: ConnectionManager,
    topic_prefix: Option<String>,
    stream_max_len: Option<u64>,
    audit_logging: bool,
    /// Whether the ERROR line of an event that could not be added holds its data.
    log_payloads: bool,
    metrics: Arc<ProducerMetrics>,
}

impl std::fmt::Debug for RedisProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisProducer")
            .field("topic_prefix", &self.topic_prefix)
            .field("stream_max_len", &self.stream_max_len)
            .finish_non_exhaustive()
    }
}

impl RedisProducer {
    /// Connect to the Redis of `settings`.
    pub async fn new(settings: &RedisSettings) -> Result<Self, RedisError> {
        Ok(RedisProducer {
            connection: connect(settings, RESPONSE_TIMEOUT).await?,
            topic_prefix: settings.topic_prefix().map(str::to_owned),
            stream_max_len: settings.stream_max_len(),
            audit_logging: settings.common().audit_logging_enabled,
            log_payloads: settings.common().log_payloads,
            metrics: Arc::new(ProducerMetrics::new(System::Redis)),
        })
    }

    /// Produce an event; see [`EventProducer::send`]. Resolves with the stream and entry id.
    pub async fn send_event(
        &self,
        topic: &str,
        event_key_field: &str,
        event: Arc<dyn AnyEvent>,
        metadata: &EventsMetadata,
    ) -> Result<Delivery, ProduceError> {
        let descriptor = event.descriptor();
        let event_type = descriptor.event_type;
        descriptor.schema()?;
        let stream = full_topic(self.topic_prefix.as_deref(), topic);
        let sending = self.metrics.sending(&stream, event_type, &metadata.id);
        let mut command = redis::cmd("XADD");
        command.arg(&stream);
        if let Some(len) = self.stream_max_len {
            command.arg("MAXLEN").arg("~").arg(len);
        }
        command.arg("*");
        for (name, value) in entry_fields(metadata, event.encode()) {
            command.arg(name).arg(value);
        }
        command.arg(TRACEPARENT).arg(sending.traceparent());
        let mut connection = self.connection.clone();
        match command.query_async::<String>(&mut connection).await {
            Ok(entry_id) => {
                sending.acknowledged();
                if self.audit_logging {
                    tracing::info!(
                        topic = %stream,
                        message_id = %metadata.id,
                        event_type,
                        redis_msg_id = %entry_id,
                        "Message delivered to Redis event bus"
                    );
                }
                Ok(Delivery {
                    topic: stream,
                    position: DeliveryPosition::Redis { entry_id },
                })
            }
            Err(source) => {
                let error = RedisError::Command {
                    command: "XADD",
                    stream: stream.clone(),
                    source,
                };
                // The data may hold learners' personal data: only when asked for.
                tracing::error!(
                    topic = %stream,
                    initial_topic = topic,
                    event_type,
                    event_key_field,
                    event_data = self
                        .log_payloads
                        .then(|| tracing::field::display(event.to_json())),
                    event_metadata = %metadata.to_json(),
                    error = %error,
                    "Error delivering message to Redis event bus"
                );
                Err(ProduceError::Transport {
                    event_type,
                    topic: stream,
                    source: Box::new(error),
                })
            }
        }
    }
}

impl EventProducer for RedisProducer {
    fn send<'a>(
        &'a self,
        topic: &'a str,
        event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>> {
        Box::pin(self.send_event(topic, event_key_field, event, metadata))
    }

    /// Nothing is queued: each send resolves when Redis added the entry.
    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        Box::pin(async { Ok(()) })
    }
}
