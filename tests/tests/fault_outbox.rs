//! Fault tests of the transactional outbox (issue 9), on real servers, with exact counts
//! (printed):
//!
//! 1. 100 000 events written through the outbox (in application transactions of 100 events, on
//!    the SQLite embedded default) while the relay publishes them to a private broker, which is
//!    SIGKILLed half-way through and restarted 10 s later: 100 000/100 000 delivered;
//! 2. the same with the broker SIGSTOPped for 30 s, then SIGCONT;
//! 3. the relay process SIGKILLed mid-batch past 25 %, 50 % and 75 % of 50 000 rows in MariaDB
//!    (when the topic holds more messages than rows are marked; killed again, at most 10 times,
//!    until a kill falls inside a batch), restarted with the same relay id: 0 lost, and the duplicates are exactly the rows
//!    of the batch in hand at each kill (produced, not yet marked published): at most one batch
//!    (`EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE`, 2 000 here) per kill.
//!
//! A copy beyond the first in 1 and 2 can only come from a send the relay saw fail (a delivery
//! timeout while the broker was away, though the broker had written the message) and retried:
//! the tests assert duplicates <= the relay's failed attempts.
//!
//! Needs the shared schema registry and broker and MariaDB (`eval "$(scripts/services.sh up)"`);
//! 1 and 2 start a broker of their own. `cargo test -p eventbus-tests --test fault_outbox --
//! --nocapture` shows the counts.

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::outbox::{Outbox, OutboxRow, Relay};
use eventbus_tests::fault::events::{numbered, sequence_of_avro, KEY_FIELD};
use eventbus_tests::fault::kafka_read::read_events;
use eventbus_tests::fault::outbox::{
    fresh_outbox, ledger_of, relay_options, sqlite_outbox, wait_published, write_numbered,
};
use eventbus_tests::fault::{
    exclusive, fault_settings, BrokerFault, DeliveryReport, OwnedProcess, PrivateKafka,
    RedeliveryReport, ScratchDir, SendLedger,
};
use kafka_support::{create_topics, init_tracing, service_env, unique};
use rdkafka::consumer::{BaseConsumer, Consumer};
use sqlx::Row;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Events of tests 1 and 2.
const WRITTEN: u64 = 100_000;
/// Events per application transaction.
const PER_TRANSACTION: u64 = 100;
/// Rows of test 3.
const RELAYED: u64 = 50_000;
/// The relays' batch size in tests 1 and 2.
const BATCH: usize = 500;
/// The relay's batch size in test 3: large, so that a kill falls inside a batch.
const RELAY_BATCH: usize = 2000;
/// The bound of writing and publishing everything in tests 1 and 2.
const PUBLISH_BOUND: Duration = Duration::from_secs(300);
/// The bound of reading a topic back.
const READ_BOUND: Duration = Duration::from_secs(90);

/// The sequence numbers of the rows not published yet.
async fn pending_seqs(outbox: &Outbox) -> BTreeSet<u64> {
    sqlx::query("SELECT event_data FROM eventbus_outbox WHERE published_at_us IS NULL")
        .fetch_all(outbox.pool())
        .await
        .expect("read the pending rows")
        .iter()
        .map(|row| sequence_of_avro(&row.get::<Vec<u8>, _>(0)).expect("a fault-test event"))
        .collect()
}

/// Wait (at most `bound`) until the relay is mid-batch: the topic holds more messages than rows
/// are marked published plus the `copies` published twice so far, so a batch is produced (at
/// least in part) and not yet marked.
async fn wait_mid_batch(
    outbox: &Outbox,
    watermarks: &BaseConsumer,
    topic: &str,
    copies: usize,
    bound: Duration,
) {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        // The topic first, then the marks: messages on the topic then that are still not marked
        // after are in flight now.
        let on_topic: i64 = (0..3)
            .map(|p| {
                watermarks
                    .fetch_watermarks(topic, p, Duration::from_secs(5))
                    .map_or(0, |(_, high)| high)
            })
            .sum();
        let marked: i64 =
            sqlx::query("SELECT COUNT(*) FROM eventbus_outbox WHERE published_at_us IS NOT NULL")
                .fetch_one(outbox.pool())
                .await
                .expect("count the marked rows")
                .get(0);
        if on_topic > marked + i64::try_from(copies).unwrap_or(i64::MAX) {
            return;
        }
    }
}

