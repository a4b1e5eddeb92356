//! Fault tests on a three-broker cluster (issue 20), on real servers, with exact counts
//! (printed). One private cluster ([`PrivateCluster`]: three brokers, three controllers,
//! replication factor 3, `min.insync.replicas=2`), started once; four scenarios, one after the
//! other, each on topics of its own and leaving the three brokers up and in sync:
//!
//! 1. the broker leading every partition of the topic SIGKILLed half-way through 100 000 events
//!    produced through the bus's `KafkaProducer` (idempotent, acks=all, the default 30 s produce
//!    timeout) and restarted 10 s later: every send resolved, all `Ok`, each event on the topic
//!    exactly once (0 lost, 0 duplicated), the restarted broker back in the ISR of every
//!    partition;
//! 2. the same broker SIGSTOPped for 30 s (a partitioned leader: the cluster fences it and
//!    elects other leaders) half-way through 100 000 events while a consumer process consumes
//!    the topic, then SIGCONT: every send resolved, each `Ok` event on the topic exactly once, a
//!    failed one (the requests the frozen leader held until the produce timeout) at most once,
//!    nothing else, and the consumer processed every event on the topic;
//! 3. two of three brokers SIGKILLed: once the cluster has shrunk every ISR to the last broker,
//!    each send (5 s produce timeout) fails with a clear error within the produce timeout, and
//!    10 000 events written through the transactional outbox stay pending (the relay's
//!    attempts fail); the brokers restarted, the relay publishes all 10 000, each on the topic;
//! 4. the broker coordinating a group of three consumer processes SIGKILLed while they consume
//!    30 000 events, restarted 10 s later: every event processed (distinct event ids received ==
//!    sent), nothing unknown; the redeliveries are printed.
//!
//! `FAULT_CLUSTER_ONLY=3,4` runs only those scenarios (while working on them).
//!
//! Needs the shared schema registry (`eval "$(scripts/services.sh up)"`); starts its own
//! cluster with `scripts/fault-node.sh kafka-node` and signals only the brokers it started, by
//! PID. `cargo test -p eventbus-tests --test fault_cluster` prints the counts and the time of
//! each scenario.

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::outbox::Relay;
use eventbus_tests::fault::events::{numbered, KEY_FIELD};
use eventbus_tests::fault::kafka_read::read_events;
use eventbus_tests::fault::outbox::{
    ledger_of, relay_options, sqlite_outbox, wait_published, write_numbered,
};
use eventbus_tests::fault::{
    exclusive, fault_settings, finish_producing, produce_all, start_producing, ConsumerProcess,
    ConsumerTransport, DeliveryReport, PartitionState, PrivateCluster, Processed, Resolved,
    ScratchDir, SendLedger,
};
use eventbus_tests::fault_report;
use kafka_support::{init_tracing, service_env, unique};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Events of scenarios 1 and 2.
const PRODUCED: u64 = 100_000;
/// Unresolved sends at most at once.
const IN_FLIGHT: usize = 2_000;
/// The bound of a produce phase (outage, restart, and the produce timeout).
const PRODUCE_BOUND: Duration = Duration::from_secs(200);
/// The bound of reading a topic back.
const READ_BOUND: Duration = Duration::from_secs(90);
/// The bound of a broker's return to the ISR.
const ISR_BOUND: Duration = Duration::from_secs(90);
/// The produce timeout of scenario 3, where sends must fail.
const SHORT_TIMEOUT: Duration = Duration::from_secs(5);
/// Direct sends of scenario 3 while two brokers are down.
const DIRECT: u64 = 200;
/// Events written through the outbox in scenario 3.
const OUTBOX_EVENTS: u64 = 10_000;
/// Events of scenario 4.
const GROUP_EVENTS: u64 = 30_000;
/// Consumers of scenario 4's group.
const GROUP_SIZE: usize = 3;

/// The topic (without the prefix) of scenarios 1, 2 and 4.
const TOPIC: &str = "events";
/// The broker that leads the topics of scenarios 1 and 2.
const LEADER: i32 = 1;

