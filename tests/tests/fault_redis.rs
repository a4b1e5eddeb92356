//! Fault tests of the Redis transport (issue 9), on a redis-server of the test's own
//! ([`PrivateRedis`]: AOF persistence, `appendfsync always`, no RDB), with exact counts (printed):
//!
//! 1. the server SIGKILLed while 20 000 events are produced (`immediate` sends, at a fixed rate so
//!    that sends happen before, during and after the outage) and restarted 2 s later on the same
//!    AOF: every `Ok` entry is in the stream exactly once, every failed one at most once, nothing
//!    else ([`DeliveryReport::assert_immediate`]), and the producer reconnects by itself. Sends
//!    fail with the requests in flight when the server dies ("broken pipe": some of these were
//!    written and fsynced nonetheless, and are counted as failed but delivered), while it is down
//!    ("Connection refused"), and while the restarted server loads its AOF ("LOADING");
//! 2. a consumer process SIGKILLed three times while it works through 10 000 entries, each time
//!    with entries read and not acknowledged (pending for its name), and restarted with the same
//!    consumer name: 0 lost, and each duplicate is an entry the killed run had processed but not
//!    acknowledged (still pending after the kill). The consumer acknowledges each entry, and
//!    waits for Redis's answer, before it processes the next, so the bound is one entry per
//!    kill, the one in hand: asserted.
//!
//! Needs `redis-server` (installed by `scripts/services.sh up` or `scripts/fault-node.sh fetch`).
//! `cargo test -p eventbus-tests --test fault_redis -- --nocapture` shows the counts.

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::redis::RedisProducer;
use eventbus_runtime::settings::RedisSettings;
use eventbus_tests::fault::redis_read::{pending_ids, read_stream};
use eventbus_tests::fault::{
    exclusive, produce_numbered, ConsumerProcess, ConsumerTransport, DeliveryReport, Pacing,
    PrivateRedis, Resolved, ScratchDir,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Events of test 1.
const EVENTS: u64 = 20_000;
/// Entries of test 2 (each acknowledgement is fsynced to the AOF: about 700 a second here).
const CONSUMED: u64 = 10_000;
/// Sends per second in test 1 (so the run lasts 5 s).
const RATE: u32 = 4_000;
/// How long the server stays down in test 1.
const DOWN: Duration = Duration::from_secs(2);
/// Unresolved sends at most at once.
const IN_FLIGHT: usize = 64;
/// The bound of a produce phase.
const PRODUCE_BOUND: Duration = Duration::from_secs(120);

fn unique(base: &str) -> String {
    format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// A producer to the private server. Without `MAXLEN` trimming: with the default
/// (`EVENT_BUS_REDIS_STREAM_MAX_LEN`, 10 000) the streams would keep only about the last 10 000
/// of the 20 000 entries.
async fn producer(redis: &PrivateRedis) -> Arc<dyn EventProducer> {
    let settings = RedisSettings::builder(redis.url())
        .stream_max_len(None)
        .service_name("fault-tests")
        .common(|c| c.audit_logging_enabled = false)
        .build()
        .expect("settings");
    Arc::new(RedisProducer::new(&settings).await.expect("producer"))
}

/// Test 1: the server SIGKILLed after a fifth of 20 000 sends resolved, restarted 2 s later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_and_restarted_while_producing_loses_no_acknowledged_entry() {
    let _one_at_a_time = exclusive().await;
    let started = Instant::now();
    let mut redis = PrivateRedis::start().await.expect("private redis");
    let stream = unique("fault-redis-kill");
    let producer = producer(&redis).await;
    let resolved = Resolved::default();
    let pacing = Pacing {
        in_flight: IN_FLIGHT,
        per_second: Some(RATE),
    };
    let producing = tokio::spawn({
        let (stream, resolved) = (stream.clone(), resolved.clone());
        async move { produce_numbered(producer, &stream, EVENTS, pacing, resolved).await }
    });
    let at = resolved
        .wait_for(EVENTS as usize / 5, PRODUCE_BOUND)
        .await
        .expect("a fifth of the sends resolve");
    redis.kill().expect("SIGKILL the server");
    tokio::time::sleep(DOWN).await;
    let restart = redis.restart().await.expect("restart the server");
    let back_at = resolved.get();
    let ledger = tokio::time::timeout(PRODUCE_BOUND, producing)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the sends did not all resolve within {PRODUCE_BOUND:?} ({} resolved)",
                resolved.get()
            )
        })
        .expect("the producing task does not panic");
    assert!(
        back_at < EVENTS as usize,
        "every send resolved before the restart: nothing was sent after it"
    );

    let mut connection = redis.connection().await.expect("connection");
    let entries = read_stream(&mut connection, &stream, 2 * EVENTS as usize)
        .await
        .expect("read the stream");
    let events: Vec<_> = entries.iter().map(|e| e.event).collect();
    let report = DeliveryReport::new(&ledger, &events);
    eventbus_tests::fault_report!(
        "[fault] redis immediate, server SIGKILLed when {at} of {EVENTS} sends had resolved, \
         restarted after {DOWN:?} (AOF loaded in {restart:.1?}; {back_at} resolved by then): \
         {report}"
    );
    for (error, count) in ledger.errors(5) {
        eventbus_tests::fault_report!("[fault]   {count} sends failed with: {error}");
    }
    eventbus_tests::fault_report!("[fault]   time: {:.1?}", started.elapsed());
    report.assert_immediate();
    assert!(
        ledger
            .id(EVENTS - 1)
            .is_some_and(|id| events.iter().any(|e| e.seq == EVENTS - 1 && e.id == id)),
        "the last event, sent after the restart, is in the stream: the producer reconnected"
    );
}

