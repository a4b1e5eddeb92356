//! Consumer groups whose members come and go (issue 21), on the shared Kafka broker, with exact
//! counts printed (`-- --nocapture`):
//!
//! - chaos: [`MEMBERS`] `fault_consumer` processes of one group on a 6-partition topic, one of
//!   them replaced (SIGKILL or SIGTERM, then started again) every 1–3 s for [`CHAOS`], while
//!   [`EVENTS`] events over 200 keys are produced. For each group protocol and strategy: nothing
//!   lost; duplicates within the bound of the kills ([`PER_KILL`] each; a SIGTERM adds none);
//!   every event processed within the stated time after the last replacement; and no key run
//!   by two processes at overlapping times (each receiver records its start and end, see
//!   `eventbus_tests::fault::spans`);
//! - a zombie member: SIGSTOPped past its session timeout with events in flight, then SIGCONT:
//!   the group's committed offsets never go back (its late completions are not committed over
//!   the new owner's progress), and nothing is lost.
//!
//! The scenarios run one at a time (`exclusive`). The seed of each run's chaos is printed;
//! `CHAOS_SEED=<seed>` replays it.

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::HELD_PER_IN_FLIGHT;
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::kafka::COMMIT_WAITING_MAX;
use eventbus_tests::fault::chaos::{Dice, Members, Replacement};
use eventbus_tests::fault::kafka_read::committed_offsets;
use eventbus_tests::fault::{
    exclusive, fault_settings, finish_producing, produce_numbered, ConsumerTransport, Pacing,
    Resolved, Signal,
};
use eventbus_tests::fault_report;
use kafka_support::{create_topics, init_tracing, service_env, unique};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Members of the group.
const MEMBERS: usize = 3;
/// Events produced.
const EVENTS: u64 = 20_000;
/// How long members are replaced.
const CHAOS: Duration = Duration::from_secs(60);
/// Events processed at once by a member (ordered by key).
const MAX_IN_FLIGHT: usize = 4;
/// At most this many events a SIGKILLed member processed without the group committing them:
/// those it held ([`HELD_PER_IN_FLIGHT`] `×` [`MAX_IN_FLIGHT`]) and the commit window
/// (`2 ×` [`COMMIT_WAITING_MAX`] `+ 1`).
const PER_KILL: usize = HELD_PER_IN_FLIGHT * MAX_IN_FLIGHT + 2 * COMMIT_WAITING_MAX + 1;
/// How long a SIGTERMed member may take to stop.
const GRACE: Duration = Duration::from_secs(30);

/// One chaos scenario.
struct Scenario {
    name: &'static str,
    /// The group settings of every member.
    env: Vec<(&'static str, &'static str)>,
    /// Static membership: member `i` keeps `group.instance.id` `{group}-{i}` across restarts.
    static_members: bool,
    /// Every event must be processed within this long after the last replacement.
    read_all_within: Duration,
}

/// A member's environment: the scenario's, and the consumer's rebalances and shutdown in its
/// log (what a failure shows of it).
fn env_of(scenario: &Scenario) -> Vec<(String, String)> {
    scenario
        .env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([(
            "RUST_LOG".to_owned(),
            "warn,eventbus_runtime::kafka::consumer=info".to_owned(),
        )])
        .collect()
}

