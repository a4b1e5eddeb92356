//! Data types of the `analytics` events.

use eventbus_runtime::prelude::*;

/// A tracking log event, as emitted by the event-tracking library.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct TrackingLogData {
    /// Name of the tracking event.
    pub name: String,
    /// When the tracking event happened.
    pub timestamp: EventDateTime,
    /// The event's extra data, as a JSON object serialized to a string.
    pub data: String,
    /// The event's context (course, user, request...), as a JSON object serialized to a string.
    pub context: String,
}
