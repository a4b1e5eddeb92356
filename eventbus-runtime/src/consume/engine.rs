//! The consumer engine: one loop for every transport (Kafka, Redis, the in-memory bus), in the
//! spirit of getsentry/arroyo's processing strategies over a backend.
//!
//! A transport supplies what differs:
//! - a *reader* (a thread or a task of its own) that sends what it reads as [`Read`]s through a
//!   bounded channel (batches of messages, read failures, a fatal error), and revocations
//!   ([`RevokeRequest`]: partitions taken from this member, which the reader holds until the
//!   engine answers) through another that the engine always reads ([`Inbox`]);
//! - a [`Transport`]: a message's lane and [`Position`], processing it (decode, dispatch to the
//!   receivers), and sending a failed one to the dead letters;
//! - a [`Ledger`]: what becomes of a settled message (Kafka stores and commits its offset, Redis
//!   acknowledges the entry), the synchronous commit of a revocation, the final commit.
//!
//! The engine owns the rest, once:
//! - ordered concurrency ([`Lanes`]): up to `max_in_flight` messages at once, those of one lane
//!   (partition and key) one after the other in the order read; at most
//!   [`HELD_PER_IN_FLIGHT`]` × max_in_flight` held before it stops reading;
//! - the settle policy: processed → settled; failed → dead-lettered then settled, or the consumer
//!   stops with the message unsettled ([`crate::settings::OnError`]); a receiver's
//!   [`super::StopConsuming`] → stop, unsettled; a transient failure (the schema registry
//!   unreachable) → the message is processed again after the poll-failure sleep (its lane held),
//!   counted against the consecutive-errors limit;
//! - the consecutive-errors limit, shutdown (the running messages finish and settle, those
//!   waiting stay unsettled), and the [`ConsumeSummary`];
//! - revocations: the revoked partitions' waiting messages are dropped, their running ones get
//!   up to the revocation timeout to finish and settle, the ledger commits synchronously, then
//!   the reader may let the partitions go. A message still running then is *late*: its partition's
//!   epoch moved on, and when it finishes it is not settled (never committed over the progress of
//!   the partition's new owner).
//!
//! The messages run as futures of the caller's task (not spawned tasks): receivers that wait on
//! I/O overlap, which is what a consumer waits on.

use super::error::{ConsumerError, Position};
use super::lanes::Lanes;
use super::{sleep_unless_cancelled, CancellationToken, ConsumeSummary, ErrorStreak, MessageError};
use crate::settings::CommonSettings;
use crate::telemetry::metrics::ConsumerMetrics;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// At most `HELD_PER_IN_FLIGHT × max_in_flight` messages are held (running, or waiting behind an
/// earlier message of their lane) before the engine stops reading; a crash redelivers at most
/// these beyond what the transport's commits leave.
pub const HELD_PER_IN_FLIGHT: usize = 8;

/// A partition (Kafka) or shard: revocations and epochs are per shard. Redis and the in-memory
/// bus have one, 0.
pub(crate) type Shard = i32;

/// A message's lane: its shard and key. The messages of one lane run one after the other.
pub(crate) type LaneKey = (Shard, Option<Vec<u8>>);

/// One failure of a message.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Permanent: dead-letter it, or stop.
    Message(MessageError),
    /// Transient (the schema registry unreachable): process it again after the poll-failure sleep.
    Transient(String),
}

impl From<MessageError> for Failure {
    fn from(error: MessageError) -> Self {
        Failure::Message(error)
    }
}

/// What a transport's reader sends the engine.
#[derive(Debug)]
pub(crate) enum Read<M> {
    /// Messages, in the order read.
    Messages(Vec<M>),
    /// A read failed (already logged by the reader): counts against the consecutive-errors limit.
    Failed(String),
    /// Stop with this error.
    #[cfg_attr(not(feature = "kafka"), allow(dead_code))]
    Fatal(ConsumerError),
}

