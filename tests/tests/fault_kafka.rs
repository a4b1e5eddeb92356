//! Fault tests of the Kafka transport (issue 9), on real servers, with exact counts (printed):
//!
//! 1. a private broker SIGKILLed half-way through 100 000 events produced with `immediate`
//!    sends and restarted 10 s later;
//! 2. the same broker SIGSTOPped for 30 s, then SIGCONT;
//! 3. a consumer process SIGKILLed three times while it works through 50 000 events, restarted
//!    in the same group each time;
//! 4. the same with ordered concurrency (`max_in_flight` 32), checking also that the events of
//!    each key are processed in order;
//! 5. a consumer asked to stop (SIGTERM) while its private broker is frozen (SIGSTOP): its last
//!    commit and its close are never answered, and it still exits cleanly within
//!    [`FROZEN_STOP_GRACE`] (Kubernetes' default grace period).
//!
//! For 1 and 2 every send resolves `Ok` or `Err` within the test's bound, and the topic, read back
//! from the start, holds every `Ok` event exactly once, every failed one at most once, nothing
//! else: delivered + failed-and-not-delivered == 100 000 ([`DeliveryReport::assert_immediate`]).
//!
//! For 3 nothing is lost, and the duplicates are exactly the events each killed run had processed
//! but whose offsets the group had not committed when it died (read from the group after each
//! kill; the test prints these counts). The runtime commits after every message with at most one
//! commit request in flight, the offsets stored meanwhile going with the next request as soon as
//! the previous one is answered, so a kill redelivers at most the messages processed during one
//! commit round trip or two plus the one in hand: at most [`IN_FLIGHT_AT_A_KILL`] per kill
//! (the runtime's bound, `2 × COMMIT_WAITING_MAX + 1`), asserted.
//!
//! Needs the shared schema registry and broker (`eval "$(scripts/services.sh up)"`); tests 1 and
//! 2 start a broker of their own (`scripts/fault-node.sh`). `cargo test -p eventbus-tests --test
//! fault_kafka -- --nocapture` shows the counts.

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::HELD_PER_IN_FLIGHT;
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::kafka::COMMIT_WAITING_MAX;
use eventbus_runtime::settings::{KafkaSettings, KafkaSettingsBuilder};
use eventbus_tests::fault::events::key_of;
use eventbus_tests::fault::kafka_read::{committed_offsets, read_events, read_topic_async};
use eventbus_tests::fault::{
    exclusive, fault_settings, finish_producing, produce_all, start_producing, BrokerFault,
    ConsumerProcess, ConsumerTransport, DeliveryReport, PrivateKafka, Processed, Resolved,
    ScratchDir,
};
use kafka_support::{create_topics, init_tracing, service_env, unique};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events of tests 1 and 2.
const PRODUCED: u64 = 100_000;
/// Events of test 3.
const CONSUMED: u64 = 50_000;
/// Unresolved sends at most at once.
const IN_FLIGHT: usize = 2_000;
/// The produce timeout (`EVENT_BUS_KAFKA_PRODUCE_TIMEOUT`, librdkafka's `message.timeout.ms`) of
/// tests 1 and 2: a send fails if not delivered within 90 s. Longer than the outages, so sends
/// are expected to succeed, but an error is counted, not a failure.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(90);
/// The bound of the produce phase of tests 1 and 2 (outage, restart, and the message timeout).
const PRODUCE_BOUND: Duration = Duration::from_secs(200);
/// The bound of reading a topic back.
const READ_BOUND: Duration = Duration::from_secs(90);
/// Test 3: at most this many events processed beyond the group's committed offsets when the
/// consumer is killed, the runtime's bound: the commit request in flight may not have landed (at
/// most [`COMMIT_WAITING_MAX`] events waited for it), at most as many were processed since it was
/// sent, and one was in hand. Committing every message with its own asynchronous request left
/// 1 700 to 13 600 per kill.
const IN_FLIGHT_AT_A_KILL: usize = 2 * COMMIT_WAITING_MAX + 1;