async fn chaos(scenario: Scenario) {
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let (bootstrap, registry) = service_env();
    let prefix = unique("chaos");
    let settings = fault_settings(&bootstrap, &registry, &prefix)
        .build()
        .unwrap();
    let topic = "chaos";
    let full_topic = settings.full_topic(topic);
    create_topics(&settings, &[&full_topic], 6).await;
    let group = unique("chaos-group");
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Dice::clock_seed);
    let mut dice = Dice::new(seed);
    fault_report!(
        "chaos {}: seed {seed} (CHAOS_SEED replays it)",
        scenario.name
    );
    let transport = |i: usize| ConsumerTransport::Kafka {
        bootstrap: bootstrap.clone(),
        registry_url: registry.clone(),
        options: if scenario.static_members {
            vec![("group.instance.id".to_owned(), format!("{group}-{i}"))]
        } else {
            Vec::new()
        },
        max_in_flight: MAX_IN_FLIGHT,
        receiver_wait: Duration::from_millis(1),
    };
    let env = env_of(&scenario);
    let mut members = Members::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        transport,
        &full_topic,
        &group,
        MEMBERS,
        |_| env.clone(),
    )
    .expect("members");

    // Produced over most of the chaos: 400 events a second.
    let producer: Arc<dyn EventProducer> = Arc::new(KafkaProducer::new(&settings).unwrap());
    let resolved = Resolved::default();
    let pacing = Pacing {
        in_flight: 200,
        per_second: Some(u32::try_from(EVENTS / 50).unwrap()),
    };
    let producing = tokio::spawn(produce_numbered(
        producer,
        topic,
        EVENTS,
        pacing,
        resolved.clone(),
    ));
    let done = members
        .chaos(
            0..MEMBERS,
            CHAOS,
            (1000, 3000),
            GRACE,
            &mut dice,
            Replacement::either,
        )
        .await
        .expect("chaos");
    let during: std::collections::BTreeSet<u64> = members
        .processed()
        .expect("processed")
        .iter()
        .map(|p| p.seq)
        .collect();
    let end = members
        .finish(
            producing,
            &resolved,
            EVENTS,
            Duration::from_secs(150),
            GRACE,
        )
        .await;
    let overlaps = end.record.overlaps();
    fault_report!(
        "chaos {}: seed {seed}; {MEMBERS} members, {} SIGKILL + {} SIGTERM in {CHAOS:?}; \
         {} of {EVENTS} events processed by the end of the chaos; every event processed {}; \
         lost {}, duplicates {} (bound {}), overlapping keys {}",
        scenario.name,
        done.kills,
        done.terms,
        during.len(),
        end.read_all_text(),
        end.record.lost(EVENTS).len(),
        end.record.duplicates(),
        done.kills * PER_KILL,
        overlaps.len(),
    );
    end.assert_complete(EVENTS, done.kills * PER_KILL);
    assert!(
        overlaps.is_empty(),
        "{} keys processed by two processes at once, e.g. {:?}",
        overlaps.len(),
        overlaps.first()
    );
    let read_all = end.read_all.expect("every event is processed");
    assert!(
        read_all <= scenario.read_all_within,
        "every event was processed {read_all:?} after the chaos (bound {:?})",
        scenario.read_all_within
    );
}

/// The defaults: classic protocol, cooperative-sticky, a 10 s session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_classic_cooperative_sticky_defaults() {
    chaos(Scenario {
        name: "classic/cooperative-sticky/session 10s (the defaults)",
        env: vec![],
        static_members: false,
        read_all_within: Duration::from_secs(60),
    })
    .await;
}

/// Eager rebalancing (every partition revoked at every rebalance) with a 6 s session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_classic_range_short_session() {
    chaos(Scenario {
        name: "classic/range/session 6s",
        env: vec![
            ("EVENT_BUS_KAFKA_CONSUMER_ASSIGNMENT_STRATEGY", "range"),
            ("EVENT_BUS_KAFKA_CONSUMER_SESSION_TIMEOUT", "6"),
            ("EVENT_BUS_KAFKA_CONSUMER_HEARTBEAT_INTERVAL", "1"),
        ],
        static_members: false,
        read_all_within: Duration::from_secs(30),
    })
    .await;
}

/// Static membership (a restarted member keeps its `group.instance.id`, as a Kubernetes
/// container restart does): no rebalance when a member comes back within its session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_classic_cooperative_static_members() {
    chaos(Scenario {
        name: "classic/cooperative-sticky/static members/session 10s",
        env: vec![("EVENT_BUS_KAFKA_CONSUMER_SESSION_TIMEOUT", "10")],
        static_members: true,
        read_all_within: Duration::from_secs(30),
    })
    .await;
}

/// The next-generation protocol (KIP-848): the broker assigns, incrementally; its session
/// timeout is the broker's (`group.consumer.session.timeout.ms`: Kafka's 45 s, 10 s on the test
/// broker, see `scripts/lib/kafka.sh`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_consumer_protocol() {
    chaos(Scenario {
        name: "consumer protocol (KIP-848)/uniform/broker session 10s",
        env: vec![("EVENT_BUS_KAFKA_CONSUMER_GROUP_PROTOCOL", "consumer")],
        static_members: false,
        read_all_within: Duration::from_secs(30),
    })
    .await;
}

