//! In-process signals: connect receivers to an event type and send events to them, as
//! openedx-events' `OpenEdxPublicSignal` (a Django signal) does.

use crate::metadata::EventsMetadata;
use crate::sync::{LockUnpoisoned, RwLockUnpoisoned};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a receiver returns when it fails.
pub type ReceiverError = Box<dyn std::error::Error + Send + Sync>;

/// An event as receivers get it: its data, its metadata, and whether it came from the event bus
/// (such events are not produced to the bus again).
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<E> {
    /// The event data.
    pub data: E,
    /// The event metadata.
    pub metadata: EventsMetadata,
    /// `true` when a consumer re-sent the event after reading it from the bus.
    pub from_event_bus: bool,
}

/// Identifies a connected receiver, to disconnect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceiverId(u64);

impl ReceiverId {
    /// A new id, unique in the process.
    pub(crate) fn next() -> Self {
        ReceiverId(NEXT_RECEIVER_ID.fetch_add(1, Ordering::Relaxed))
    }
}

/// An `Arc<Envelope<E>>` of the signal's `E`, type-erased: the dispatch loop is compiled once for
/// every event type, not once per type (75 catalog types), and only the receivers' thin wrappers
/// are generic.
pub(crate) type AnyEnvelope = Arc<dyn std::any::Any + Send + Sync>;
type SyncHandler = dyn Fn(&AnyEnvelope) -> Result<(), ReceiverError> + Send + Sync;
type AsyncHandler =
    dyn Fn(AnyEnvelope) -> BoxFuture<'static, Result<(), ReceiverError>> + Send + Sync;

enum Handler {
    Sync(Box<SyncHandler>),
    Async(Box<AsyncHandler>),
}

/// A connected receiver: a signal's, or a consumer's own handler ([`crate::consume::Handlers`]).
/// Both run through [`run_receivers`].
pub(crate) struct Receiver {
    pub(crate) id: ReceiverId,
    pub(crate) name: String,
    handler: Handler,
}

impl Receiver {
    /// A synchronous receiver of `Envelope<E>`s.
    fn sync<E: 'static, F>(name: String, receiver: F) -> Receiver
    where
        F: Fn(&Envelope<E>) -> Result<(), ReceiverError> + Send + Sync + 'static,
    {
        let handler = move |envelope: &AnyEnvelope| match envelope.downcast_ref::<Envelope<E>>() {
            Some(envelope) => receiver(envelope),
            None => Err(wrong_envelope(std::any::type_name::<E>())),
        };
        Receiver::new(name, Handler::Sync(Box::new(handler)))
    }

    /// An asynchronous receiver of `Envelope<E>`s.
    pub(crate) fn typed<E, F, Fut>(name: String, receiver: F) -> Receiver
    where
        E: Send + Sync + 'static,
        F: Fn(Arc<Envelope<E>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ReceiverError>> + Send + 'static,
    {
        let handler = move |envelope: AnyEnvelope| -> BoxFuture<'static, _> {
            match envelope.downcast::<Envelope<E>>() {
                Ok(envelope) => Box::pin(receiver(envelope)),
                Err(_) => Box::pin(std::future::ready(Err(wrong_envelope(
                    std::any::type_name::<E>(),
                )))),
            }
        };
        Receiver::new(name, Handler::Async(Box::new(handler)))
    }

    fn new(name: String, handler: Handler) -> Receiver {
        Receiver {
            id: ReceiverId::next(),
            name,
            handler,
        }
    }

    /// Run it on `envelope`; a panic is a failure.
    async fn run(&self, envelope: &AnyEnvelope) -> Result<(), ReceiverError> {
        match &self.handler {
            Handler::Sync(f) => catch_unwind(AssertUnwindSafe(|| f(envelope)))
                .unwrap_or_else(|panic| Err(panic_error(panic))),
            Handler::Async(f) => match catch_unwind(AssertUnwindSafe(|| f(envelope.clone()))) {
                Ok(future) => CatchUnwind(future).await,
                Err(panic) => Err(panic_error(panic)),
            },
        }
    }
}

/// A receiver of `expected` given an envelope of another type: impossible, the signal's `E` fixes
/// it.
fn wrong_envelope(expected: &str) -> ReceiverError {
    format!("internal error: a receiver of {expected} got another event type").into()
}

