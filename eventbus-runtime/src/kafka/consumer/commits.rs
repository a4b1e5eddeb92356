//! Commits after every message without a backlog: at most one commit request in flight.
//!
//! Committing every message with its own asynchronous request piles the requests up behind
//! processing (the broker applies the commit requests of a connection one at a time), so a crash
//! redelivered thousands of messages. Instead, the offset of every processed message is stored at
//! once; a commit request of the stored offsets is sent when none is in flight, and while one is,
//! the offsets stored meanwhile wait and go together (the latest offset of each partition) in the
//! next request, sent as soon as the previous one is answered. Requests are also at least
//! [`COMMIT_GAP`] apart (5 ms), unless [`COMMIT_WAITING_MAX`] offsets wait: back to back, a busy
//! consumer sent one request per round trip (thousands a second, each a record the broker
//! appends to `__consumer_offsets`), and they slowed it down (the `kafka_throughput` bench
//! measures both ways of committing). While a request is in flight at most [`COMMIT_WAITING_MAX`]
//! messages are processed; then the consumer waits for the answer before it reads on (only when a
//! round trip is slower than processing that many messages).
//!
//! After a crash the group's committed offsets are therefore behind by the messages processed
//! during the last round trip or two (or the last gap), and by no more than
//! `2 × COMMIT_WAITING_MAX + 1`: the request in flight may not have landed (at most that many
//! messages waited for it), at most that many were processed since it was sent (the gap never
//! holds more), and one more was in hand (processed, not yet stored).
//!
//! The request is a synchronous commit on a blocking thread, whose end says it was answered:
//! rdkafka 0.39 does not call the context's commit callback for asynchronous manual commits (they
//! are sent with no reply queue and the client sets no native commit callback).

use super::rebalance::is_no_offset;
use super::Inner;
use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::error::KafkaResult;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

/// At most this many messages are processed while a commit request is in flight (when
/// committing after every message); then the consumer waits for the answer. A crash redelivers
/// at most `2 × COMMIT_WAITING_MAX + 1` messages (see the module's documentation). Large enough
/// that a consumer waits for a commit only when a round trip is unusually slow: with 500, a
/// round trip of a few milliseconds (a loaded broker) outlasted the processing of that many
/// messages and capped the default mode at half the throughput.
pub const COMMIT_WAITING_MAX: usize = 1000;

/// The least time between two commit requests, unless [`COMMIT_WAITING_MAX`] offsets wait: an
/// offset is committed at most this long after its request could have gone.
pub const COMMIT_GAP: Duration = Duration::from_millis(5);

/// The commit requests of a consumer that commits after every message.
pub(super) struct Committer {
    consumer: Arc<Inner>,
    /// Offsets stored since the last request was sent.
    waiting: usize,
    /// The request in flight.
    in_flight: Option<oneshot::Receiver<KafkaResult<()>>>,
    /// The least time between two requests ([`COMMIT_GAP`]).
    min_gap: Duration,
    /// When the last request was sent.
    sent_at: Option<Instant>,
    /// The end of the gap the waiting offsets wait for (no request in flight).
    gap: Option<Pin<Box<Sleep>>>,
}

impl Committer {
    /// The committer of `consumer`, with nothing stored.
    pub(super) fn new(consumer: Arc<Inner>) -> Self {
        Committer {
            consumer,
            waiting: 0,
            in_flight: None,
            min_gap: COMMIT_GAP,
            sent_at: None,
            gap: None,
        }
    }

    /// A message was settled: commit it now, or with the next request if one is in flight or was
    /// sent less than [`COMMIT_GAP`] ago; `store` runs just before a request goes (it stores the
    /// offsets the request commits).
    pub(super) fn stored(&mut self, store: impl FnOnce()) {
        self.waiting += 1;
        self.send_if_free(store);
    }

    /// Whether [`COMMIT_WAITING_MAX`] offsets wait for the request in flight: read no more
    /// messages until it is answered.
    pub(super) fn full(&self) -> bool {
        self.in_flight.is_some() && self.waiting >= COMMIT_WAITING_MAX
    }

    /// Whether a request is in flight or offsets wait for the gap: then
    /// [`Committer::answered`] has something to wait for.
    pub(super) fn pending(&self) -> bool {
        self.in_flight.is_some() || self.gap.is_some()
    }

    /// Until the request in flight is answered, or the gap the waiting offsets wait for is over
    /// (pending forever if neither); then the offsets that waited go. Cancel-safe: the request
    /// stays in flight, and the gap keeps its end, if this is dropped.
    pub(super) async fn answered(&mut self, store: impl FnOnce()) {
        if let Some(request) = self.in_flight.as_mut() {
            let result = request.await;
            self.in_flight = None;
            report(result);
        } else if let Some(gap) = self.gap.as_mut() {
            gap.await;
            self.gap = None;
        } else {
            return std::future::pending().await;
        }
        self.send_if_free(store);
    }

    /// Wait for the request in flight, if any, without sending the offsets that waited for it:
    /// the caller commits them last, at shutdown, and this request cannot land after that.
    pub(super) async fn finish(&mut self) {
        self.gap = None;
        if let Some(request) = self.in_flight.take() {
            report(request.await);
        }
    }