/// A member frozen (SIGSTOP) past its session timeout with events in flight, then let go
/// (SIGCONT): the group's committed offsets never go back, and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zombie_member_does_not_commit_over_the_new_owner() {
    const ZOMBIE_EVENTS: u64 = 3_000;
    let _one_at_a_time = exclusive().await;
    init_tracing();
    let (bootstrap, registry) = service_env();
    let prefix = unique("zombie");
    let settings = fault_settings(&bootstrap, &registry, &prefix)
        .build()
        .unwrap();
    let topic = "zombie";
    let full_topic = settings.full_topic(topic);
    create_topics(&settings, &[&full_topic], 2).await;
    let group = unique("zombie-group");
    let transport = |_| ConsumerTransport::Kafka {
        bootstrap: bootstrap.clone(),
        registry_url: registry.clone(),
        options: Vec::new(),
        max_in_flight: MAX_IN_FLIGHT,
        // Slow receivers: events are in flight when the member is frozen.
        receiver_wait: Duration::from_millis(50),
    };
    let env: Vec<(String, String)> = [
        ("EVENT_BUS_KAFKA_CONSUMER_SESSION_TIMEOUT", "6"),
        ("EVENT_BUS_KAFKA_CONSUMER_HEARTBEAT_INTERVAL", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut members = Members::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        transport,
        &full_topic,
        &group,
        2,
        |_| env.clone(),
    )
    .expect("members");
    let producer: Arc<dyn EventProducer> = Arc::new(KafkaProducer::new(&settings).unwrap());
    let resolved = Resolved::default();
    let pacing = Pacing {
        in_flight: 100,
        per_second: Some(150),
    };
    let producing = tokio::spawn(produce_numbered(
        producer,
        topic,
        ZOMBIE_EVENTS,
        pacing,
        resolved.clone(),
    ));
    members
        .member(0)
        .wait_progress(100, Duration::from_secs(60))
        .await
        .expect("the first member processes events");
    let frozen_at = members.member(0).progress().unwrap();
    members.member(0).signal(Signal::Stop).unwrap();

    // Watch the committed offsets while the member is frozen (12 s, twice its session) and after
    // it runs again: they must never go back.
    let watch = {
        let (bootstrap, group, full_topic) = (bootstrap.clone(), group.clone(), full_topic.clone());
        tokio::task::spawn_blocking(move || {
            let mut highest: HashMap<i32, i64> = HashMap::new();
            let mut went_back = Vec::new();
            let start = std::time::Instant::now();
            let mut reads = 0;
            while start.elapsed() < Duration::from_secs(30) {
                if let Ok(committed) = committed_offsets(&bootstrap, &group, &full_topic) {
                    reads += 1;
                    for (partition, offset) in committed {
                        let high = highest.entry(partition).or_insert(offset);
                        if offset < *high {
                            went_back.push((partition, *high, offset));
                        }
                        *high = (*high).max(offset);
                    }
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            (went_back, reads)
        })
    };
    tokio::time::sleep(Duration::from_secs(12)).await;
    let taken_over = members.member(1).progress().unwrap();
    members.member(0).signal(Signal::Cont).unwrap();
    let (went_back, reads) = watch.await.unwrap();
    let ledger = finish_producing(producing, &resolved, Duration::from_secs(120)).await;
    assert_eq!(
        ledger.ok(),
        ZOMBIE_EVENTS as usize,
        "{:?}",
        ledger.errors(5)
    );
    let read_all = members
        .wait_all(ZOMBIE_EVENTS, Duration::from_secs(120))
        .await
        .expect("processed files");
    let record = members.stop(GRACE).expect("both members stop cleanly");
    let committed = tokio::task::spawn_blocking({
        let (bootstrap, group, full_topic) = (bootstrap.clone(), group.clone(), full_topic.clone());
        move || committed_offsets(&bootstrap, &group, &full_topic)
    })
    .await
    .unwrap()
    .expect("committed offsets");
    let lost = record.lost(ZOMBIE_EVENTS);
    fault_report!(
        "zombie: frozen after {frozen_at} events for 12 s (session 6 s); the other member had \
         processed {taken_over} by then; committed offsets read {reads} times, went back {} \
         times; lost {}, duplicates {}; every event processed: {read_all:?}; committed at the \
         end {committed:?}",
        went_back.len(),
        lost.len(),
        record.duplicates(),
    );
    assert!(
        went_back.is_empty(),
        "committed offsets went back: {went_back:?}"
    );
    assert!(reads > 10, "the committed offsets were read {reads} times");
    assert!(lost.is_empty(), "lost {lost:?}");
    assert_eq!(
        committed.values().sum::<i64>(),
        ZOMBIE_EVENTS as i64,
        "everything is committed at the end: {committed:?}"
    );
}