/// The receivers of one event type.
///
/// Each event type has one `Signal`, reached with `MyEvent::signal()`. Receivers run in the order
/// they were connected. In robust mode (the default) every receiver runs and the failures of all of
/// them are returned in the [`SendReport`]; otherwise sending stops at the first failure, which is
/// returned as [`SendError`]. A panicking receiver counts as a failing one.
pub struct Signal<E> {
    event_type: &'static str,
    minor_version: u32,
    receivers: RwLock<Vec<Arc<Receiver>>>,
    enabled: AtomicBool,
    robust: AtomicBool,
    _event: PhantomData<fn(E)>,
}

/// The outcome of sending an event in robust mode.
///
/// Sending returns `Ok(report)` even when receivers failed (robust mode runs them all), and the
/// configured producer is a receiver: a failure to produce to the bus is one of
/// [`SendReport::failures`]. So the report must be looked at: [`SendReport::into_result`] turns
/// failures into an error, for `?`:
///
/// ```ignore
/// MyEvent::signal().send_event(data).await?.into_result()?;
/// ```
#[derive(Debug, Default)]
#[must_use = "receivers (the configured producer among them) may have failed: check `failures` or call `into_result()`"]
pub struct SendReport {
    /// The event type sent.
    pub event_type: &'static str,
    /// `false` when the signal was disabled and nothing was sent.
    pub sent: bool,
    /// How many receivers ran.
    pub receivers: usize,
    /// The receivers that failed, in the order they ran.
    pub failures: Vec<ReceiverFailure>,
}

impl SendReport {
    /// Whether every receiver succeeded.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// `Ok(())` when every receiver succeeded, else the failures as a [`ReceiversFailed`]
    /// error.
    pub fn into_result(self) -> Result<(), ReceiversFailed> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(ReceiversFailed {
                event_type: self.event_type,
                receivers: self.receivers,
                failures: self.failures,
            })
        }
    }
}

/// Receivers of an event failed (robust mode): the error of [`SendReport::into_result`].
///
/// Its `Debug` is its message and each failure's causes, so that `?` in `main` prints something
/// readable; `{:#?}` shows the fields.
#[derive(thiserror::Error)]
#[error("{} receiver(s) out of {receivers} failed when handling {event_type}: {}", failures.len(), describe_failures(failures))]
pub struct ReceiversFailed {
    /// The event type sent.
    pub event_type: &'static str,
    /// How many receivers ran.
    pub receivers: usize,
    /// The receivers that failed, in the order they ran (never empty).
    pub failures: Vec<ReceiverFailure>,
}

impl std::fmt::Debug for ReceiversFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            return f
                .debug_struct("ReceiversFailed")
                .field("event_type", &self.event_type)
                .field("receivers", &self.receivers)
                .field("failures", &self.failures)
                .finish();
        }
        write!(f, "{self}")?;
        for failure in &self.failures {
            let mut source = failure.error.source();
            while let Some(cause) = source {
                write!(f, "\n  {}: caused by: {cause}", failure.receiver)?;
                source = cause.source();
            }
        }
        Ok(())
    }
}