    /// The stored offsets were committed by the caller (synchronously): nothing waits.
    pub(super) fn committed(&mut self) {
        self.waiting = 0;
        self.gap = None;
    }

    fn send_if_free(&mut self, store: impl FnOnce()) {
        if self.waiting == 0 || self.in_flight.is_some() {
            return;
        }
        if self.waiting < COMMIT_WAITING_MAX {
            if self.gap.is_some() {
                return;
            }
            if let Some(end) = self.sent_at.map(|sent| sent + self.min_gap) {
                if Instant::now() < end {
                    self.gap = Some(Box::pin(tokio::time::sleep_until(end)));
                    return;
                }
            }
        }
        store();
        self.gap = None;
        self.waiting = 0;
        self.sent_at = Some(Instant::now());
        let consumer = self.consumer.clone();
        self.in_flight = Some(commit_in_thread(consumer));
    }
}

/// Commit the stored offsets synchronously on a thread of its own; the result comes on the
/// receiver. Not a blocking task of the runtime: a commit librdkafka holds (a coordinator it
/// cannot reach) must not hold the runtime's shutdown, and the process's exit, with it.
pub(super) fn commit_in_thread(consumer: Arc<Inner>) -> oneshot::Receiver<KafkaResult<()>> {
    let (answer, answered) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("eventbus-kafka-commit".into())
        .spawn(move || {
            let _ = answer.send(consumer.commit_consumer_state(CommitMode::Sync));
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start a commit thread; the offsets are committed later");
    }
    answered
}

/// Log a failed request: the offsets stay stored and go with the next one (a failure only means
/// that a crash meanwhile would deliver those messages again).
fn report(result: Result<KafkaResult<()>, oneshot::error::RecvError>) {
    match result {
        Ok(Ok(())) => {}
        Ok(Err(error)) if is_no_offset(&error) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "committing offsets failed; they are committed again later")
        }
        Err(_) => tracing::warn!("the commit thread ended without an answer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::config::consumer_config;
    use crate::kafka::consumer::EventConsumerContext;
    use crate::settings::KafkaSettings;
    use std::time::Duration;

    /// A consumer of no broker (nothing listens there): its commit requests are answered at once
    /// (no offsets stored for an assignment), which is all the committer needs.
    fn committer() -> Committer {
        let settings = KafkaSettings::builder("127.0.0.1:9", "http://127.0.0.1:9")
            .build()
            .unwrap();
        let consumer: Inner = consumer_config(&settings, "committer-test")
            .create_with_context(EventConsumerContext::new("127.0.0.1:9", "unit"))
            .unwrap();
        Committer::new(Arc::new(consumer))
    }

    async fn answered(committer: &mut Committer) {
        tokio::time::timeout(Duration::from_secs(10), committer.answered(|| {}))
            .await
            .expect("the request is answered");
    }

    #[tokio::test]
    async fn one_request_in_flight_and_at_most_the_maximum_waiting() {
        let mut committer = committer();
        assert!(committer.in_flight.is_none());
        committer.stored(|| {});
        assert!(
            committer.in_flight.is_some(),
            "the first offset goes at once"
        );
        for _ in 1..COMMIT_WAITING_MAX {
            committer.stored(|| {});
            assert!(!committer.full());
        }
        assert_eq!(committer.waiting, COMMIT_WAITING_MAX - 1);
        committer.stored(|| {});
        assert!(
            committer.full(),
            "{COMMIT_WAITING_MAX} offsets wait: read no more"
        );
        answered(&mut committer).await;
        assert!(
            committer.in_flight.is_some(),
            "the waiting offsets went as soon as it was answered"
        );
        assert_eq!(committer.waiting, 0);
        assert!(!committer.full());
        answered(&mut committer).await;
        assert!(
            committer.in_flight.is_none(),
            "nothing waited: nothing sent"
        );
        assert!(!committer.pending());
        committer.stored(|| {});
        committer.stored(|| {});
        committer.finish().await;
        assert!(
            committer.in_flight.is_none() && !committer.pending(),
            "finish waits without sending what waited"
        );
        assert_eq!(committer.waiting, 2);
    }

    #[tokio::test]
    async fn requests_are_a_gap_apart_unless_the_maximum_waits() {
        let mut committer = committer();
        committer.min_gap = Duration::from_millis(200);
        committer.stored(|| {});
        let first = committer.sent_at.expect("the first offset goes at once");
        answered(&mut committer).await;
        committer.stored(|| {});
        assert!(
            committer.in_flight.is_none() && committer.pending(),
            "within the gap: the offset waits"
        );
        committer.stored(|| {});
        answered(&mut committer).await;
        let second = committer.sent_at.expect("sent when the gap is over");
        assert!(committer.in_flight.is_some());
        assert_eq!(committer.waiting, 0);
        assert!(second - first >= committer.min_gap);
        answered(&mut committer).await;
        for _ in 1..COMMIT_WAITING_MAX {
            committer.stored(|| {});
        }
        assert!(committer.pending() && committer.in_flight.is_none());
        committer.stored(|| {});
        assert!(
            committer.in_flight.is_some() && committer.gap.is_none(),
            "{COMMIT_WAITING_MAX} waiting offsets go without waiting for the gap"
        );
        assert!(committer.sent_at.expect("sent") - second < committer.min_gap);
    }
}
