//! What every consumer backend shares: the [`MessageError`] of a message that cannot be
//! processed, the [`ConsumeSummary`] of a run, dispatching a decoded event to its receivers, and
//! graceful shutdown ([`CancellationToken`], [`cancel_on_signal`]).

mod inspect;
mod message_error;
mod shutdown;

pub(crate) use inspect::handle_unknown;
pub use inspect::{MessageOrigin, UnknownEvent, UnknownHandler, WriterSchema};
pub use message_error::MessageError;

pub use shutdown::cancel_on_signal;
pub use tokio_util::sync::CancellationToken;

use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, EventDescriptor};
use crate::signal::ReceiverFailure;
pub use crate::signal::StopConsuming;
use std::sync::Arc;

/// What a consumer run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumeSummary {
    /// Messages processed successfully.
    pub processed: u64,
    /// Messages sent to the dead-letter topic (or stream).
    pub dead_lettered: u64,
    /// Times a message was read again after a transient failure.
    pub retried: u64,
    /// Whether a receiver stopped the consumer ([`StopConsuming`]); the message it was given is
    /// left unsettled.
    pub stopped_by_receiver: bool,
}

/// Send an event read from the bus to its receivers (as from the bus); any receiver error makes
/// the message fail, as `edx-event-bus-kafka`'s `_check_receiver_results` does, except a
/// [`StopConsuming`], which makes it [`MessageError::Stopped`].
pub(crate) async fn dispatch(
    event: Arc<dyn AnyEvent>,
    metadata: EventsMetadata,
) -> Result<(), MessageError> {
    let event_type = event.descriptor().event_type;
    let (receivers, failures) = match EventDescriptor::dispatch_from_bus(event, metadata).await {
        Ok(report) => (report.receivers, report.failures),
        Err(error) => (
            1,
            vec![ReceiverFailure {
                receiver: error.receiver,
                error: error.error,
            }],
        ),
    };
    if failures.is_empty() {
        return Ok(());
    }
    if let Some(stop) = failures
        .iter()
        .find_map(|f| f.error.downcast_ref::<StopConsuming>())
    {
        return Err(MessageError::Stopped {
            reason: stop.reason.clone(),
        });
    }
    Err(MessageError::Receivers {
        event_type,
        receivers,
        failed: failures.len(),
        details: failures
            .iter()
            .map(|f| format!("{}={}", f.receiver, f.error))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Errors in a row, against the consecutive-errors limit.
#[derive(Debug, Default)]
pub(crate) struct ErrorStreak {
    limit: Option<u32>,
    count: u32,
    last: String,
}

impl ErrorStreak {
    /// A streak checked against `limit` (`None`: no limit).
    pub(crate) fn new(limit: Option<u32>) -> Self {
        ErrorStreak {
            limit,
            ..ErrorStreak::default()
        }
    }

    /// One more error.
    pub(crate) fn failed(&mut self, error: &dyn std::fmt::Display) {
        self.count += 1;
        self.last = error.to_string();
    }

    /// A success ends the streak.
    pub(crate) fn reset(&mut self) {
        self.count = 0;
    }

    /// `Some((count, last error))` once the limit is reached.
    pub(crate) fn exceeded(&self) -> Option<(u32, String)> {
        match self.limit {
            Some(limit) if self.count >= limit => Some((self.count, self.last.clone())),
            _ => None,
        }
    }
}

/// Sleep `duration` (the poll-failure sleep); `true` if `shutdown` was cancelled meanwhile.
pub(crate) async fn sleep_unless_cancelled(
    shutdown: &CancellationToken,
    duration: std::time::Duration,
) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(duration) => false,
    }
}