/// An error's `Debug` as anyhow writes it: its message, then its causes (for `?` in `main`).
pub(crate) fn debug_report(
    error: &(dyn std::error::Error + 'static),
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    write!(f, "{error}")?;
    let mut source = error.source();
    if source.is_some() {
        write!(f, "\n\nCaused by:")?;
    }
    while let Some(cause) = source {
        write!(f, "\n    {cause}")?;
        source = cause.source();
    }
    Ok(())
}

/// `name=error, ...`
pub(crate) fn describe_failures(failures: &[ReceiverFailure]) -> String {
    failures
        .iter()
        .map(|f| format!("{}={}", f.receiver, f.error))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A receiver that failed.
#[derive(Debug)]
pub struct ReceiverFailure {
    /// The receiver's id.
    pub id: ReceiverId,
    /// The receiver's name.
    pub receiver: String,
    /// Its error.
    pub error: ReceiverError,
}

/// Sending stopped at a failing receiver (non-robust mode).
///
/// Its `Debug` is its message and the receiver error's causes, so that `?` in `main` prints
/// something readable; `{:#?}` shows the fields.
#[derive(thiserror::Error)]
#[error("receiver `{receiver}` of {event_type} failed: {error}")]
pub struct SendError {
    /// The event type sent.
    pub event_type: &'static str,
    /// The failing receiver's name.
    pub receiver: String,
    /// Its error.
    #[source]
    pub error: ReceiverError,
    /// The failing receiver and those after it, which did not run (what a retry runs).
    pub(crate) not_run: Vec<ReceiverId>,
}

impl std::fmt::Debug for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            return f
                .debug_struct("SendError")
                .field("event_type", &self.event_type)
                .field("receiver", &self.receiver)
                .field("error", &self.error)
                .field("not_run", &self.not_run)
                .finish();
        }
        // The message holds the receiver's error: its causes follow.
        write!(f, "{self}")?;
        let mut source = self.error.source();
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl SendError {
    /// The failing receiver's id.
    pub fn receiver_id(&self) -> ReceiverId {
        self.not_run[0]
    }
}

/// The error a receiver of events from the bus returns to stop the consumer without settling the
/// message in hand: the message is neither committed (Kafka) nor acknowledged (Redis) nor
/// dead-lettered, and the consumer returns `Ok` as after a shutdown, with the messages before it
/// committed; the next run reads the message again. For a receiver whose output went away (a
/// closed pipe). Sent in-process, it is an error like any other (logged at debug level).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the receiver asked the consumer to stop: {reason}")]
pub struct StopConsuming {
    /// Why, for the log.
    pub reason: String,
}

impl StopConsuming {
    /// A stop request with its reason.
    pub fn new(reason: impl Into<String>) -> Self {
        StopConsuming {
            reason: reason.into(),
        }
    }
}

static NEXT_RECEIVER_ID: AtomicU64 = AtomicU64::new(1);

impl<E: Send + Sync + 'static> Signal<E> {
    /// A signal with no receivers. Used by `#[derive(OpenEdxEvent)]`.
    pub const fn new(event_type: &'static str, minor_version: u32) -> Self {
        Signal {
            event_type,
            minor_version,
            receivers: RwLock::new(Vec::new()),
            enabled: AtomicBool::new(true),
            robust: AtomicBool::new(true),
            _event: PhantomData,
        }
    }

    /// The event type.
    pub fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// Connect a synchronous receiver.
    pub fn connect<F>(&self, name: impl Into<String>, receiver: F) -> ReceiverId
    where
        F: Fn(&Envelope<E>) -> Result<(), ReceiverError> + Send + Sync + 'static,
    {
        self.core().add(Receiver::sync(name.into(), receiver))
    }

    /// Connect an asynchronous receiver.
    pub fn connect_async<F, Fut>(&self, name: impl Into<String>, receiver: F) -> ReceiverId
    where
        F: Fn(Arc<Envelope<E>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ReceiverError>> + Send + 'static,
    {
        self.core().add(Receiver::typed(name.into(), receiver))
    }

    /// Connect a receiver of this signal's envelopes, type-erased (the registry's receivers of
    /// events known only by their type string).
    pub(crate) fn connect_envelope(
        &self,
        name: String,
        handler: impl Fn(AnyEnvelope) -> BoxFuture<'static, Result<(), ReceiverError>>
            + Send
            + Sync
            + 'static,
    ) -> ReceiverId {
        self.core()
            .add(Receiver::new(name, Handler::Async(Box::new(handler))))
    }

    /// Disconnect a receiver; `false` if it was not connected.
    pub fn disconnect(&self, id: ReceiverId) -> bool {
        self.core().disconnect(id)
    }

    /// How many receivers are connected.
    pub fn receiver_count(&self) -> usize {
        self.receivers.read_unpoisoned().len()
    }

    /// Let events through (the default).
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Drop events: sending does nothing until [`Signal::enable`].
    pub fn disable(&self) {
        self.enabled.store(false, Ordering::Relaxed);
    }

    /// Whether events go through.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Robust mode (the default): run every receiver and collect their failures. Off: stop at the
    /// first failure, as openedx-events' `allow_send_event_failure()`.
    pub fn set_robust(&self, robust: bool) {
        self.robust.store(robust, Ordering::Relaxed);
    }

    /// Send an event that happens now, with new metadata.
    pub fn send_event(&self, data: E) -> impl Future<Output = Result<SendReport, SendError>> + '_ {
        let metadata = EventsMetadata::new(self.event_type, self.minor_version);
        self.dispatch(data, metadata, false, None)
    }

    /// Send an event that happened at `time` (e.g. the timestamp of a database record).
    pub fn send_event_at(
        &self,
        data: E,
        time: DateTime<Utc>,
    ) -> impl Future<Output = Result<SendReport, SendError>> + '_ {
        let metadata = EventsMetadata::at(self.event_type, self.minor_version, time);
        self.dispatch(data, metadata, false, None)
    }

    /// Send an event with the metadata it already has: an event read from the bus. Receivers see
    /// `from_event_bus == true`, so the event is not produced again.
    pub fn send_event_with_custom_metadata(
        &self,
        data: E,
        metadata: EventsMetadata,
    ) -> impl Future<Output = Result<SendReport, SendError>> + '_ {
        self.dispatch(data, metadata, true, None)
    }

    /// The envelope, type-erased, and the dispatch of the receivers (not generic).
    pub(crate) fn dispatch(
        &self,
        data: E,
        metadata: EventsMetadata,
        from_event_bus: bool,
        only: Option<Vec<ReceiverId>>,
    ) -> Dispatch<'_> {
        let event_id = metadata.id;
        let envelope: AnyEnvelope = Arc::new(Envelope {
            data,
            metadata,
            from_event_bus,
        });
        self.dispatch_envelope(envelope, event_id, from_event_bus, only)
    }

    /// Send an envelope of `E` (type-erased) to the receivers (those in `only`, when given).
    pub(crate) fn dispatch_envelope(
        &self,
        envelope: AnyEnvelope,
        event_id: uuid::Uuid,
        from_event_bus: bool,
        only: Option<Vec<ReceiverId>>,
    ) -> Dispatch<'_> {
        dispatch_envelope(self.core(), envelope, event_id, from_event_bus, only)
    }

    fn core(&self) -> Core<'_> {
        Core {
            event_type: self.event_type,
            receivers: &self.receivers,
            enabled: &self.enabled,
            robust: &self.robust,
        }
    }
}

