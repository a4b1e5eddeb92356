//! The Redis side of an inspection consumer: each entry's [`MessageOrigin`] and the
//! [`UnknownHandler`] hook for event types this program has no type for. An entry carries no
//! schema (edx-event-bus-redis writes the data with the signal's schema alone), so the handler
//! gets the fields and the Avro bytes, without a writer schema.

use super::RedisConsumer;
use crate::consume::{handle_unknown, MessageError, MessageOrigin, UnknownEvent, UnknownHandler};
use crate::redis::entry::{StreamEntry, EVENT_DATA, NAMES};

impl RedisConsumer {
    /// Give the entries of event types this program has no type for to `handler` (with their
    /// fields, metadata and Avro data) instead of failing them with
    /// [`MessageError::UnknownEventType`]; the handler's `Ok` acknowledges the entry.
    #[must_use]
    pub fn on_unknown(mut self, handler: UnknownHandler) -> Self {
        self.on_unknown = Some(handler);
        self
    }

    /// Where `entry` was read from.
    pub(super) fn origin(&self, entry: &StreamEntry) -> MessageOrigin {
        MessageOrigin::Redis {
            stream: self.full_topic.clone(),
            entry_id: entry.id.clone(),
        }
    }

    /// An entry of the unknown type `event_type`: to the [`UnknownHandler`], else failed.
    pub(super) async fn unknown(
        &self,
        entry: &StreamEntry,
        fields: &[(String, Option<Vec<u8>>)],
        event_type: String,
    ) -> Result<(), MessageError> {
        let Some(handler) = &self.on_unknown else {
            return Err(MessageError::UnknownEventType { event_type });
        };
        let metadata = NAMES.metadata(fields)?;
        let data = entry.event_data()?.ok_or(MessageError::NoValue)?.to_vec();
        let event = UnknownEvent {
            event_type,
            metadata,
            headers: fields
                .iter()
                .filter(|(name, _)| name != EVENT_DATA)
                .cloned()
                .collect(),
            writer_schema: None,
            data,
            origin: self.origin(entry),
        };
        handle_unknown(handler, event).await
    }
}