/// Print the errors of the failed sends, five kinds at most.
fn print_errors(ledger: &SendLedger) {
    for (error, count) in ledger.errors(5) {
        fault_report!("[fault]   {count} sends failed with: {error}");
    }
}

fn isr_line(state: &[PartitionState]) -> String {
    state
        .iter()
        .map(|p| format!("p{} leader {} isr {:?}", p.id, p.leader, p.isr))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A topic of its own for a scenario (`{prefix}-events`, three partitions, all led by `leader`
/// if given, the prefix made of `name`) and a producer to it: the full topic name and the
/// producer.
async fn topic_and_producer(
    cluster: &mut PrivateCluster,
    registry: &str,
    name: &str,
    leader: Option<i32>,
) -> (String, Arc<dyn EventProducer>) {
    let prefix = unique(name);
    let full_topic = format!("{prefix}-{TOPIC}");
    cluster
        .create_topic(&full_topic, 3, leader)
        .await
        .expect("topic");
    let settings = fault_settings(&cluster.bootstrap(), registry, &prefix)
        .build()
        .expect("settings");
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));
    (full_topic, producer)
}

/// Scenario 1: the leader of every partition SIGKILLed during 100 000 sends, restarted 10 s
/// later.
async fn leader_killed(cluster: &mut PrivateCluster, registry: &str) {
    let started = Instant::now();
    let (full_topic, producer) =
        topic_and_producer(cluster, registry, "cluster-kill", Some(LEADER)).await;
    let resolved = Resolved::default();
    let producing = start_producing(producer, TOPIC, PRODUCED, IN_FLIGHT, resolved.clone());
    let at = resolved
        .wait_for(PRODUCED as usize / 2, PRODUCE_BOUND)
        .await
        .expect("half of the sends resolve");
    let pid = cluster.broker_pid(LEADER);
    cluster.kill_broker(LEADER).expect("SIGKILL the leader");
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let restart = cluster
        .restart_broker(LEADER)
        .await
        .expect("the broker comes back");
    let ledger = finish_producing(producing, &resolved, PRODUCE_BOUND).await;
    let produced_in = started.elapsed();
    let delivered = read_events(&cluster.bootstrap(), &full_topic, READ_BOUND).await;
    let report = DeliveryReport::new(&ledger, &delivered);
    let state = cluster
        .wait_in_sync(&full_topic, LEADER, ISR_BOUND)
        .await
        .expect("the restarted broker back in the ISR of every partition");
    fault_report!(
        "[fault] cluster: leader {LEADER} (pid {pid:?}) SIGKILLed when {at} of {PRODUCED} sends \
         had resolved, restarted after 10 s (registered {restart:.1?} after the restart): \
         {report}"
    );
    print_errors(&ledger);
    fault_report!(
        "[fault]   back in the ISR {:.1?} after the kill: {}",
        killed_at.elapsed(),
        isr_line(&state)
    );
    fault_report!(
        "[fault]   times: produce {produced_in:.1?}, scenario {:.1?}",
        started.elapsed()
    );
    report.assert_immediate();
    assert_eq!(
        (ledger.ok(), ledger.failed()),
        (PRODUCED as usize, 0),
        "with the 30 s produce timeout every send succeeds: {report}"
    );
    assert_eq!(report.read, PRODUCED as usize, "0 lost, 0 duplicated");
}

