//! The poller: a thread of its own that polls librdkafka and sends what it reads to the engine
//! through a bounded channel, in batches.
//!
//! A thread rather than the engine's task because librdkafka serves rebalances inside a poll: a
//! revocation must wait there until the engine has finished the revoked partitions' running events
//! and committed them (see the consumer context), and that wait cannot block the task that runs
//! those events. When the channel is full the poller waits, and so does the group's view of this
//! member's progress: the member leaves its group if the engine takes longer than
//! `max.poll.interval.ms` to make room.

use super::rebalance::EngineLink;
use super::{is_fatal, ConsumerError, Inner};
use crate::consume::engine::Read;
use rdkafka::consumer::Consumer;
use rdkafka::message::OwnedMessage;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The longest a poll waits before the poller checks whether it must stop.
const POLL_SLICE: Duration = Duration::from_millis(100);

/// How long stopping waits for the poller thread: a poll may be serving a rebalance (a
/// revocation's commit at close). Past it the thread is left to end by itself.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// The poller thread.
pub(super) struct Poller {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Answered (or closed) when the thread ends.
    ended: tokio::sync::oneshot::Receiver<()>,
    consumer: Arc<Inner>,
}

impl Poller {
    /// Start polling `consumer` for the engine at the other end of `link`.
    pub(super) fn start(consumer: Arc<Inner>, link: EngineLink) -> std::io::Result<Self> {
        *consumer.context().link() = Some(link);
        let stop = Arc::new(AtomicBool::new(false));
        let (polled, stopping) = (consumer.clone(), stop.clone());
        let (end, ended) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("eventbus-kafka-poller".into())
            .spawn(move || {
                poll(&polled, &stopping);
                let _ = end.send(());
            })?;
        Ok(Poller {
            stop,
            thread: Some(thread),
            ended,
            consumer,
        })
    }

    /// Stop polling and wait for the thread (on a blocking thread: it may be in a poll).
    pub(super) async fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // A poller waiting on a full channel, or a revocation waiting for the engine, returns.
        self.consumer.context().link().take();
        let Some(thread) = self.thread.take() else {
            return;
        };
        // Not a blocking task of the runtime: a thread that never ends would hold the runtime's
        // shutdown, and the process's exit, with it.
        match tokio::time::timeout(STOP_WAIT, &mut self.ended).await {
            Ok(_) => {
                if thread.join().is_err() {
                    tracing::warn!("the Kafka poller thread ended badly");
                }
            }
            Err(_) => tracing::warn!(
                wait_s = STOP_WAIT.as_secs(),
                "the Kafka poller thread does not stop (a poll serving a rebalance); going on \
                 without it"
            ),
        }
    }
}

/// The poll loop.
fn poll(consumer: &Inner, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let mut timeout = POLL_SLICE;
        let mut read_any = false;
        // Read what is there, up to a batch, then send it.
        let failure = loop {
            let Some(polled) = consumer.poll(timeout) else {
                break None;
            };
            timeout = Duration::ZERO;
            match polled {
                Ok(message) => {
                    read_any = true;
                    let full = {
                        let mut link = consumer.context().link();
                        let Some(engine) = link.as_mut() else {
                            return;
                        };
                        engine.batch.push(message.detach());
                        engine.batch.len() >= engine.batch_max
                    };
                    if full {
                        break None;
                    }
                }
                Err(error) => break Some(error),
            }
        };
        if read_any {
            consumer.context().connection_log().connected();
        }
        let mut link = consumer.context().link();
        let Some(engine) = link.as_mut() else {
            return;
        };
        if !engine.flush() {
            return;
        }
        let sender = engine.sender.clone();
        drop(link);
        if let Some(read) = failure.and_then(|error| failed(consumer, error)) {
            let fatal = matches!(read, Read::Fatal(_));
            if sender.blocking_send(read).is_err() || fatal {
                return;
            }
        }
        if let Some(error) = replay_failed(consumer) {
            let _ = sender.blocking_send(Read::Fatal(error));
            return;
        }
    }
}

/// A poll failed: a fatal error stops the consumer; the others count, logged once per state
/// change (as librdkafka's own logs, see `ConnectionLog`).
fn failed(consumer: &Inner, error: rdkafka::error::KafkaError) -> Option<Read<OwnedMessage>> {
    if is_fatal(&error) {
        return Some(Read::Fatal(ConsumerError::Fatal(error)));
    }
    let log = consumer.context().connection_log();
    if log.first_sight(&error.to_string()) {
        tracing::error!(%error, "Error consuming event from Kafka -- no event available");
    }
    Some(Read::Failed(error.to_string()))
}

/// A replay whose offsets lookup failed stops the consumer.
fn replay_failed(consumer: &Inner) -> Option<ConsumerError> {
    let mut replay = consumer.context().replay();
    let replay = replay.as_mut()?;
    let time = replay.time();
    replay
        .take_error()
        .map(|reason| ConsumerError::Replay { time, reason })
}