/// Test 5: how long a consumer may take to stop when the broker does not answer (the commit
/// given up after 5 s, the poller after 5 s, the close after 10 s).
const FROZEN_STOP_GRACE: Duration = Duration::from_secs(30);

/// A private broker with `topic` (3 partitions, under a unique prefix): the broker, the shared
/// registry's URL, the full topic name, and the fault settings as `adjust` leaves them.
async fn private_topic(
    topic: &str,
    adjust: impl FnOnce(KafkaSettingsBuilder) -> KafkaSettingsBuilder,
) -> (PrivateKafka, String, String, KafkaSettings) {
    let (_, registry) = service_env();
    let mut kafka = PrivateKafka::start().await.expect("private broker");
    let prefix = unique("fault");
    let full_topic = format!("{prefix}-{topic}");
    kafka.create_topic(&full_topic, 3).await.expect("topic");
    let settings = adjust(fault_settings(&kafka.bootstrap(), &registry, &prefix))
        .build()
        .expect("settings");
    (kafka, registry, full_topic, settings)
}

/// Produce [`PRODUCED`] events to a private broker while `fault` happens to it once half of
/// the sends resolved; read the topic back and assert the `immediate` rules.
async fn produce_through(fault: BrokerFault) {
    init_tracing();
    let started = Instant::now();
    let topic = "events";
    let (mut kafka, _, full_topic, settings) =
        private_topic(topic, |s| s.produce_timeout(MESSAGE_TIMEOUT)).await;
    let broker_start = started.elapsed();
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));
    let resolved = Resolved::default();
    let producing = start_producing(producer, topic, PRODUCED, IN_FLIGHT, resolved.clone());
    let produce_start = Instant::now();

    let at = resolved
        .wait_for(PRODUCED as usize / 2, PRODUCE_BOUND)
        .await
        .expect("half of the sends resolve");
    let fault_at = produce_start.elapsed();
    let recovery = kafka.inflict(fault).await.expect("the broker comes back");
    assert!(
        at < PRODUCED as usize,
        "the fault came after every send resolved ({at}): nothing was tested"
    );
    let ledger = finish_producing(producing, &resolved, PRODUCE_BOUND).await;
    let produced_in = produce_start.elapsed();

    let events = read_events(&kafka.bootstrap(), &full_topic, READ_BOUND).await;
    let report = DeliveryReport::new(&ledger, &events);
    eventbus_tests::fault_report!(
        "[fault] kafka immediate, broker {recovery} when {at} of {PRODUCED} sends had resolved \
         ({fault_at:.1?} in): {report}"
    );
    for (error, count) in ledger.errors(5) {
        eventbus_tests::fault_report!("[fault]   {count} sends failed with: {error}");
    }
    eventbus_tests::fault_report!(
        "[fault]   times: broker start {broker_start:.1?}, produce {produced_in:.1?}, total {:.1?}",
        started.elapsed()
    );
    report.assert_immediate();
}

/// Test 1: the broker SIGKILLed half-way through 100 000 events and restarted 10 s later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_killed_and_restarted_while_producing_loses_nothing_silently() {
    let _one_at_a_time = exclusive().await;
    produce_through(BrokerFault::Kill(Duration::from_secs(10))).await;
}

/// Test 2: the broker SIGSTOPped for 30 s half-way through 100 000 events, then SIGCONT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_stopped_for_30_s_while_producing_loses_nothing_silently() {
    let _one_at_a_time = exclusive().await;
    produce_through(BrokerFault::Stop(Duration::from_secs(30))).await;
}