/// Write [`WRITTEN`] events through the outbox (the configured `outbox` mode, in application
/// transactions) while an in-process relay publishes them to a private broker that suffers
/// `fault` half-way; everything must be delivered.
async fn outbox_through(fault: BrokerFault) {
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let started = Instant::now();
    let (_, registry) = service_env();
    let mut kafka = PrivateKafka::start().await.expect("private broker");
    let prefix = unique("fault-outbox");
    let topic = "events";
    let full_topic = format!("{prefix}-{topic}");
    kafka.create_topic(&full_topic, 3).await.expect("topic");
    let settings = fault_settings(&kafka.bootstrap(), &registry, &prefix)
        .build()
        .expect("settings");
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));

    let dir = ScratchDir::new("outbox").expect("scratch dir");
    let (outbox, producing) = sqlite_outbox(&dir, topic, producer.clone()).await;

    // The application: transactions of 100 events each.
    let writing = tokio::spawn({
        let outbox = outbox.clone();
        async move { write_numbered(&outbox, WRITTEN, PER_TRANSACTION).await }
    });
    let shutdown = CancellationToken::new();
    let relay = Relay::new(
        outbox.clone(),
        producer.clone(),
        relay_options("fault-relay", BATCH),
    );
    let relaying = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { relay.run(shutdown).await }
    });

    let at = wait_published(&outbox, WRITTEN / 2, PUBLISH_BOUND).await;
    let fault_at = started.elapsed();
    let recovery = kafka.inflict(fault).await.expect("the broker comes back");
    tokio::time::timeout(PUBLISH_BOUND, writing)
        .await
        .expect("writing is bounded")
        .expect("the application's transactions commit");
    let published = wait_published(&outbox, WRITTEN, PUBLISH_BOUND).await;
    shutdown.cancel();
    let summary = relaying.await.expect("the relay does not panic");
    drop(producing);
    let status = outbox.status().await.expect("status");
    let ledger = ledger_of(&outbox, WRITTEN).await;
    let delivered = read_events(&kafka.bootstrap(), &full_topic, READ_BOUND).await;
    let delivery = DeliveryReport::new(&ledger, &delivered);
    let duplicates = delivery.read - delivery.delivered;
    eventbus_tests::fault_report!(
        "[fault] kafka outbox, broker {recovery} when {at} of {WRITTEN} rows were published \
         ({fault_at:.1?} in): rows {}, published {published}, pending {}; relay: published {}, \
         failed attempts {}; topic: {delivery}; duplicates {duplicates}; total {:.1?}",
        ledger.ok(),
        status.pending,
        summary.published,
        summary.failed_attempts,
        started.elapsed()
    );
    assert_eq!(
        ledger.ok(),
        WRITTEN as usize,
        "every committed event has its row"
    );
    assert_eq!((status.pending, status.published), (0, WRITTEN));
    assert!(
        delivery.unknown.is_empty() && delivery.ok_lost.is_empty(),
        "{delivery}"
    );
    assert_eq!(
        delivery.delivered, WRITTEN as usize,
        "100 000/100 000 delivered: {delivery}"
    );
    assert!(
        duplicates as u64 <= summary.failed_attempts + summary.unmarked,
        "{duplicates} duplicates, but only {} failed attempts and {} acknowledged rows left \
         unmarked could have made them",
        summary.failed_attempts,
        summary.unmarked
    );
    assert_eq!(summary.published, WRITTEN, "each row marked published once");
    outbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_delivers_everything_through_a_broker_killed_and_restarted() {
    outbox_through(BrokerFault::Kill(Duration::from_secs(10))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_delivers_everything_through_a_broker_stopped_for_30_seconds() {
    outbox_through(BrokerFault::Stop(Duration::from_secs(30))).await;
}

/// The relay process SIGKILLed three times mid-batch and restarted: nothing lost, and the rows
/// published again are exactly those of the batch in hand at each kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_killed_mid_batch_loses_nothing_and_republishes_only_its_batch() {
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let started = Instant::now();
    let (bootstrap, registry) = service_env();
    let url = std::env::var("EVENT_BUS_TEST_MYSQL_URL").unwrap_or_else(|_| {
        panic!("EVENT_BUS_TEST_MYSQL_URL is not set: start MariaDB with `eval \"$(scripts/services.sh up)\"`")
    });
    let prefix = unique("fault-relay");
    let topic = "relayed";
    let full_topic = format!("{prefix}-{topic}");
    let settings = fault_settings(&bootstrap, &registry, &prefix)
        .build()
        .expect("settings");
    create_topics(&settings, &[&full_topic], 3).await;

    let outbox = fresh_outbox(&url).await;
    let mut ledger = SendLedger::new(RELAYED as usize);
    for first in (0..RELAYED).step_by(1000) {
        let rows: Vec<OutboxRow> = (first..first + 1000)
            .map(|seq| {
                let (event, metadata) = numbered(seq);
                ledger.record(seq, metadata.id, Ok(()));
                OutboxRow::new(&*event, &metadata, topic, KEY_FIELD).expect("row")
            })
            .collect();
        outbox.insert(&rows).await.expect("write the rows");
    }
    let written_in = started.elapsed();

    let dir = ScratchDir::new("relay").expect("scratch dir");
    let mut relay = OwnedProcess::new(
        "relay",
        env!("CARGO_BIN_EXE_fault_relay"),
        dir.path().join("relay.log"),
    )
    .env("EVENT_BUS_OUTBOX_URL", &url)
    .env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", &bootstrap)
    .env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL", &registry)
    .env("EVENT_BUS_TOPIC_PREFIX", &prefix)
    .env("EVENT_BUS_KAFKA_AUDIT_LOGGING_ENABLED", "false")
    .env("EVENT_BUS_OUTBOX_RELAY_ID", "fault-relay")
    .env("EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE", RELAY_BATCH.to_string())
    .env("EVENT_BUS_OUTBOX_RELAY_POLL_INTERVAL", "0.05");
    let watermarks: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", unique("fault-watermarks"))
        .create()
        .expect("watermark client");
    relay.start().expect("start the relay");
    let mut in_flight: Vec<BTreeSet<u64>> = Vec::new();
    let mut kills = Vec::new();
    for quarter in 1..=3u64 {
        let target = RELAYED * quarter / 4;
        wait_published(&outbox, target, Duration::from_secs(120)).await;
        // Kill until a kill falls inside a batch (at most 10 tries).
        for attempt in 1..=10 {
            let copies = in_flight.iter().map(BTreeSet::len).sum();
            wait_mid_batch(
                &outbox,
                &watermarks,
                &full_topic,
                copies,
                Duration::from_secs(10),
            )
            .await;
            relay.kill().expect("SIGKILL the relay");
            // Let the broker append what the dead process had already sent.
            tokio::time::sleep(Duration::from_secs(1)).await;
            let pending = pending_seqs(&outbox).await;
            let on_topic: BTreeSet<u64> = read_events(&bootstrap, &full_topic, READ_BOUND)
                .await
                .iter()
                .map(|p| p.seq)
                .collect();
            let batch: BTreeSet<u64> = pending.intersection(&on_topic).copied().collect();
            kills.push(format!(
                "kill {} (quarter {quarter}, try {attempt}): {} rows published and marked, {} produced but not marked",
                kills.len() + 1,
                RELAYED as usize - pending.len(),
                batch.len()
            ));
            assert!(
                batch.len() <= RELAY_BATCH,
                "{} rows produced but not marked, more than one batch ({RELAY_BATCH})",
                batch.len()
            );
            let mid_batch = !batch.is_empty();
            in_flight.push(batch);
            relay.start().expect("restart the relay");
            if mid_batch {
                break;
            }
            assert!(
                attempt < 10,
                "no kill fell inside a batch in 10 tries: {kills:?}"
            );
        }
    }
    wait_published(&outbox, RELAYED, Duration::from_secs(120)).await;
    let status = relay
        .terminate(Duration::from_secs(20))
        .expect("stop the relay")
        .expect("it was running");
    assert!(
        status.success(),
        "the relay exits 0 on SIGTERM: {}",
        relay.log_tail(20)
    );
    let delivered = read_events(&bootstrap, &full_topic, READ_BOUND).await;
    let redelivery = RedeliveryReport::new(&ledger, &delivered, &in_flight);
    eventbus_tests::fault_report!(
        "[fault] outbox relay SIGKILLed {} times, 3 of them mid-batch (batch {RELAY_BATCH}): {redelivery}",
        kills.len()
    );
    for kill in &kills {
        eventbus_tests::fault_report!("[fault]   {kill}");
    }
    eventbus_tests::fault_report!(
        "[fault]   times: write {RELAYED} rows to MariaDB {written_in:.1?}, total {:.1?}",
        started.elapsed()
    );
    redelivery.assert_exact();
    assert_eq!(outbox.status().await.expect("status").pending, 0);
    outbox.close().await;
}