/// What the dispatch loop needs of a signal, whatever its event type.
#[derive(Clone, Copy)]
struct Core<'a> {
    event_type: &'static str,
    receivers: &'a RwLock<Vec<Arc<Receiver>>>,
    enabled: &'a AtomicBool,
    robust: &'a AtomicBool,
}

impl Core<'_> {
    fn add(&self, receiver: Receiver) -> ReceiverId {
        let id = receiver.id;
        self.receivers.write_unpoisoned().push(Arc::new(receiver));
        id
    }

    fn disconnect(&self, id: ReceiverId) -> bool {
        let mut receivers = self.receivers.write_unpoisoned();
        let before = receivers.len();
        receivers.retain(|r| r.id != id);
        receivers.len() != before
    }
}

/// The future of a send: runs the receivers in order (not generic over the event type).
type Dispatch<'a> = BoxFuture<'a, Result<SendReport, SendError>>;

/// The send of `envelope` to the receivers of `core` (boxed here, once for every event type).
fn dispatch_envelope(
    core: Core<'_>,
    envelope: AnyEnvelope,
    event_id: uuid::Uuid,
    from_event_bus: bool,
    only: Option<Vec<ReceiverId>>,
) -> Dispatch<'_> {
    Box::pin(signal_receivers(
        core,
        envelope,
        event_id,
        from_event_bus,
        only,
    ))
}

/// The name of the receivers that the configured producer connects
/// (`producer_config::RECEIVER_NAME`).
pub(crate) const PRODUCING_RECEIVER: &str = "eventbus_runtime::producer_config::ConfiguredProducer";

/// How many configured producers that produce nothing (an unset or empty producer configuration)
/// are in use: while one is, an event type sent in-process that no configured producer produces is
/// warned about, once.
pub(crate) static PRODUCING_NOTHING: AtomicUsize = AtomicUsize::new(0);

/// The event types warned about as sent and not produced.
static WARNED_NOT_PRODUCED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// Warn, once per event type, that an event sent in-process is not produced to the bus because
/// the producer configuration in use produces nothing.
fn warn_if_not_produced(event_type: &'static str, receivers: &[Arc<Receiver>]) {
    if PRODUCING_NOTHING.load(Ordering::Relaxed) == 0
        || receivers.iter().any(|r| r.name == PRODUCING_RECEIVER)
    {
        return;
    }
    let first = WARNED_NOT_PRODUCED.locked().insert(event_type);
    if first {
        tracing::warn!(
            event_type,
            setting = "EVENT_BUS_PRODUCER_CONFIG",
            "event sent but not produced to the event bus: the producer configuration \
             (EVENT_BUS_PRODUCER_CONFIG) is unset or has no enabled topic (warned once per event type)"
        );
    }
}

async fn signal_receivers(
    core: Core<'_>,
    envelope: AnyEnvelope,
    event_id: uuid::Uuid,
    from_event_bus: bool,
    only: Option<Vec<ReceiverId>>,
) -> Result<SendReport, SendError> {
    let event_type = core.event_type;
    if !core.enabled.load(Ordering::Relaxed) {
        tracing::debug!(event_type, "signal disabled, event not sent");
        return Ok(SendReport {
            event_type,
            ..SendReport::default()
        });
    }
    let receivers: Vec<_> = core
        .receivers
        .read_unpoisoned()
        .iter()
        .filter(|r| only.as_ref().is_none_or(|only| only.contains(&r.id)))
        .cloned()
        .collect();
    if !from_event_bus && only.is_none() {
        warn_if_not_produced(event_type, &receivers);
    }
    let robust = core.robust.load(Ordering::Relaxed);
    run_receivers(event_type, &envelope, event_id, &receivers, robust).await
}