/// The offsets `group` committed on `topic`, once two reads 500 ms apart agree (at most 15 s):
/// commit requests the killed process had already written to its socket may still reach the
/// broker and be applied just after the kill.
async fn settled_commits(bootstrap: &str, group: &str, topic: &str) -> HashMap<i32, i64> {
    let read = || {
        let (servers, group, topic) = (bootstrap.to_owned(), group.to_owned(), topic.to_owned());
        async move {
            tokio::task::spawn_blocking(move || committed_offsets(&servers, &group, &topic))
                .await
                .expect("offsets task")
                .expect("committed offsets")
        }
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = read().await;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = read().await;
        if now == last {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the committed offsets of {group} still move 15 s after the kill: {now:?}"
        );
        last = now;
    }
}

/// Test 3: a consumer process SIGKILLed at about 25 %, 50 % and 75 % of 50 000 events and
/// restarted in the same group (static membership, so the restart does not wait for the dead
/// member's session to expire): 0 lost, each duplicate is an event a killed run had processed
/// beyond its group's committed offset, and at most [`IN_FLIGHT_AT_A_KILL`] per kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_killed_three_times_loses_nothing_and_redelivers_only_what_was_in_flight() {
    consumer_killed_three_times("kafka consumer", 1, Duration::ZERO, IN_FLIGHT_AT_A_KILL).await;
}

/// Test 4: the same with ordered concurrency (32 events at once, a receiver that waits 1 ms):
/// also, within each run, the events of each key are processed in the order produced, and a kill
/// redelivers at most the commit bound plus the events held ([`HELD_PER_IN_FLIGHT`] per slot).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_consumer_killed_three_times_keeps_key_order_and_loses_nothing() {
    const MAX_IN_FLIGHT: usize = 32;
    consumer_killed_three_times(
        "kafka consumer (max_in_flight 32)",
        MAX_IN_FLIGHT,
        Duration::from_millis(1),
        IN_FLIGHT_AT_A_KILL + HELD_PER_IN_FLIGHT * MAX_IN_FLIGHT,
    )
    .await;
}

/// Within each run (between kills), the events of a key were processed in the order they are on
/// the topic (by offset; the sends, many at once, may land in another order than their sequence
/// numbers).
fn assert_key_order(
    processed: &[Processed],
    run_ends: &[usize],
    position: &HashMap<u64, (i32, i64)>,
) {
    let mut start = 0;
    for (run, &end) in run_ends
        .iter()
        .chain(std::iter::once(&processed.len()))
        .enumerate()
    {
        let mut last: HashMap<String, (i32, i64)> = HashMap::new();
        for p in &processed[start..end.max(start)] {
            let here = position[&p.seq];
            if let Some(previous) = last.insert(key_of(p.seq), here) {
                assert!(
                    previous.0 == here.0 && previous.1 < here.1,
                    "run {run}: key {} processed offset {here:?} after {previous:?}",
                    key_of(p.seq),
                );
            }
        }
        start = end;
    }
}