/// Shards being taken from this member (sent apart from the reads, and always read): finish
/// (within the revocation timeout) and settle their running messages, drop the others, commit,
/// then answer on `done`.
#[derive(Debug)]
#[cfg_attr(not(feature = "kafka"), allow(dead_code))]
pub(crate) struct RevokeRequest {
    /// The shards revoked.
    pub(crate) shards: Vec<Shard>,
    /// Answered once the shards may be let go.
    pub(crate) done: oneshot::Sender<()>,
}

/// What the engine receives: the reads, bounded (the engine stops taking them when it holds
/// enough), and the revocations, which it always takes, first taking every read sent before.
#[derive(Debug)]
pub(crate) struct Inbox<M> {
    /// The reads.
    pub(crate) reads: mpsc::Receiver<Read<M>>,
    /// The revocations, for transports with assignments (Kafka).
    pub(crate) revocations: Option<mpsc::UnboundedReceiver<RevokeRequest>>,
}

async fn next_revocation(
    revocations: &mut Option<mpsc::UnboundedReceiver<RevokeRequest>>,
) -> Option<RevokeRequest> {
    match revocations {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// What differs between transports in processing a message.
pub(crate) trait Transport {
    /// A message as read.
    type Message: Send;

    /// Its lane.
    fn lane(&self, message: &Self::Message) -> LaneKey;

    /// Where it is.
    fn position(&self, message: &Self::Message) -> Position;

    /// Decode it and send it to its receivers: how many times they ran.
    fn process(&self, message: &Self::Message) -> impl Future<Output = Result<u32, Failure>>;

    /// A message failed for good: log it, then send it to the dead letters, or return the error
    /// that stops the consumer (the message is left unsettled).
    fn failed(
        &self,
        message: &Self::Message,
        error: MessageError,
    ) -> impl Future<Output = Result<(), ConsumerError>>;

    /// The consumer's metrics.
    fn metrics(&self) -> &ConsumerMetrics;
}

/// What becomes of messages once settled.
pub(crate) trait Ledger<M> {
    /// A message was read (before it runs).
    fn read(&mut self, _message: &M) {}

    /// A message was processed or dead-lettered: commit it (or acknowledge it) in time.
    fn settled(&mut self, message: &M) -> impl Future<Output = ()>;

    /// Shards are being revoked and their messages settled: commit now, synchronously.
    fn revoked(&mut self, _shards: &[Shard]) -> impl Future<Output = ()> {
        async {}
    }

    /// Whether the engine must read no more until [`Ledger::background`] made room (a commit
    /// backlog).
    fn full(&self) -> bool {
        false
    }

    /// Whether [`Ledger::background`] has work to wait for.
    fn pending(&self) -> bool {
        false
    }

    /// Background work (commit requests); cancel-safe.
    fn background(&mut self) -> impl Future<Output = ()> {
        std::future::pending()
    }

    /// The consumer stops: commit what settled.
    fn finish(&mut self) -> impl Future<Output = Result<(), ConsumerError>>;
}

/// A revocation being drained.
struct Revocation {
    shards: HashSet<Shard>,
    done: oneshot::Sender<()>,
    started: Instant,
    deadline: Instant,
}

/// A message finished running: its lane, epoch, the message and the outcome.
type Finished<M> = (LaneKey, u64, M, Result<u32, Failure>);

/// The engine's settings.
#[derive(Debug, Clone)]
pub(crate) struct EngineSettings {
    pub(crate) max_in_flight: usize,
    pub(crate) consecutive_errors_limit: Option<u32>,
    pub(crate) poll_failure_sleep: Duration,
    pub(crate) revocation_timeout: Duration,
}

impl EngineSettings {
    /// From a transport's common settings and its revocation timeout.
    pub(crate) fn new(common: &CommonSettings, revocation_timeout: Duration) -> Self {
        EngineSettings {
            max_in_flight: common.max_in_flight.max(1),
            consecutive_errors_limit: common.consecutive_errors_limit,
            poll_failure_sleep: common.poll_failure_sleep,
            revocation_timeout,
        }
    }
}

/// Run the engine until shutdown, a stop, a fatal error, or the reader's end (the channel
/// closed: the in-memory bus read everything). The ledger's final commit is the caller's.
pub(crate) async fn run<T: Transport, L: Ledger<T::Message>>(
    transport: &T,
    ledger: &mut L,
    inbox: &mut Inbox<T::Message>,
    settings: &EngineSettings,
    shutdown: &CancellationToken,
    summary: &mut ConsumeSummary,
) -> Result<(), ConsumerError> {
    let held_max = settings.max_in_flight * HELD_PER_IN_FLIGHT;
    let mut lanes: Lanes<LaneKey, (u64, T::Message)> = Lanes::new(settings.max_in_flight);
    let mut epochs: HashMap<Shard, u64> = HashMap::new();
    let mut running_by_shard: HashMap<Shard, usize> = HashMap::new();
    let mut running = FuturesUnordered::new();
    let mut errors = ErrorStreak::new(settings.consecutive_errors_limit);
    let mut revocation: Option<Revocation> = None;
    let mut reader_done = false;
    // Set once the engine stops reading: how the run ends, after the running messages.
    let mut ending: Option<Result<(), ConsumerError>> = None;
    // One wait for the shutdown for the whole run (made anew at each turn, it would register
    // with the token and leave it again for every message).
    let cancelled = shutdown.cancelled();
    tokio::pin!(cancelled);
    loop {
        // Asked to stop (by a receiver too, as the command line's `max_messages` does): no new
        // event starts.
        if ending.is_none() && shutdown.is_cancelled() {
            ending = Some(Ok(()));
        }
        if ending.is_none() {
            if let Some((count, last)) = errors.exceeded() {
                ending = Some(Err(ConsumerError::TooManyErrors { count, last }));
            }
        }
        if ending.is_none() {
            while let Some((key, (epoch, message))) = lanes.start() {
                *running_by_shard.entry(key.0).or_default() += 1;
                running.push(run_one(transport, key, epoch, message, None, shutdown));
            }
        }
        if let Some(drained) = revocation.take_if(|r| {
            r.shards
                .iter()
                .all(|s| running_by_shard.get(s).copied().unwrap_or(0) == 0)
                || Instant::now() >= r.deadline
        }) {
            finish_revocation(drained, transport, ledger, &mut epochs, &running_by_shard).await;
        }
        if reader_done && ending.is_none() && lanes.held() == 0 {
            ending = Some(Ok(()));
        }
        if let Some(end) = ending.take_if(|_| running.is_empty()) {
            if let Some(drained) = revocation.take() {
                finish_revocation(drained, transport, ledger, &mut epochs, &running_by_shard).await;
            }
            return end;
        }
        let reading = ending.is_none()
            && !reader_done
            && revocation.is_none()
            && lanes.held() < held_max
            && !ledger.full();
        let deadline = revocation.as_ref().map(|r| r.deadline);
        tokio::select! {
            biased;
            () = &mut cancelled, if ending.is_none() => ending = Some(Ok(())),
            Some((key, epoch, message, outcome)) = running.next() => {
                let current = epochs.get(&key.0).copied().unwrap_or(0) == epoch;
                if let Err(Failure::Transient(error)) = &outcome {
                    if current && ending.is_none() && !shutdown.is_cancelled() {
                        // Processed again after the sleep, its lane still held.
                        errors.failed(error);
                        summary.retried += 1;
                        transport.metrics().retried();
                        tracing::warn!(
                            %error,
                            position = %transport.position(&message),
                            "schema registry unavailable; processing the message again"
                        );
                        let delay = Some(settings.poll_failure_sleep);
                        running.push(run_one(transport, key, epoch, message, delay, shutdown));
                        continue;
                    }
                }
                lanes.finished(&key);
                if let Some(n) = running_by_shard.get_mut(&key.0) {
                    *n -= 1;
                }
                if epochs.get(&key.0).copied().unwrap_or(0) != epoch {
                    late(transport, &message, &outcome);
                    continue;
                }
                if let Err(stop) = settle(transport, ledger, &message, outcome, &mut errors, summary).await {
                    ending.get_or_insert(stop);
                }
            }
            () = ledger.background(), if ledger.pending() => {}
            () = sleep_until(deadline), if deadline.is_some() => {}
            Some(request) = next_revocation(&mut inbox.revocations), if revocation.is_none() => {
                // What was read before the revocation comes first.
                while let Ok(read) = inbox.reads.try_recv() {
                    match read {
                        Read::Messages(messages) => {
                            push(transport, ledger, &mut lanes, &epochs, messages);
                        }
                        Read::Failed(error) => errors.failed(&error),
                        Read::Fatal(error) => {
                            ending.get_or_insert(Err(error));
                        }
                    }
                }
                let shards: HashSet<Shard> = request.shards.into_iter().collect();
                let dropped = lanes.remove_if(|key| shards.contains(&key.0));
                let now = Instant::now();
                tracing::info!(
                    topic = transport.metrics().topic(),
                    partitions = ?sorted(&shards),
                    dropped,
                    "partitions revoked: finishing their running events before letting them go"
                );
                revocation = Some(Revocation {
                    shards,
                    done: request.done,
                    started: now,
                    deadline: now + settings.revocation_timeout,
                });
            }
            read = inbox.reads.recv(), if reading => match read {
                None => reader_done = true,
                Some(Read::Messages(messages)) => {
                    push(transport, ledger, &mut lanes, &epochs, messages);
                }
                Some(Read::Failed(error)) => {
                    errors.failed(&error);
                    if sleep_unless_cancelled(shutdown, settings.poll_failure_sleep).await {
                        ending.get_or_insert(Ok(()));
                    }
                }
                Some(Read::Fatal(error)) => {
                    ending.get_or_insert(Err(error));
                }
            },
        }
    }
}

/// Messages read: into their lanes, with their shard's epoch.
fn push<T: Transport, L: Ledger<T::Message>>(
    transport: &T,
    ledger: &mut L,
    lanes: &mut Lanes<LaneKey, (u64, T::Message)>,
    epochs: &HashMap<Shard, u64>,
    messages: Vec<T::Message>,
) {
    for message in messages {
        ledger.read(&message);
        let key = transport.lane(&message);
        let epoch = epochs.get(&key.0).copied().unwrap_or(0);
        lanes.push(key, (epoch, message));
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn sorted(shards: &HashSet<Shard>) -> Vec<Shard> {
    let mut shards: Vec<Shard> = shards.iter().copied().collect();
    shards.sort_unstable();
    shards
}

/// The revoked shards are drained (or the timeout passed): their epochs move on, so what still
/// runs of them is late; commit, and let the reader release them.
async fn finish_revocation<T: Transport, L: Ledger<T::Message>>(
    revocation: Revocation,
    transport: &T,
    ledger: &mut L,
    epochs: &mut HashMap<Shard, u64>,
    running_by_shard: &HashMap<Shard, usize>,
) {
    let still_running: usize = revocation
        .shards
        .iter()
        .map(|s| running_by_shard.get(s).copied().unwrap_or(0))
        .sum();
    for shard in &revocation.shards {
        *epochs.entry(*shard).or_default() += 1;
    }
    let shards = sorted(&revocation.shards);
    ledger.revoked(&shards).await;
    let seconds = revocation.started.elapsed().as_secs_f64();
    transport.metrics().revocation_drained(seconds);
    if still_running > 0 {
        tracing::warn!(
            topic = transport.metrics().topic(),
            partitions = ?shards,
            still_running,
            "revocation timeout: letting the partitions go with events still running; their \
             completions will not be committed (the new owner processes them again)"
        );
    } else {
        tracing::info!(
            topic = transport.metrics().topic(),
            partitions = ?shards,
            drain_seconds = seconds,
            "revoked partitions drained and committed"
        );
    }
    // The reader may be gone (shutting down): nothing waits then.
    let _ = revocation.done.send(());
}

/// A message that finished after its shard was revoked: not settled.
fn late<T: Transport>(transport: &T, message: &T::Message, outcome: &Result<u32, Failure>) {
    transport.metrics().late_completion();
    tracing::warn!(
        position = %transport.position(message),
        succeeded = outcome.is_ok(),
        "an event finished after its partition was revoked; not committed (the partition's new \
         owner processes it again)"
    );
}

/// Process one message, after `delay` (a retry after a transient failure; shutdown meanwhile:
/// not processed, a transient outcome).
async fn run_one<T: Transport>(
    transport: &T,
    key: LaneKey,
    epoch: u64,
    message: T::Message,
    delay: Option<Duration>,
    shutdown: &CancellationToken,
) -> Finished<T::Message> {
    if let Some(delay) = delay {
        if sleep_unless_cancelled(shutdown, delay).await {
            let outcome = Err(Failure::Transient("shutting down".into()));
            return (key, epoch, message, outcome);
        }
    }
    let outcome = transport.process(&message).await;
    (key, epoch, message, outcome)
}

/// The settle policy: count and log the outcome, dead-letter a failed message, settle it. `Err`:
/// the consumer stops (`Ok(())` inside: without an error), the message unsettled.
async fn settle<T: Transport, L: Ledger<T::Message>>(
    transport: &T,
    ledger: &mut L,
    message: &T::Message,
    outcome: Result<u32, Failure>,
    errors: &mut ErrorStreak,
    summary: &mut ConsumeSummary,
) -> Result<(), Result<(), ConsumerError>> {
    match outcome {
        Ok(attempts) => {
            errors.reset();
            summary.processed += 1;
            summary.count_retries(attempts);
        }
        Err(Failure::Message(MessageError::Stopped { reason })) => {
            tracing::info!(
                %reason,
                position = %transport.position(message),
                "a receiver stopped the consumer; the message is not committed"
            );
            summary.stopped_by_receiver = true;
            return Err(Ok(()));
        }
        Err(Failure::Message(error)) => {
            errors.failed(&error);
            summary.count_retries(error.attempts());
            transport.failed(message, error).await.map_err(Err)?;
            summary.dead_lettered += 1;
        }
        // Shutdown while the failure was transient: left unsettled.
        Err(Failure::Transient(_)) => return Err(Ok(())),
    }
    ledger.settled(message).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::metrics::System;
    use std::sync::{Arc, Mutex};
    use tokio::sync::Notify;

    /// A message of the test transport: its shard, key and id; it runs until its gate opens.
    struct Msg {
        shard: Shard,
        key: u8,
        id: u32,
        gate: Arc<Notify>,
    }

    struct TestTransport {
        metrics: ConsumerMetrics,
        started: Mutex<Vec<u32>>,
    }

    impl Transport for TestTransport {
        type Message = Msg;

        fn lane(&self, m: &Msg) -> LaneKey {
            (m.shard, Some(vec![m.key]))
        }

        fn position(&self, m: &Msg) -> Position {
            Position::Memory {
                topic: "test".into(),
                index: m.id as usize,
            }
        }

        async fn process(&self, m: &Msg) -> Result<u32, Failure> {
            self.started.lock().unwrap().push(m.id);
            m.gate.notified().await;
            Ok(1)
        }

        async fn failed(&self, _: &Msg, _: MessageError) -> Result<(), ConsumerError> {
            Ok(())
        }

        fn metrics(&self) -> &ConsumerMetrics {
            &self.metrics
        }
    }

    #[derive(Default)]
    struct TestLedger {
        settled: Vec<u32>,
        revoked: Vec<Vec<Shard>>,
    }

    impl Ledger<Msg> for TestLedger {
        async fn settled(&mut self, m: &Msg) {
            self.settled.push(m.id);
        }

        async fn revoked(&mut self, shards: &[Shard]) {
            self.revoked.push(shards.to_vec());
        }

        async fn finish(&mut self) -> Result<(), ConsumerError> {
            Ok(())
        }
    }

    fn settings(revocation_timeout: Duration) -> EngineSettings {
        EngineSettings {
            max_in_flight: 4,
            consecutive_errors_limit: None,
            poll_failure_sleep: Duration::from_millis(10),
            revocation_timeout,
        }
    }

    fn msg(shard: Shard, key: u8, id: u32, gate: &Arc<Notify>) -> Msg {
        Msg {
            shard,
            key,
            id,
            gate: gate.clone(),
        }
    }

    /// Run the engine over `reads` and `revocations` until shutdown; what the ledger saw.
    struct Harness {
        reads: mpsc::Sender<Read<Msg>>,
        revocations: mpsc::UnboundedSender<RevokeRequest>,
        shutdown: CancellationToken,
        run: tokio::task::JoinHandle<(TestLedger, Vec<u32>)>,
    }

    fn start(revocation_timeout: Duration) -> Harness {
        let (reads, reads_in) = mpsc::channel(4);
        let (revocations, revocations_in) = mpsc::unbounded_channel();
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let run = tokio::spawn(async move {
            let transport = TestTransport {
                metrics: ConsumerMetrics::new(System::Memory, "engine-test", "g"),
                started: Mutex::default(),
            };
            let mut ledger = TestLedger::default();
            let mut inbox = Inbox {
                reads: reads_in,
                revocations: Some(revocations_in),
            };
            let mut summary = ConsumeSummary::default();
            run(
                &transport,
                &mut ledger,
                &mut inbox,
                &settings(revocation_timeout),
                &token,
                &mut summary,
            )
            .await
            .unwrap();
            let started = transport.started.lock().unwrap().clone();
            (ledger, started)
        });
        Harness {
            reads,
            revocations,
            shutdown,
            run,
        }
    }

    async fn revoke(h: &Harness, shards: Vec<Shard>) -> oneshot::Receiver<()> {
        let (done, answered) = oneshot::channel();
        h.revocations.send(RevokeRequest { shards, done }).unwrap();
        answered
    }

    #[tokio::test]
    async fn a_revocation_waits_for_its_running_events_and_drops_the_waiting_ones() {
        let h = start(Duration::from_secs(30));
        let (slow, fast) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        // Shard 1: event 1 runs (held by its gate), event 2 waits behind it (same key).
        // Shard 2: event 3 runs.
        h.reads
            .send(Read::Messages(vec![
                msg(1, 7, 1, &slow),
                msg(1, 7, 2, &fast),
                msg(2, 7, 3, &slow),
            ]))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut answered = revoke(&h, vec![1]).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            answered.try_recv().is_err(),
            "not answered while event 1 of shard 1 runs"
        );
        // Event 1 (and 3) finish: settled, then the revocation is answered.
        slow.notify_waiters();
        tokio::time::timeout(Duration::from_secs(5), answered)
            .await
            .expect("answered once drained")
            .unwrap();
        h.shutdown.cancel();
        let (ledger, started) = h.run.await.unwrap();
        assert_eq!(ledger.revoked, vec![vec![1]]);
        let mut settled = ledger.settled.clone();
        settled.sort_unstable();
        assert_eq!(
            settled,
            vec![1, 3],
            "event 2 of the revoked shard was dropped"
        );
        assert!(!started.contains(&2), "event 2 never started: {started:?}");
    }

    #[tokio::test]
    async fn an_event_finishing_after_the_revocation_timeout_is_not_settled() {
        let h = start(Duration::from_millis(100));
        let (stuck, other) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        h.reads
            .send(Read::Messages(vec![
                msg(1, 1, 1, &stuck),
                msg(2, 1, 2, &other),
            ]))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let answered = revoke(&h, vec![1]).await;
        tokio::time::timeout(Duration::from_secs(5), answered)
            .await
            .expect("answered at the revocation timeout")
            .unwrap();
        // The shard comes back (an eager reassignment): its new event runs and settles, the
        // late one does not, though it finishes after.
        let again = Arc::new(Notify::new());
        h.reads
            .send(Read::Messages(vec![msg(1, 2, 3, &again)]))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stuck.notify_waiters();
        again.notify_waiters();
        other.notify_waiters();
        tokio::time::sleep(Duration::from_millis(50)).await;
        h.shutdown.cancel();
        let (ledger, _) = h.run.await.unwrap();
        let mut settled = ledger.settled.clone();
        settled.sort_unstable();
        assert_eq!(settled, vec![2, 3], "event 1 finished late: not settled");
        assert_eq!(ledger.revoked, vec![vec![1]]);
    }
}
