//! Producing the numbered events of a fault test through any [`EventProducer`] with bounded
//! concurrency (and optionally a fixed rate), recording how every send resolved.

use super::events::{numbered, KEY_FIELD};
use super::ledger::SendLedger;
use eventbus_runtime::backend::EventProducer;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How fast [`produce_numbered`] sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// At most this many sends unresolved at once (at least 1).
    pub in_flight: usize,
    /// At most this many sends started per second (`None`: as fast as `in_flight` allows). Event
    /// `i` is not sent before `i / per_second` seconds after the start, so the run lasts at least
    /// `n / per_second` seconds however fast the transport answers or fails.
    pub per_second: Option<u32>,
}

/// Counts the sends resolved so far (`Ok` or error), shared with whoever injects the fault.
#[derive(Debug, Clone, Default)]
pub struct Resolved(Arc<AtomicUsize>);

impl Resolved {
    /// How many sends resolved so far.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// Wait until at least `count` sends resolved (polling every 5 ms, at most `timeout`); the
    /// count then, or `None` on timeout.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Option<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            let now = self.get();
            if now >= count {
                return Some(now);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Send the events `0..n` of [`super::events::numbered`] to `topic` (without the prefix) through
/// `producer`, paced by `pacing`, counting each resolved send in `resolved`; how each resolved.
/// Unbounded in time by itself (the transport's own timeouts end each send): run it under
/// `tokio::time::timeout`.
pub async fn produce_numbered(
    producer: Arc<dyn EventProducer>,
    topic: &str,
    n: u64,
    pacing: Pacing,
    resolved: Resolved,
) -> SendLedger {
    let mut ledger = SendLedger::new(usize::try_from(n).expect("n fits in memory"));
    let mut running = JoinSet::new();
    let start = Instant::now();
    let topic: Arc<str> = Arc::from(topic);
    let record = |joined: Option<Result<_, tokio::task::JoinError>>, ledger: &mut SendLedger| {
        if let Some(joined) = joined {
            let (seq, id, outcome) = joined.expect("a send task does not panic");
            ledger.record(seq, id, outcome);
            resolved.0.fetch_add(1, Ordering::AcqRel);
        }
    };
    for seq in 0..n {
        while running.len() >= pacing.in_flight.max(1) {
            record(running.join_next().await, &mut ledger);
        }
        if let Some(rate) = pacing.per_second {
            let due = start + Duration::from_secs_f64(seq as f64 / f64::from(rate.max(1)));
            tokio::time::sleep_until(due).await;
        }
        let (producer, topic) = (producer.clone(), topic.clone());
        running.spawn(async move {
            let (event, metadata) = numbered(seq);
            let outcome = producer
                .send(&topic, KEY_FIELD, event, &metadata)
                .await
                .map(drop)
                .map_err(|e| e.to_string());
            (seq, metadata.id, outcome)
        });
    }
    while !running.is_empty() {
        record(running.join_next().await, &mut ledger);
    }
    ledger
}

/// [`produce_numbered`] of `n` events as fast as `in_flight` unresolved sends allow, in the
/// background (finish it with [`finish_producing`]).
pub fn start_producing(
    producer: Arc<dyn EventProducer>,
    topic: &'static str,
    n: u64,
    in_flight: usize,
    resolved: Resolved,
) -> tokio::task::JoinHandle<SendLedger> {
    tokio::spawn(async move {
        let pacing = Pacing {
            in_flight,
            per_second: None,
        };
        produce_numbered(producer, topic, n, pacing, resolved).await
    })
}

/// How each send of [`start_producing`] resolved; panics if they did not all resolve within
/// `bound` (saying how many did).
pub async fn finish_producing(
    producing: tokio::task::JoinHandle<SendLedger>,
    resolved: &Resolved,
    bound: Duration,
) -> SendLedger {
    tokio::time::timeout(bound, producing)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the sends did not all resolve within {bound:?} ({} resolved)",
                resolved.get()
            )
        })
        .expect("the producing task does not panic")
}

/// Send `n` events as fast as `in_flight` unresolved sends allow (the events a consumer test
/// reads), within `bound`; panics unless every send succeeded.
pub async fn produce_all(
    producer: Arc<dyn EventProducer>,
    topic: &str,
    n: u64,
    in_flight: usize,
    bound: Duration,
) -> SendLedger {
    let pacing = Pacing {
        in_flight,
        per_second: None,
    };
    let ledger = tokio::time::timeout(
        bound,
        produce_numbered(producer, topic, n, pacing, Resolved::default()),
    )
    .await
    .expect("producing is bounded");
    assert_eq!(
        ledger.ok(),
        usize::try_from(n).expect("fits"),
        "{:?}",
        ledger.errors(5)
    );
    ledger
}