async fn consumer_killed_three_times(
    name: &str,
    max_in_flight: usize,
    receiver_wait: Duration,
    in_flight_bound: usize,
) {
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let started = Instant::now();
    let (bootstrap, registry) = service_env();
    let prefix = unique("fault");
    let topic = "consumed";
    let full_topic = format!("{prefix}-{topic}");
    let settings = fault_settings(&bootstrap, &registry, &prefix)
        .build()
        .expect("settings");
    create_topics(&settings, &[&full_topic], 3).await;
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));
    let ledger = produce_all(producer, topic, CONSUMED, IN_FLIGHT, PRODUCE_BOUND).await;
    let on_topic = read_topic_async(&bootstrap, &full_topic, READ_BOUND).await;
    let events: Vec<_> = on_topic.iter().map(|d| d.event).collect();
    DeliveryReport::new(&ledger, &events).assert_all_delivered_once();
    let position: HashMap<u64, (i32, i64)> = on_topic
        .iter()
        .map(|d| (d.event.seq, (d.partition, d.offset)))
        .collect();
    let produced_in = started.elapsed();

    let dir = ScratchDir::new("kafka-consumer").expect("scratch dir");
    let group = unique("fault-group");
    let transport = ConsumerTransport::kafka(&bootstrap, &registry, &unique("fault-member"))
        .concurrent(max_in_flight, receiver_wait);
    let mut consumer = ConsumerProcess::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        dir.path(),
        &transport,
        &full_topic,
        &group,
    )
    .expect("consumer process");
    let mut in_flight: Vec<BTreeSet<u64>> = Vec::new();
    let mut kills = Vec::new();
    for quarter in 1..=3 {
        let target = CONSUMED as usize * quarter / 4;
        consumer
            .wait_progress(target, Duration::from_secs(120))
            .await
            .expect("the consumer makes progress");
        let run_start = consumer.run_ends().last().copied().unwrap_or(0);
        let end = consumer.kill().expect("SIGKILL the consumer");
        let committed = settled_commits(&bootstrap, &group, &full_topic).await;
        let processed = consumer.processed().expect("processed events");
        let uncommitted: BTreeSet<u64> = processed[run_start..end]
            .iter()
            .filter(|p| {
                let (partition, offset) = position[&p.seq];
                offset >= committed.get(&partition).copied().unwrap_or(0)
            })
            .map(|p| p.seq)
            .collect();
        kills.push(format!(
            "kill {quarter} at {end} processed: {} in flight (committed {committed:?})",
            uncommitted.len()
        ));
        assert!(
            uncommitted.len() <= in_flight_bound,
            "kill {quarter} at {end} processed: {} events processed beyond the committed offsets \
             {committed:?}, more than {in_flight_bound}",
            uncommitted.len()
        );
        in_flight.push(uncommitted);
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
    let (report, finished) = consumer
        .settle(&ledger, &in_flight, Duration::from_secs(120))
        .await;
    eventbus_tests::fault_report!("[fault] {name} SIGKILLed 3 times: {report}");
    for kill in &kills {
        eventbus_tests::fault_report!("[fault]   {kill}");
    }
    eventbus_tests::fault_report!(
        "[fault]   times: produce and read back {produced_in:.1?}, total {:.1?}",
        started.elapsed()
    );
    report.assert_exact();
    finished.expect("every event processed");
    let processed = consumer.processed().expect("processed events");
    assert_key_order(&processed, consumer.run_ends(), &position);
}

/// Test 5: a consumer SIGTERMed while its broker is frozen exits with success within
/// [`FROZEN_STOP_GRACE`], each wait it gives up on logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_stops_within_its_bound_when_the_broker_is_frozen() {
    const EVENTS: u64 = 2_000;
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let topic = "frozen";
    let (mut kafka, registry, full_topic, settings) = private_topic(topic, |s| s).await;
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));
    let ledger = produce_all(producer, topic, EVENTS, IN_FLIGHT, PRODUCE_BOUND).await;
    assert_eq!(ledger.ok(), EVENTS as usize);

    let dir = ScratchDir::new("kafka-frozen").expect("scratch dir");
    let group = unique("fault-group");
    // A receiver that waits 2 ms: the broker freezes while events are processed and committed.
    let transport = ConsumerTransport::kafka(&kafka.bootstrap(), &registry, &unique("member"))
        .concurrent(1, Duration::from_millis(2));
    let mut consumer = ConsumerProcess::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        dir.path(),
        &transport,
        &full_topic,
        &group,
    )
    .expect("consumer process");
    let at = consumer
        .wait_progress(EVENTS as usize / 4, Duration::from_secs(60))
        .await
        .expect("the consumer processes events");
    kafka.pause().expect("SIGSTOP the broker");
    let asked = Instant::now();
    let stopped = consumer.stop(FROZEN_STOP_GRACE);
    let took = asked.elapsed();
    kafka.resume().expect("SIGCONT the broker");
    eventbus_tests::fault_report!(
        "[fault] kafka consumer SIGTERMed with its broker frozen after {at} of {EVENTS} events: \
         exited in {took:.1?} ({})",
        match &stopped {
            Ok(status) => status.to_string(),
            Err(error) => error.to_string(),
        }
    );
    stopped.expect("the consumer exits with success within the grace period");
}
