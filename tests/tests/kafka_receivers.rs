//! A Kafka consumer's receivers against a real broker and schema registry: retries of the
//! receivers that failed (only them) before dead-lettering, the consumer's own typed handlers
//! (isolated from the global signals), and ordered concurrency (`max_in_flight`).
//!
//! Needs `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`
//! (`eval "$(scripts/services.sh up)"`); fails without them.

#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/scrape.rs"]
mod scrape;

use eventbus_runtime::consume::OnEvent;
use eventbus_runtime::kafka::dead_letter as dlq;
use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::settings::KafkaSettings;
use eventbus_runtime::{Envelope, OpenEdxEvent};
use kafka_support::*;
use openedx_events::learning::SessionLoginCompleted;
use rdkafka::Offset;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(60);

/// Settings with fast retries: 2 retries, 10 ms then 20 ms.
fn settings(case: &str, max_in_flight: usize) -> KafkaSettings {
    builder(&unique(case))
        .common(|c| {
            c.retry.retries = 2;
            c.retry.backoff = Duration::from_millis(10);
            c.max_in_flight = max_in_flight;
        })
        .build()
        .unwrap()
}

/// Send one login per username, in order; their ids.
async fn send_logins(settings: &KafkaSettings, topic: &str, usernames: &[String]) -> Vec<Uuid> {
    let producer = KafkaProducer::new(settings).unwrap();
    let mut ids = Vec::new();
    for username in usernames {
        let metadata = metadata_for(descriptor(LOGIN));
        producer
            .send_event(topic, "user.pii.username", login_for(username), &metadata)
            .await
            .unwrap();
        ids.push(metadata.id);
    }
    ids
}

/// Wait until `done()` (bounded by [`WAIT`]).
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "{what} within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Calls of a handler, by event id.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<HashMap<Uuid, usize>>>);