/// Scenario 2: the leader of every partition SIGSTOPped for 30 s during 100 000 sends while a
/// consumer process consumes the topic.
async fn leader_stopped(cluster: &mut PrivateCluster, registry: &str) {
    let started = Instant::now();
    let (full_topic, producer) =
        topic_and_producer(cluster, registry, "cluster-stop", Some(LEADER)).await;
    let dir = ScratchDir::new("cluster-stop-consumer").expect("scratch dir");
    let group = unique("cluster-stop-group");
    let transport = ConsumerTransport::kafka(&cluster.bootstrap(), registry, &unique("member"));
    let mut consumer = ConsumerProcess::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        dir.path(),
        &transport,
        &full_topic,
        &group,
    )
    .expect("consumer process");
    let resolved = Resolved::default();
    let producing = start_producing(producer, TOPIC, PRODUCED, IN_FLIGHT, resolved.clone());
    let at = resolved
        .wait_for(PRODUCED as usize / 2, PRODUCE_BOUND)
        .await
        .expect("half of the sends resolve");
    let consumed_at = consumer.progress().expect("progress");
    cluster.pause_broker(LEADER).expect("SIGSTOP the leader");
    tokio::time::sleep(Duration::from_secs(30)).await;
    cluster.resume_broker(LEADER).expect("SIGCONT the leader");
    let ledger = finish_producing(producing, &resolved, PRODUCE_BOUND).await;
    let produced_in = started.elapsed();
    let delivered = read_events(&cluster.bootstrap(), &full_topic, READ_BOUND).await;
    let report = DeliveryReport::new(&ledger, &delivered);
    let on_topic: BTreeSet<u64> = delivered.iter().map(|p| p.seq).collect();

    // The consumer: every event on the topic processed (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(120);
    let processed = loop {
        let processed = consumer.processed().expect("processed events");
        let seen: BTreeSet<u64> = processed.iter().map(|p| p.seq).collect();
        if on_topic.is_subset(&seen) || Instant::now() >= deadline {
            break processed;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    consumer
        .stop(Duration::from_secs(20))
        .expect("the consumer stops cleanly");
    let seen: BTreeSet<u64> = processed.iter().map(|p| p.seq).collect();
    let lost = on_topic.difference(&seen).count();
    let unknown = seen.difference(&on_topic).count();
    let consumed = DeliveryReport::new(&ledger, &processed);
    let state = cluster
        .wait_in_sync(&full_topic, LEADER, ISR_BOUND)
        .await
        .expect("the resumed broker back in the ISR");
    fault_report!(
        "[fault] cluster: leader {LEADER} SIGSTOPped for 30 s when {at} of {PRODUCED} sends had \
         resolved and {consumed_at} events were consumed, then SIGCONT: {report}"
    );
    print_errors(&ledger);
    fault_report!(
        "[fault]   consumer: processed {} ({} distinct), on the topic {}, lost {lost}, unknown \
         {unknown}, redelivered {}",
        processed.len(),
        seen.len(),
        on_topic.len(),
        processed.len() - seen.len()
    );
    fault_report!("[fault]   after: {}", isr_line(&state));
    fault_report!(
        "[fault]   times: produce {produced_in:.1?}, scenario {:.1?}",
        started.elapsed()
    );
    report.assert_immediate();
    assert_eq!(
        ledger.ok() + ledger.failed(),
        PRODUCED as usize,
        "every send resolved: {report}"
    );
    assert_eq!(lost, 0, "every event on the topic consumed");
    assert_eq!(unknown, 0, "nothing consumed that is not on the topic");
    assert!(consumed.unknown.is_empty(), "{consumed}");
}

/// Scenario 3: two of three brokers down.
async fn two_brokers_down(cluster: &mut PrivateCluster, registry: &str) {
    let started = Instant::now();
    let prefix = unique("cluster-two-down");
    let (direct, relayed) = ("direct", "relayed");
    let (full_direct, full_relayed) = (format!("{prefix}-{direct}"), format!("{prefix}-{relayed}"));
    for name in [&full_direct, &full_relayed] {
        cluster.create_topic(name, 3, None).await.expect("topic");
    }
    let settings = fault_settings(&cluster.bootstrap(), registry, &prefix)
        .produce_timeout(SHORT_TIMEOUT)
        .build()
        .expect("settings");
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));
    // Event 0 before the outage: the producer knows the topic then, so that each send below is
    // the produce request alone, bounded by the produce timeout.
    let (event, metadata) = numbered(0);
    producer
        .send(direct, KEY_FIELD, event, &metadata)
        .await
        .expect("a send before the outage");
    let mut ledger = SendLedger::new(usize::try_from(DIRECT + 1).expect("fits"));
    ledger.record(0, metadata.id, Ok(()));

    let survivor = 1;
    for broker in [2, 3] {
        cluster.kill_broker(broker).expect("SIGKILL a broker");
    }
    let down_at = Instant::now();
    let mut shrunk = String::new();
    for name in [&full_direct, &full_relayed] {
        let state = cluster
            .wait_partitions(
                &format!("the ISR of {name} shrunk to broker {survivor}"),
                name,
                Duration::from_secs(60),
                |p| p.leader == survivor && p.isr == [survivor],
            )
            .await
            .expect("the controllers fence the dead brokers");
        shrunk = isr_line(&state);
    }
    let fenced_in = down_at.elapsed();

    // Direct sends: each fails, with a clear error, within the produce timeout.
    let mut sends = tokio::task::JoinSet::new();
    for seq in 1..=DIRECT {
        let producer = producer.clone();
        sends.spawn(async move {
            let (event, metadata) = numbered(seq);
            let start = Instant::now();
            let outcome = producer
                .send(direct, KEY_FIELD, event, &metadata)
                .await
                .map(drop)
                .map_err(|e| e.to_string());
            (seq, metadata.id, outcome, start.elapsed())
        });
    }
    let mut slowest = Duration::ZERO;
    let mut by_error: HashMap<String, usize> = HashMap::new();
    while let Some(joined) = sends.join_next().await {
        let (seq, id, outcome, took) = joined.expect("a send does not panic");
        slowest = slowest.max(took);
        if let Err(error) = &outcome {
            *by_error.entry(error.clone()).or_default() += 1;
        }
        ledger.record(seq, id, outcome);
    }

    // The outbox keeps every event while the brokers are down.
    let dir = ScratchDir::new("cluster-outbox").expect("scratch dir");
    let (outbox, producing) = sqlite_outbox(&dir, relayed, producer.clone()).await;
    write_numbered(&outbox, OUTBOX_EVENTS, 1000).await;
    let shutdown = CancellationToken::new();
    let relay = Relay::new(
        outbox.clone(),
        producer.clone(),
        relay_options("cluster-relay", 1000),
    );
    let relaying = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { relay.run(shutdown).await }
    });
    // Two produce timeouts and more: the relay's attempts fail, every row stays pending.
    let deadline = Instant::now() + Duration::from_secs(60);
    let held = loop {
        let status = outbox.status().await.expect("status");
        if status.failing > 0 && Instant::now() >= down_at + fenced_in + 3 * SHORT_TIMEOUT {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the relay did not fail within 60 s: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // The brokers return: the relay publishes everything.
    let mut restarts = Vec::new();
    for broker in [2, 3] {
        restarts.push(
            cluster
                .restart_broker(broker)
                .await
                .expect("the broker comes back"),
        );
    }
    let returned_at = Instant::now();
    wait_published(&outbox, OUTBOX_EVENTS, Duration::from_secs(180)).await;
    let published_in = returned_at.elapsed();
    shutdown.cancel();
    let summary = relaying.await.expect("the relay does not panic");
    drop(producing);
    let status = outbox.status().await.expect("status");
    let rows = ledger_of(&outbox, OUTBOX_EVENTS).await;
    let relayed_report = DeliveryReport::new(
        &rows,
        &read_events(&cluster.bootstrap(), &full_relayed, READ_BOUND).await,
    );
    let direct_report = DeliveryReport::new(
        &ledger,
        &read_events(&cluster.bootstrap(), &full_direct, READ_BOUND).await,
    );
    for broker in [2, 3] {
        for name in [&full_direct, &full_relayed] {
            cluster
                .wait_in_sync(name, broker, ISR_BOUND)
                .await
                .expect("the restarted brokers back in the ISR");
        }
    }
    let duplicates = relayed_report.read - relayed_report.delivered;
    fault_report!(
        "[fault] cluster: brokers 2 and 3 SIGKILLed; ISR shrunk to broker {survivor} in \
         {fenced_in:.1?} ({shrunk})"
    );
    fault_report!(
        "[fault]   {DIRECT} direct sends while down (produce timeout {SHORT_TIMEOUT:?}): ok {}, \
         failed {}, slowest {slowest:.1?}; on the topic after the return (with 1 sent before): \
         {direct_report}",
        ledger.ok() - 1,
        ledger.failed()
    );
    for (error, count) in &by_error {
        fault_report!("[fault]   {count} sends failed with: {error}");
    }
    fault_report!(
        "[fault]   outbox while down: pending {}, published {}, failing {}; brokers restarted \
         in {restarts:.1?}; all published {published_in:.1?} after their return; relay: \
         published {}, failed attempts {}; rows {}, pending {}, published {}; topic: \
         {relayed_report}; duplicates {duplicates}",
        held.pending,
        held.published,
        held.failing,
        summary.published,
        summary.failed_attempts,
        rows.ok(),
        status.pending,
        status.published,
    );
    fault_report!("[fault]   times: scenario {:.1?}", started.elapsed());

    assert_eq!(ledger.failed(), DIRECT as usize, "every direct send fails");
    // The produce timeout, then the failure's diagnosis (which brokers hold too few in-sync
    // replicas: one metadata round trip), with room for a busy machine.
    assert!(
        slowest <= SHORT_TIMEOUT + Duration::from_secs(3),
        "every send resolved within the produce timeout ({SHORT_TIMEOUT:?}): the slowest took \
         {slowest:?}"
    );
    direct_report.assert_immediate();
    assert_eq!(
        (held.pending, held.published),
        (OUTBOX_EVENTS, 0),
        "the outbox keeps every event while the brokers are down"
    );
    assert_eq!(
        rows.ok(),
        OUTBOX_EVENTS as usize,
        "every committed event has its row"
    );
    assert_eq!((status.pending, status.published), (0, OUTBOX_EVENTS));
    assert_eq!(summary.published, OUTBOX_EVENTS, "each row published once");
    assert!(
        relayed_report.unknown.is_empty() && relayed_report.ok_lost.is_empty(),
        "{relayed_report}"
    );
    assert_eq!(
        relayed_report.delivered, OUTBOX_EVENTS as usize,
        "every outbox event delivered: {relayed_report}"
    );
    assert!(
        duplicates as u64 <= summary.failed_attempts + summary.unmarked,
        "{duplicates} duplicates, but only {} failed attempts and {} acknowledged rows left \
         unmarked could have made them",
        summary.failed_attempts,
        summary.unmarked
    );
    outbox.close().await;
    // Last: the errors name the cause (the brokers answered NOT_ENOUGH_REPLICAS to each
    // attempt).
    for error in by_error.keys() {
        assert!(
            error.contains("NOT_ENOUGH_REPLICAS")
                || error.contains("NotEnoughReplicas")
                || error.contains("Not enough in-sync replicas"),
            "a clear error naming the missing replicas: {error}"
        );
    }
}

/// Scenario 4: the group coordinator SIGKILLed while three consumer processes consume.
async fn coordinator_killed(cluster: &mut PrivateCluster, registry: &str) {
    let started = Instant::now();
    let (full_topic, producer) = topic_and_producer(cluster, registry, "cluster-group", None).await;
    let ledger = produce_all(producer, TOPIC, GROUP_EVENTS, IN_FLIGHT, PRODUCE_BOUND).await;
    let produced_in = started.elapsed();

    let group = unique("cluster-group");
    let dirs: Vec<ScratchDir> = (0..GROUP_SIZE)
        .map(|i| ScratchDir::new(&format!("cluster-member-{i}")).expect("scratch dir"))
        .collect();
    let mut consumers: Vec<ConsumerProcess> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            // A receiver that takes 1 ms: the group works for a while, all three members
            // with partitions of their own when the coordinator dies.
            let transport = ConsumerTransport::kafka(
                &cluster.bootstrap(),
                registry,
                &format!("{group}-member-{i}"),
            )
            .concurrent(1, Duration::from_millis(1));
            ConsumerProcess::start(
                env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
                dir.path(),
                &transport,
                &full_topic,
                &group,
            )
            .expect("consumer process")
        })
        .collect();
    // Until a quarter is processed, and each member processed some.
    let deadline = Instant::now() + Duration::from_secs(120);
    let by_member: Vec<usize> = loop {
        let by_member: Vec<usize> = consumers
            .iter_mut()
            .map(|c| c.progress().expect("progress"))
            .collect();
        let at: usize = by_member.iter().sum();
        if at >= GROUP_EVENTS as usize / 4 && by_member.iter().all(|&n| n > 0) {
            break by_member;
        }
        assert!(
            Instant::now() < deadline,
            "the group processed only {by_member:?} events in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let at: usize = by_member.iter().sum();
    let (offsets_partition, coordinator) = cluster
        .coordinator_of(&group)
        .await
        .expect("the group's coordinator");
    cluster
        .kill_broker(coordinator)
        .expect("SIGKILL the coordinator");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let restart = cluster
        .restart_broker(coordinator)
        .await
        .expect("the coordinator comes back");

    let deadline = Instant::now() + Duration::from_secs(180);
    let processed: Vec<Processed> = loop {
        let all: Vec<Processed> = consumers
            .iter()
            .flat_map(|c| c.processed().expect("processed events"))
            .collect();
        let distinct: BTreeSet<u64> = all.iter().map(|p| p.seq).collect();
        if distinct.len() >= GROUP_EVENTS as usize || Instant::now() >= deadline {
            break all;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    for consumer in &mut consumers {
        consumer
            .stop(Duration::from_secs(20))
            .expect("the consumer stops cleanly");
    }
    let after: Vec<usize> = consumers
        .iter()
        .map(|c| c.processed().expect("processed").len())
        .collect();
    let report = DeliveryReport::new(&ledger, &processed);
    let state = cluster
        .wait_in_sync(&full_topic, coordinator, ISR_BOUND)
        .await
        .expect("the coordinator back in the ISR");
    fault_report!(
        "[fault] cluster: coordinator of group {group} (broker {coordinator}, leader of \
         __consumer_offsets partition {offsets_partition}) SIGKILLed when the {GROUP_SIZE} \
         consumers had processed {at} of {GROUP_EVENTS} ({by_member:?}), restarted after 10 s \
         (registered {restart:.1?} after the restart)"
    );
    fault_report!(
        "[fault]   processed {} ({} distinct; by member {after:?}): lost {}, unknown {}, \
         redelivered {}",
        report.read,
        report.delivered,
        report.ok_lost.len(),
        report.unknown.len(),
        report.read - report.delivered
    );
    fault_report!("[fault]   after: {}", isr_line(&state));
    fault_report!(
        "[fault]   times: produce {produced_in:.1?}, scenario {:.1?}",
        started.elapsed()
    );
    assert!(report.ok_lost.is_empty(), "every event processed: {report}");
    assert!(report.unknown.is_empty(), "{report}");
    assert_eq!(report.delivered, GROUP_EVENTS as usize, "{report}");
}

/// The four scenarios on one cluster (started once: six JVMs take most of a minute to start on
/// two cores).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_broker_cluster_loses_nothing_when_brokers_fail() {
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let (_, registry) = service_env();
    let started = Instant::now();
    let mut cluster = PrivateCluster::start().await.expect("private cluster");
    fault_report!(
        "[fault] cluster: three brokers ({}) and three controllers ready in {:.1?}",
        cluster.bootstrap(),
        started.elapsed()
    );
    // FAULT_CLUSTER_ONLY=2,4 runs only those scenarios (while working on them).
    let only = std::env::var("FAULT_CLUSTER_ONLY").unwrap_or_default();
    let run = |n: &str| only.is_empty() || only.split(',').any(|s| s.trim() == n);
    if run("1") {
        leader_killed(&mut cluster, &registry).await;
    }
    if run("2") {
        leader_stopped(&mut cluster, &registry).await;
    }
    if run("4") {
        coordinator_killed(&mut cluster, &registry).await;
    }
    if run("3") {
        two_brokers_down(&mut cluster, &registry).await;
    }
    fault_report!(
        "[fault] cluster: four scenarios in {:.1?}",
        started.elapsed()
    );
}