/// Test 2: a consumer process SIGKILLed at about 25 %, 50 % and 75 % of 10 000 entries, with
/// entries pending for it, and restarted with the same name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_killed_three_times_with_pending_entries_loses_nothing() {
    let _one_at_a_time = exclusive().await;
    let started = Instant::now();
    let redis = PrivateRedis::start().await.expect("private redis");
    let stream = unique("fault-redis-consumed");
    let pacing = Pacing {
        in_flight: IN_FLIGHT,
        per_second: None,
    };
    let ledger = tokio::time::timeout(
        PRODUCE_BOUND,
        produce_numbered(
            producer(&redis).await,
            &stream,
            CONSUMED,
            pacing,
            Resolved::default(),
        ),
    )
    .await
    .expect("producing is bounded");
    assert_eq!(ledger.ok(), CONSUMED as usize, "{:?}", ledger.errors(5));
    let mut connection = redis.connection().await.expect("connection");
    let entries = read_stream(&mut connection, &stream, 2 * CONSUMED as usize)
        .await
        .expect("read the stream");
    let events: Vec<_> = entries.iter().map(|e| e.event).collect();
    DeliveryReport::new(&ledger, &events).assert_all_delivered_once();
    let entry_of: HashMap<u64, &str> = entries
        .iter()
        .map(|e| (e.event.seq, e.entry_id.as_str()))
        .collect();
    let produced_in = started.elapsed();

    let dir = ScratchDir::new("redis-consumer").expect("scratch dir");
    let group = unique("fault-group");
    let name = "fault-consumer-1";
    let transport = ConsumerTransport::Redis {
        url: redis.url(),
        consumer_name: name.to_owned(),
    };
    let mut consumer = ConsumerProcess::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        dir.path(),
        &transport,
        &stream,
        &group,
    )
    .expect("consumer process");
    let mut in_flight: Vec<BTreeSet<u64>> = Vec::new();
    let mut kills = Vec::new();
    let mut pending_at_kills = 0;
    for quarter in 1..=3 {
        let target = CONSUMED as usize * quarter / 4;
        consumer
            .wait_progress(target, Duration::from_secs(120))
            .await
            .expect("the consumer makes progress");
        let run_start = consumer.run_ends().last().copied().unwrap_or(0);
        let end = consumer.kill().expect("SIGKILL the consumer");
        // An XACK the dead process had already sent is applied now.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pending = pending_ids(&mut connection, &stream, &group, name, CONSUMED as usize)
            .await
            .expect("pending entries");
        let processed = consumer.processed().expect("processed events");
        let unacknowledged: BTreeSet<u64> = processed[run_start..end]
            .iter()
            .filter(|p| pending.contains(entry_of[&p.seq]))
            .map(|p| p.seq)
            .collect();
        kills.push(format!(
            "kill {quarter} at {end} processed: {} pending for {name}, {} of them processed",
            pending.len(),
            unacknowledged.len()
        ));
        assert!(
            unacknowledged.len() <= 1,
            "kill {quarter}: more than the entry in hand was processed and not acknowledged: \
             {unacknowledged:?}"
        );
        pending_at_kills += pending.len();
        in_flight.push(unacknowledged);
        consumer.restart().expect("restart the consumer");
        let restarted = Instant::now();
        consumer
            .wait_progress(end + 1, Duration::from_secs(60))
            .await
            .expect("the restarted consumer processes again");
        kills.push(format!(
            "  restarted: processing again {:.1?} after the restart",
            restarted.elapsed()
        ));
    }
    // It reads 100 entries at a time: a kill finds none pending only if it falls between the
    // acknowledgement of a batch's last entry and the next read.
    assert!(
        pending_at_kills > 0,
        "no kill found entries pending for the consumer"
    );
    let (report, finished) = consumer
        .settle(&ledger, &in_flight, Duration::from_secs(120))
        .await;
    eventbus_tests::fault_report!("[fault] redis consumer SIGKILLed 3 times: {report}");
    for kill in &kills {
        eventbus_tests::fault_report!("[fault]   {kill}");
    }
    eventbus_tests::fault_report!(
        "[fault]   times: produce and read back {produced_in:.1?}, total {:.1?}",
        started.elapsed()
    );
    report.assert_exact();
    finished.expect("every event processed");
}
