//! What an inspection consumer needs beyond the typed events: where each message was read from
//! ([`MessageOrigin::current`], inside a receiver) and a hook for the messages of event types this
//! program has no type for ([`UnknownEvent`], [`UnknownHandler`]; see `on_unknown` on the Kafka
//! and Redis consumers). Without the hook such a message fails with
//! [`MessageError::UnknownEventType`] (dead-lettered or stopping the consumer).

use super::{MessageError, StopConsuming};
use crate::data_error::DataError;
use crate::metadata::EventsMetadata;
use crate::signal::{BoxFuture, ReceiverError};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static ORIGIN: MessageOrigin;
}

/// Where a consumed message was read from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MessageOrigin {
    /// A Kafka message.
    Kafka {
        /// The topic, with its prefix.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset.
        offset: i64,
        /// The key as read (framed Avro), if any.
        key: Option<Vec<u8>>,
        /// The key decoded with its writer schema from the registry (a string or a number for the
        /// keys producers write); `None` when there is no key or it cannot be decoded.
        decoded_key: Option<Value>,
    },
    /// A Redis stream entry.
    Redis {
        /// The stream, with its prefix.
        stream: String,
        /// The entry id.
        entry_id: String,
    },
}

impl MessageOrigin {
    /// The origin of the message whose event is being handled, when called from a receiver the
    /// Kafka or Redis consumer runs (on its task); `None` elsewhere, e.g. for an in-process send.
    pub fn current() -> Option<MessageOrigin> {
        ORIGIN.try_with(Clone::clone).ok()
    }

    /// Run `future` (the dispatch of this message's event) with `self` as the current origin.
    pub(crate) async fn scope<F: Future>(self, future: F) -> F::Output {
        ORIGIN.scope(self, future).await
    }
}

/// The schema a message's data was written with, from the schema registry.
#[derive(Debug, Clone)]
pub struct WriterSchema {
    /// The schema id of the message's framing.
    pub id: u32,
    /// The schema text as the registry returned it.
    pub text: String,
    /// The parsed schema.
    pub parsed: apache_avro::Schema,
}

/// A message whose event type this program has no type for, given to an [`UnknownHandler`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UnknownEvent {
    /// The event type (`ce_type` header, or `type` field in Redis).
    pub event_type: String,
    /// The metadata read from the headers (fields in Redis).
    pub metadata: EventsMetadata,
    /// Every header (Kafka) or field but `event_data` (Redis), in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// The writer schema (Kafka, from the registry); `None` in Redis, whose entries carry no
    /// schema: edx-event-bus-redis writes the data with the signal's schema alone.
    pub writer_schema: Option<WriterSchema>,
    /// The schemaless Avro data (without the Kafka framing).
    pub data: Vec<u8>,
    /// Where it was read from.
    pub origin: MessageOrigin,
}

impl UnknownEvent {
    /// The data decoded with the writer schema as JSON (see [`crate::avro::avro_to_json`]);
    /// `None` without a writer schema (Redis).
    pub fn data_json(&self) -> Option<Result<Value, DataError>> {
        self.writer_schema
            .as_ref()
            .map(|writer| crate::avro::avro_to_json(&writer.parsed, &self.data))
    }
}

/// A handler of the messages of unknown event types. `Ok` settles the message as processed
/// (committed, acknowledged); an error fails it as a failing receiver does, and
/// [`StopConsuming`] stops the consumer leaving it unsettled.
pub type UnknownHandler =
    Arc<dyn Fn(UnknownEvent) -> BoxFuture<'static, Result<(), ReceiverError>> + Send + Sync>;

/// Give `event` to `handler` (on the consumer's task, with its origin current).
pub(crate) async fn handle_unknown(
    handler: &UnknownHandler,
    event: UnknownEvent,
) -> Result<(), MessageError> {
    let event_type = event.event_type.clone();
    let origin = event.origin.clone();
    match origin.scope(handler(event)).await {
        Ok(()) => Ok(()),
        Err(error) => match error.downcast_ref::<StopConsuming>() {
            Some(stop) => Err(MessageError::Stopped {
                reason: stop.reason.clone(),
            }),
            None => Err(MessageError::UnknownHandler {
                event_type,
                error: error.to_string(),
            }),
        },
    }
}
