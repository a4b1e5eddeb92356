//! One row of the outbox table: an event for one topic, with nothing Kafka- or Redis-specific.

use super::OutboxError;
use crate::metadata::EventsMetadata;
use crate::registry::{self, AnyEvent};
use std::sync::Arc;

/// One event for one topic, as the `eventbus_outbox` table holds it (the columns a Django service
/// writes too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// `event_type`: e.g. `org.openedx.learning.course.enrollment.created.v1`.
    pub event_type: String,
    /// `topic`: the topic without `EVENT_BUS_TOPIC_PREFIX` (the relay's producer adds it).
    pub topic: String,
    /// `event_key_field`: the dotted path of the key field, e.g. `enrollment.course.course_key`.
    pub event_key_field: String,
    /// `event_id`: the metadata's id (a UUID).
    pub event_id: String,
    /// `metadata`: the metadata as JSON, in the form of Python's `EventsMetadata.to_json()`.
    pub metadata: String,
    /// `event_data`: the event's Avro encoding (schemaless, the event type's current schema).
    pub event_data: Vec<u8>,
    /// `created_at_us`: when the row was written, in microseconds since the Unix epoch.
    pub created_at_us: i64,
}

impl OutboxRow {
    /// The row of `event` for `topic`, keyed by `event_key_field`. Fails when the event cannot
    /// travel on the bus or the key field does not lead to a key, so that the sender hears of it,
    /// not the relay.
    pub fn new(
        event: &dyn AnyEvent,
        metadata: &EventsMetadata,
        topic: &str,
        event_key_field: &str,
    ) -> Result<OutboxRow, OutboxError> {
        let event_type = event.descriptor().event_type;
        let encode_error = |reason: String| OutboxError::Encode {
            event_type,
            topic: topic.to_owned(),
            reason,
        };
        event
            .descriptor()
            .schema()
            .map_err(|e| encode_error(e.to_string()))?;
        event
            .key_at(event_key_field)
            .map_err(|e| encode_error(format!("key field `{event_key_field}`: {e}")))?;
        Ok(OutboxRow {
            event_type: event_type.to_owned(),
            topic: topic.to_owned(),
            event_key_field: event_key_field.to_owned(),
            event_id: metadata.id.to_string(),
            metadata: metadata.to_json().to_string(),
            event_data: event.encode(),
            created_at_us: super::now_us(),
        })
    }

    /// The event and its metadata, read back with this program's event registry; the error says
    /// why the row cannot be published by this program (unknown event type, data or metadata that
    /// do not decode).
    pub fn decode(&self) -> Result<(Arc<dyn AnyEvent>, EventsMetadata), String> {
        let descriptor = registry::find(&self.event_type)
            .ok_or_else(|| "the event type is not known to this program".to_owned())?;
        let event = descriptor
            .decode(&self.event_data, None)
            .map_err(|e| format!("event_data: {e}"))?;
        let json: serde_json::Value =
            serde_json::from_str(&self.metadata).map_err(|e| format!("metadata: {e}"))?;
        let metadata = EventsMetadata::from_json(&json).map_err(|e| format!("metadata: {e}"))?;
        if metadata.event_type != self.event_type {
            return Err(format!(
                "metadata: event_type `{}` differs from the row's",
                metadata.event_type
            ));
        }
        Ok((event, metadata))
    }
}