/// Run `receivers` in order on `envelope`, the one loop of signals and consumers' own handlers.
/// Robust: every receiver runs and the failures are in the report; otherwise the first failure is
/// the error (with the receivers not run). A panic is a failure; a [`StopConsuming`] is logged
/// at debug level only.
pub(crate) async fn run_receivers(
    event_type: &'static str,
    envelope: &AnyEnvelope,
    event_id: uuid::Uuid,
    receivers: &[Arc<Receiver>],
    robust: bool,
) -> Result<SendReport, SendError> {
    let mut report = SendReport {
        event_type,
        sent: true,
        receivers: receivers.len(),
        failures: Vec::new(),
    };
    for (index, receiver) in receivers.iter().enumerate() {
        let Err(error) = receiver.run(envelope).await else {
            continue;
        };
        if error.is::<StopConsuming>() {
            tracing::debug!(
                event_type,
                %event_id,
                receiver = %receiver.name,
                %error,
                "receiver asked to stop consuming"
            );
        } else {
            tracing::warn!(
                event_type,
                %event_id,
                receiver = %receiver.name,
                %error,
                "receiver failed"
            );
        }
        if !robust {
            return Err(SendError {
                event_type,
                receiver: receiver.name.clone(),
                error,
                not_run: receivers[index..].iter().map(|r| r.id).collect(),
            });
        }
        report.failures.push(ReceiverFailure {
            id: receiver.id,
            receiver: receiver.name.clone(),
            error,
        });
    }
    tracing::debug!(
        event_type,
        %event_id,
        receivers = report.receivers,
        failures = report.failures.len(),
        "event sent"
    );
    Ok(report)
}

pub(crate) fn panic_error(panic: Box<dyn std::any::Any + Send>) -> ReceiverError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("receiver panicked: {message}").into()
}

/// Turns a panic while polling the future into a receiver error.
pub(crate) struct CatchUnwind(pub(crate) BoxFuture<'static, Result<(), ReceiverError>>);

impl Future for CatchUnwind {
    type Output = Result<(), ReceiverError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => Poll::Ready(Err(panic_error(panic))),
        }
    }
}

impl<E> std::fmt::Debug for Signal<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("event_type", &self.event_type)
            .field("enabled", &self.enabled.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a cause.
    #[derive(Debug, thiserror::Error)]
    #[error("could not index")]
    struct Indexing(#[source] std::io::Error);

    #[test]
    fn receivers_failed_debug_is_readable_with_each_cause() {
        let error = ReceiversFailed {
            event_type: "org.example.a.v1",
            receivers: 3,
            failures: vec![
                ReceiverFailure {
                    id: ReceiverId::next(),
                    receiver: "index".into(),
                    error: Box::new(Indexing(std::io::Error::other("disk full"))),
                },
                ReceiverFailure {
                    id: ReceiverId::next(),
                    receiver: "audit".into(),
                    error: "no audit log".into(),
                },
            ],
        };
        // `fn main() -> Result<(), Box<dyn Error>>` prints `Error: {:?}`.
        let boxed: Box<dyn std::error::Error> = Box::new(error);
        assert_eq!(
            format!("Error: {boxed:?}"),
            "Error: 2 receiver(s) out of 3 failed when handling org.example.a.v1: \
             index=could not index, audit=no audit log\n  index: caused by: disk full"
        );
        let fields = format!("{boxed:#?}");
        assert!(
            fields.starts_with("ReceiversFailed {") && fields.contains("\"audit\""),
            "{fields}"
        );
    }

    #[test]
    fn send_error_debug_is_readable_with_the_causes() {
        let id = ReceiverId::next();
        let error = SendError {
            event_type: "org.example.a.v1",
            receiver: "index".into(),
            error: Box::new(Indexing(std::io::Error::other("disk full"))),
            not_run: vec![id],
        };
        let boxed: Box<dyn std::error::Error> = Box::new(error);
        assert_eq!(
            format!("Error: {boxed:?}"),
            "Error: receiver `index` of org.example.a.v1 failed: could not index\n  caused by: \
             disk full"
        );
        assert!(format!("{boxed:#?}").starts_with("SendError {"));
    }
}
