//! What every consumer backend shares: the [`MessageError`] of a message that cannot be
//! processed, the [`ConsumeSummary`] of a run, dispatching a decoded event to its receivers, and
//! graceful shutdown ([`CancellationToken`], [`cancel_on_signal`]).

mod message_error;
mod shutdown;

pub use message_error::MessageError;
pub use shutdown::cancel_on_signal;
pub use tokio_util::sync::CancellationToken;

use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, EventDescriptor};
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
}

/// Send an event read from the bus to its receivers (as from the bus); any receiver error makes
/// the message fail, as `edx-event-bus-kafka`'s `_check_receiver_results` does.
pub(crate) async fn dispatch(
    event: Arc<dyn AnyEvent>,
    metadata: EventsMetadata,
) -> Result<(), MessageError> {
    let event_type = event.descriptor().event_type;
    match EventDescriptor::dispatch_from_bus(event, metadata).await {
        Ok(report) if report.is_ok() => Ok(()),
        Ok(report) => Err(MessageError::Receivers {
            event_type,
            receivers: report.receivers,
            failed: report.failures.len(),
            details: report
                .failures
                .iter()
                .map(|f| format!("{}={}", f.receiver, f.error))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        Err(error) => Err(MessageError::Receivers {
            event_type,
            receivers: 1,
            failed: 1,
            details: format!("{}={}", error.receiver, error.error),
        }),
    }
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
