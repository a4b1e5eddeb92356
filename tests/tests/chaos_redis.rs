//! Redis consumers whose members come and go (issue 21), on the shared Redis, with exact counts
//! printed (`-- --nocapture`): [`MEMBERS`] `fault_consumer` processes of one group, with ordered
//! concurrency and claiming (`claim_pending_older_than`, [`CLAIM_IDLE`]), one of them replaced
//! (SIGKILL or SIGTERM, then started again under its name) every 1–3 s for [`CHAOS`] while
//! [`EVENTS`] entries are added, after a first member was killed for good with entries pending:
//! only claiming gets those processed. Nothing is lost; duplicates stay within the bound of the
//! kills.
//!
//! Redis streams have no partitions: the entries of one key may go to two members at once, so
//! the order of a key holds within a member only (see the README), and no overlap is asserted.

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::HELD_PER_IN_FLIGHT;
use eventbus_runtime::redis::RedisProducer;
use eventbus_runtime::settings::RedisSettings;
use eventbus_tests::fault::chaos::{Dice, Members, Replacement};
use eventbus_tests::fault::consumer::RECEIVER_WAIT_MS;
use eventbus_tests::fault::{exclusive, produce_numbered, ConsumerTransport, Pacing, Resolved};
use eventbus_tests::fault_report;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Members of the group.
const MEMBERS: usize = 3;
/// Entries added.
const EVENTS: u64 = 20_000;
/// How long members are replaced.
const CHAOS: Duration = Duration::from_secs(60);
/// Entries processed at once by a member.
const MAX_IN_FLIGHT: usize = 4;
/// Entries pending longer than this are claimed by the other members.
const CLAIM_IDLE: Duration = Duration::from_secs(2);
/// At most this many entries a SIGKILLed member processed without acknowledging them: those it
/// held.
const PER_KILL: usize = HELD_PER_IN_FLIGHT * MAX_IN_FLIGHT;
/// How long a SIGTERMed member may take to stop.
const GRACE: Duration = Duration::from_secs(30);

fn url() -> String {
    std::env::var("EVENT_BUS_REDIS_CONNECTION_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .expect("EVENT_BUS_REDIS_CONNECTION_URL is not set: start `scripts/services.sh up`")
}

/// How many entries are pending for `consumer` in `group`.
async fn pending_of(stream: &str, group: &str, consumer: &str) -> usize {
    let client = redis::Client::open(url()).expect("redis url");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connection");
    let pending: Vec<redis::Value> = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .arg(consumer)
        .query_async(&mut connection)
        .await
        .expect("XPENDING");
    pending.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_three_consumers_with_claiming() {
    let _one_at_a_time = exclusive().await;
    let suffix = &Uuid::new_v4().simple().to_string()[..8];
    let stream = format!("chaos-{suffix}");
    let group = format!("chaos-group-{suffix}");
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Dice::clock_seed);
    let mut dice = Dice::new(seed);
    fault_report!("redis chaos: seed {seed} (CHAOS_SEED replays it)");
    let transport = |i: usize| ConsumerTransport::Redis {
        url: url(),
        consumer_name: format!("member-{i}"),
    };
    let env: Vec<(String, String)> = vec![
        (
            "EVENT_BUS_REDIS_CONSUMER_MAX_IN_FLIGHT".into(),
            MAX_IN_FLIGHT.to_string(),
        ),
        (
            "FAULT_CONSUMER_CLAIM_IDLE_MS".into(),
            CLAIM_IDLE.as_millis().to_string(),
        ),
    ];
    let mut members = Members::start(
        env!("CARGO_BIN_EXE_fault_consumer").as_ref(),
        transport,
        &stream,
        &group,
        MEMBERS,
        |i| {
            let mut env = env.clone();
            if i == 0 {
                // Slow receivers: member 0 holds entries when it is killed.
                env.push((RECEIVER_WAIT_MS.into(), "200".into()));
            }
            env
        },
    )
    .expect("members");
    let settings = RedisSettings::builder(url())
        .stream_max_len(None)
        .service_name("fault-tests")
        .common(|c| c.audit_logging_enabled = false)
        .build()
        .expect("settings");
    let producer: Arc<dyn EventProducer> =
        Arc::new(RedisProducer::new(&settings).await.expect("producer"));
    let resolved = Resolved::default();
    let pacing = Pacing {
        in_flight: 64,
        per_second: Some(u32::try_from(EVENTS / 50).unwrap()),
    };
    let producing = {
        let (stream, resolved) = (stream.clone(), resolved.clone());
        tokio::spawn(
            async move { produce_numbered(producer, &stream, EVENTS, pacing, resolved).await },
        )
    };
    // Member 0 dies for good once it holds entries: only the others' claims process them.
    members
        .member(0)
        .wait_progress(20, Duration::from_secs(60))
        .await
        .expect("member 0 processes entries");
    members.member(0).kill().expect("SIGKILL member 0");
    let orphans = pending_of(&stream, &group, "member-0").await;
    let done = members
        .chaos(
            1..MEMBERS,
            CHAOS,
            (1000, 3000),
            GRACE,
            &mut dice,
            Replacement::either,
        )
        .await
        .expect("chaos");
    let kills = done.kills + 1;
    let end = members
        .finish(
            producing,
            &resolved,
            EVENTS,
            Duration::from_secs(120),
            GRACE,
        )
        .await;
    fault_report!(
        "redis chaos: seed {seed}; {MEMBERS} members, one killed for good with {orphans} entries \
         pending, then {} SIGKILL + {} SIGTERM of the others in {CHAOS:?}; every entry processed \
         {}; lost {}, duplicates {} (bound {}); left pending for the dead member: {}",
        done.kills,
        done.terms,
        end.read_all_text(),
        end.record.lost(EVENTS).len(),
        end.record.duplicates(),
        kills * PER_KILL,
        pending_of(&stream, &group, "member-0").await,
    );
    end.assert_complete(EVENTS, kills * PER_KILL);
    assert!(end.read_all.is_some(), "every entry is processed");
    assert_eq!(
        pending_of(&stream, &group, "member-0").await,
        0,
        "the dead member's entries were claimed"
    );
}
