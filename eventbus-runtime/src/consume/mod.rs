//! What every consumer backend shares: the consumer engine (the `engine` module: reading,
//! ordered concurrency, the settle policy, revocations, shutdown), the [`ConsumerError`] that
//! stops a consumer and the [`Position`] it names, the [`MessageError`] of a message that cannot
//! be processed, the [`ConsumeSummary`] of a run, dispatching a decoded event to its receivers (the
//! consumer's own [`Handlers`] or the global signals) with retries ([`RetryPolicy`]), and
//! graceful shutdown ([`CancellationToken`], [`cancel_on_signal`]); and an in-memory bus for
//! unit tests ([`MemoryBus`]).

pub(crate) mod engine;
mod error;
mod handlers;
mod inspect;
mod lanes;
mod memory;
mod message_error;
mod shutdown;

pub use engine::HELD_PER_IN_FLIGHT;
pub use error::{ConsumerError, Position};
pub use handlers::{Handlers, OnEvent};
pub(crate) use inspect::handle_unknown;
pub use inspect::{MessageOrigin, UnknownEvent, UnknownHandler, WriterSchema};
pub use memory::{MemoryBus, MemoryConsumer};
pub use message_error::{
    is_dead_letter_field, original_fields, MessageError, DLQ_ATTEMPTS, DLQ_FAILED_RECEIVERS,
};

pub use shutdown::cancel_on_signal;
pub use tokio_util::sync::CancellationToken;

use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, EventDescriptor};
use crate::settings::RetryPolicy;
pub use crate::signal::StopConsuming;
use crate::signal::{describe_failures, AnyEnvelope, ReceiverFailure, ReceiverId};
use std::sync::Arc;

/// What a consumer run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumeSummary {
    /// Messages processed successfully.
    pub processed: u64,
    /// Messages sent to the dead-letter topic (or stream).
    pub dead_lettered: u64,
    /// Retries: times a message was read again after a transient failure (the schema registry
    /// unreachable), and times failing receivers ran again.
    pub retried: u64,
    /// Whether a receiver stopped the consumer ([`StopConsuming`]); the message it was given is
    /// left unsettled.
    pub stopped_by_receiver: bool,
}

impl ConsumeSummary {
    /// Count the retries of a message whose receivers ran `attempts` times.
    pub(crate) fn count_retries(&mut self, attempts: u32) {
        self.retried += u64::from(attempts.saturating_sub(1));
    }
}

/// [`dispatch`] of a message read by a Kafka or Redis consumer: inside its `process` span, with its
/// origin current for the receivers, the retries of its receivers counted in the metrics.
pub(crate) async fn dispatch_message(
    processing: &crate::telemetry::metrics::Processing,
    origin: MessageOrigin,
    event: Arc<dyn AnyEvent>,
    metadata: EventsMetadata,
    handlers: &Handlers,
    retry: &RetryPolicy,
) -> Result<u32, MessageError> {
    // Boxed: the receivers' futures make it kilobytes large, and unboxed it would be moved
    // (copied) into each wrapper here and into every future up to the engine's, once per message.
    let dispatching = Box::pin(dispatch(event, metadata, handlers, retry));
    let dispatched = processing.run(origin.scope(dispatching)).await;
    processing.receivers_ran(match &dispatched {
        Ok(attempts) => *attempts,
        Err(error) => error.attempts(),
    });
    dispatched
}

/// Send an event read from the bus to its receivers: the consumer's [`Handlers`], or its signal's
/// receivers (as from the bus) when it has none. Receivers that fail run again, only them, as
/// `retry` says; an error left after the last attempt makes the message fail, as
/// `edx-event-bus-kafka`'s `_check_receiver_results` does, except a [`StopConsuming`], which makes
/// it [`MessageError::Stopped`] at once. Returns how many times receivers ran (1 + retries).
pub(crate) async fn dispatch(
    event: Arc<dyn AnyEvent>,
    metadata: EventsMetadata,
    handlers: &Handlers,
    retry: &RetryPolicy,
) -> Result<u32, MessageError> {
    let (descriptor, event_id) = (event.descriptor(), metadata.id);
    let event_type = descriptor.event_type;
    // Made once: a retry runs the failed receivers on the same envelope (no copy of the event).
    let envelope = EventDescriptor::envelope(event, metadata, true);
    let (mut attempt, mut receivers, mut rerun) = (1, 0, None);
    loop {
        let last = attempt > retry.retries;
        let outcome = deliver(descriptor, &envelope, event_id, handlers, rerun.take()).await;
        if attempt == 1 {
            receivers = outcome.receivers;
        }
        if outcome.failures.is_empty() {
            return Ok(attempt);
        }
        if let Some(stop) = outcome
            .failures
            .iter()
            .find_map(|f| f.error.downcast_ref::<StopConsuming>())
        {
            return Err(MessageError::Stopped {
                reason: stop.reason.clone(),
            });
        }
        if last {
            return Err(MessageError::Receivers {
                event_type,
                receivers,
                failed: outcome.failures.len(),
                details: describe_failures(&outcome.failures),
                failed_receivers: outcome
                    .failures
                    .iter()
                    .map(|f| f.receiver.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                attempts: attempt,
            });
        }
        let delay = retry.delay(attempt);
        tracing::info!(
            event_type,
            %event_id,
            failed = %describe_failures(&outcome.failures),
            retry = attempt,
            of = retry.retries,
            delay_ms = delay.as_millis() as u64,
            "running the failed receivers again"
        );
        tokio::time::sleep(delay).await;
        attempt += 1;
        rerun = Some(outcome.rerun);
    }
}

/// One run of the receivers.
struct Delivered {
    receivers: usize,
    failures: Vec<ReceiverFailure>,
    /// The receivers a retry runs: those that failed, and those that did not run.
    rerun: Vec<ReceiverId>,
}

async fn deliver(
    descriptor: &'static EventDescriptor,
    envelope: &AnyEnvelope,
    event_id: uuid::Uuid,
    handlers: &Handlers,
    only: Option<Vec<ReceiverId>>,
) -> Delivered {
    let sent = if handlers.is_empty() {
        descriptor
            .dispatch_envelope(envelope.clone(), event_id, only)
            .await
    } else {
        handlers
            .dispatch(descriptor.event_type, envelope, event_id, only.as_deref())
            .await
    };
    match sent {
        Ok(report) => Delivered {
            receivers: report.receivers,
            rerun: report.failures.iter().map(|f| f.id).collect(),
            failures: report.failures,
        },
        // A signal that is not robust stops at the first failing receiver.
        Err(error) => Delivered {
            receivers: 1,
            rerun: error.not_run.clone(),
            failures: vec![ReceiverFailure {
                id: error.receiver_id(),
                receiver: error.receiver,
                error: error.error,
            }],
        },
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