impl Calls {
    /// Count a call; how many calls of this event so far (this one included).
    fn record(&self, id: Uuid) -> usize {
        let mut calls = self.0.lock().unwrap();
        let n = calls.entry(id).or_default();
        *n += 1;
        *n
    }
    fn of(&self, id: &Uuid) -> usize {
        self.0.lock().unwrap().get(id).copied().unwrap_or(0)
    }
    fn total(&self) -> usize {
        self.0.lock().unwrap().values().sum()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_receivers_run_again_alone_until_they_succeed() {
    let settings = settings("retry", 1);
    let topic = "retry";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;
    let ids = send_logins(&settings, topic, &["a".into(), "b".into(), "c".into()]).await;
    let (steady, flaky) = (Calls::default(), Calls::default());
    let (s, f) = (steady.clone(), flaky.clone());
    let group = unique("g");
    let consumer = KafkaConsumer::new(&settings, topic, &group)
        .unwrap()
        .on::<SessionLoginCompleted, _, _>("steady", move |e| {
            s.record(e.metadata.id);
            async { Ok(()) }
        })
        .on::<SessionLoginCompleted, _, _>("flaky", move |e| {
            // Fails on the first two calls of each event.
            let n = f.record(e.metadata.id);
            async move {
                if n <= 2 {
                    Err(format!("transient failure {n}").into())
                } else {
                    Ok(())
                }
            }
        });
    let running = Running::start(consumer);
    wait_until("3 events processed", || {
        ids.iter().all(|id| flaky.of(id) == 3)
    })
    .await;
    let summary = running.stop().await.unwrap();
    assert_eq!(
        (summary.processed, summary.retried, summary.dead_lettered),
        (3, 6, 0)
    );
    for id in &ids {
        assert_eq!(steady.of(id), 1, "the receiver that succeeded ran once");
        assert_eq!(flaky.of(id), 3, "the failing one ran three times");
    }
    assert_eq!((steady.total(), flaky.total()), (3, 9));
    // The process's metrics count the 6 repeated runs of this topic and group.
    let series = format!(
        "eventbus_consumer_receiver_retries_total{{system=\"kafka\",topic=\"{}\",group=\"{group}\",event_type=\"{LOGIN}\"}}",
        settings.full_topic(topic)
    );
    assert_eq!(
        scrape::value(&eventbus_runtime::telemetry::metrics::encode(), &series),
        Some(6.0),
        "{series}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_failing_every_attempt_is_named_in_the_dead_letter() {
    let settings = settings("retrydlq", 1);
    let topic = "input";
    let dead_letters = settings.full_topic(&settings.dead_letter_topic(topic));
    create_topics(&settings, &[&settings.full_topic(topic), &dead_letters], 1).await;
    let ids = send_logins(&settings, topic, &["d".into()]).await;
    let (steady, broken) = (Calls::default(), Calls::default());
    let (s, b) = (steady.clone(), broken.clone());
    let consumer = KafkaConsumer::new(&settings, topic, &unique("g"))
        .unwrap()
        .on::<SessionLoginCompleted, _, _>("steady", move |e| {
            s.record(e.metadata.id);
            async { Ok(()) }
        })
        .on::<SessionLoginCompleted, _, _>("broken", move |e| {
            b.record(e.metadata.id);
            async { Err("the database is gone".into()) }
        });
    let running = Running::start(consumer);
    let letters = read_topic(&settings, &dead_letters, 1, WAIT).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(
        (summary.processed, summary.retried, summary.dead_lettered),
        (0, 2, 1)
    );
    assert_eq!((steady.of(&ids[0]), broken.of(&ids[0])), (1, 3));
    let letter = &letters[0];
    assert_eq!(letter.header(dlq::ERROR_KIND), "receiver-error");
    assert_eq!(letter.header("dlq_failed_receivers"), "broken");
    assert_eq!(letter.header("dlq_attempts"), "3");
    assert_eq!(
        letter.header(dlq::ERROR),
        format!(
            "1 receiver(s) out of 2 produced errors when handling {LOGIN} (3 attempts): \
             broken=the database is gone"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumers_handlers_are_its_own() {
    let settings = settings("handlers", 1);
    let topic = "own";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;
    // A receiver of the global signal: a consumer with handlers does not send to it.
    let global = Collector::connect([descriptor(LOGIN)]);
    let ids = send_logins(&settings, topic, &["e".into(), "f".into()]).await;
    for id in &ids {
        global.expect(*id);
    }
    let handled = Calls::default();
    let h = handled.clone();
    let consumer = KafkaConsumer::new(&settings, topic, &unique("g"))
        .unwrap()
        .on::<SessionLoginCompleted, _, _>("own", move |e| {
            assert!(e.from_event_bus);
            h.record(e.metadata.id);
            async { Ok(()) }
        });
    let running = Running::start(consumer);
    wait_until("2 events handled", || handled.total() == 2).await;
    // An event sent in-process goes to the global receivers, not to the consumer's handlers.
    let data = match login_for("g")
        .as_any()
        .downcast_ref::<SessionLoginCompleted>()
    {
        Some(login) => login.clone(),
        None => unreachable!("the login descriptor decodes to SessionLoginCompleted"),
    };
    SessionLoginCompleted::signal()
        .send_event(data)
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.processed, 2);
    assert_eq!(handled.total(), 2);
    assert!(ids.iter().all(|id| handled.of(id) == 1));
    assert!(
        global
            .received()
            .iter()
            .all(|r| !ids.contains(&r.metadata.id)),
        "the global receivers never got the consumed events"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordered_concurrency_keeps_each_keys_order_and_commits_everything() {
    const KEYS: usize = 40;
    const PER_KEY: usize = 10;
    let settings = settings("ordered", 16);
    let topic = "ordered";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 4).await;
    let usernames: Vec<String> = (0..PER_KEY)
        .flat_map(|_| (0..KEYS).map(|k| format!("user-{k}")))
        .collect();
    let ids = send_logins(&settings, topic, &usernames).await;
    let mut sent: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for (username, id) in usernames.iter().zip(&ids) {
        sent.entry(username.clone()).or_default().push(*id);
    }
    let seen: Arc<Mutex<BTreeMap<String, Vec<Uuid>>>> = Arc::default();
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s, n, m) = (seen.clone(), now.clone(), most.clone());
    let group = unique("g");
    let consumer = KafkaConsumer::new(&settings, topic, &group)
        .unwrap()
        .on::<SessionLoginCompleted, _, _>(
            "slow",
            move |e: Arc<Envelope<SessionLoginCompleted>>| {
                let (s, n, m) = (s.clone(), n.clone(), m.clone());
                async move {
                    let running = n.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(running, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    s.lock()
                        .unwrap()
                        .entry(e.data.user.pii.username.clone())
                        .or_default()
                        .push(e.metadata.id);
                    n.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                }
            },
        );
    let running = Running::start(consumer);
    wait_until("every event processed", || {
        seen.lock().unwrap().values().map(Vec::len).sum::<usize>() == KEYS * PER_KEY
    })
    .await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.processed, (KEYS * PER_KEY) as u64);
    assert_eq!(
        *seen.lock().unwrap(),
        sent,
        "each key's events in the order sent, once"
    );
    let most = most.load(Ordering::SeqCst);
    assert!(
        (2..=16).contains(&most),
        "events of different keys ran at once, at most 16: {most}"
    );
    // Everything processed is committed: the committed offsets add up to the events.
    let mut committed = 0;
    for partition in 0..4 {
        match committed_offset(&settings, &group, &full, partition).await {
            Offset::Offset(o) => committed += o,
            other => panic!("partition {partition}: {other:?}"),
        }
    }
    assert_eq!(committed, (KEYS * PER_KEY) as i64);
}
