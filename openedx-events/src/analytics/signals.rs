//! Events of the `analytics` domain.

use super::data::*;
use eventbus_runtime::prelude::*;

/// Sent for each tracking log event that the event-tracking library emits, so that it can be
/// forwarded to analytics consumers.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.analytics.tracking.event.emitted.v1",
    key_field = "tracking_log.name"
)]
pub struct TrackingEventEmitted {
    /// The tracking log event.
    pub tracking_log: TrackingLogData,
}
