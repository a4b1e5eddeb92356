//! A producer of messages as they are (key, value and headers given as bytes), waiting for the
//! brokers' acknowledgement of each (`acks=all`, idempotence: [`super::config::producer_config`]):
//! what the dead-letter topic and redriving dead letters back to their source topic need.

use super::client_logs::{ConnectionLog, TracingContext};
use super::config::producer_config;
use super::error::KafkaError;
use crate::backend::{Delivery, DeliveryPosition};
use crate::settings::KafkaSettings;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use std::sync::Arc;
use std::time::Duration;

/// How long a message may wait for room in librdkafka's queue.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

/// One message to produce.
#[derive(Debug, Clone, Copy)]
pub struct RawMessage<'a> {
    /// The full topic.
    pub topic: &'a str,
    /// The key, if any (it chooses the partition, as for any keyed message).
    pub key: Option<&'a [u8]>,
    /// The value, if any.
    pub value: Option<&'a [u8]>,
    /// The headers, in order.
    pub headers: &'a [(String, Option<Vec<u8>>)],
}

/// Produces messages as they are and waits for each acknowledgement.
pub struct RawProducer {
    producer: FutureProducer<TracingContext>,
    log: Arc<ConnectionLog>,
}

impl std::fmt::Debug for RawProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawProducer")
            .field("servers", &self.log.servers())
            .finish_non_exhaustive()
    }
}

impl RawProducer {
    /// A producer configured by `settings`; `client` names it in logs (e.g. "dead-letter
    /// producer").
    pub fn new(settings: &KafkaSettings, client: &'static str) -> Result<Self, KafkaError> {
        let context = TracingContext::new(client, settings.bootstrap_servers());
        RawProducer::with_context(settings, client, context)
    }

    /// The same, counting in the process' readiness (a consumer's dead-letter producer; see
    /// [`TracingContext::with_readiness`]).
    pub fn with_readiness(
        settings: &KafkaSettings,
        client: &'static str,
    ) -> Result<Self, KafkaError> {
        let context = TracingContext::with_readiness(client, settings.bootstrap_servers());
        RawProducer::with_context(settings, client, context)
    }

    fn with_context(
        settings: &KafkaSettings,
        client: &'static str,
        context: TracingContext,
    ) -> Result<Self, KafkaError> {
        let producer = producer_config(settings)
            .create_with_context(context.clone())
            .map_err(|source| KafkaError::Create { client, source })?;
        Ok(RawProducer {
            log: Arc::clone(context.connection_log()),
            producer,
        })
    }

    /// The bootstrap servers.
    pub fn servers(&self) -> &str {
        self.log.servers()
    }

    /// Produce `message` and wait until the brokers have it (or it failed: within the produce
    /// timeout, librdkafka's `message.timeout.ms`).
    pub async fn send(&self, message: &RawMessage<'_>) -> Result<Delivery, KafkaError> {
        let headers = message.headers.iter().fold(
            OwnedHeaders::new_with_capacity(message.headers.len()),
            |headers, (key, value)| {
                headers.insert(Header {
                    key,
                    value: value.as_deref(),
                })
            },
        );
        let mut record: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(message.topic).headers(headers);
        if let Some(key) = message.key {
            record = record.key(key);
        }
        if let Some(value) = message.value {
            record = record.payload(value);
        }
        match self
            .producer
            .send(record, Timeout::After(QUEUE_TIMEOUT))
            .await
        {
            Ok(delivery) => {
                self.log.connected();
                Ok(Delivery {
                    topic: message.topic.to_owned(),
                    position: DeliveryPosition::Kafka {
                        partition: delivery.partition,
                        offset: delivery.offset,
                    },
                })
            }
            Err((source, _)) => Err(KafkaError::Delivery {
                topic: message.topic.to_owned(),
                source,
            }),
        }
    }

    /// Deliver what is queued.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout).map_err(KafkaError::Flush)
    }
}
