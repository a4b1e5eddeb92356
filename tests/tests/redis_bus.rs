//! The Redis backend against a real Redis server, and interoperability with the Python
//! `edx-event-bus-redis` 1.1.2 both ways.
//!
//! Needs the services (`eval "$(scripts/services.sh up)"` sets `EVENT_BUS_REDIS_CONNECTION_URL`)
//! and the reference Python venv (`EVENTBUS_PYTHON`, else the one `scripts/python-venv.sh`
//! creates).

#[path = "support/collector.rs"]
mod collector;
#[path = "support/scrape.rs"]
mod scrape;
#[path = "support/mod.rs"]
mod support;

use chrono::{SubsecRound, Utc};
use collector::Collector;
use eventbus_runtime::avro::Example;
use eventbus_runtime::consume::ConsumerError;
use eventbus_runtime::consume::{CancellationToken, ConsumeSummary, Position};
use eventbus_runtime::redis::entry::NAMES;
use eventbus_runtime::redis::{RedisConsumer, RedisProducer, StartFrom};
use eventbus_runtime::redis::{DLQ_ERROR_KIND, DLQ_SOURCE_ID, DLQ_SOURCE_STREAM};
use eventbus_runtime::registry::{self, EventDescriptor};
use eventbus_runtime::settings::{OnError, RedisSettings, RedisSettingsBuilder};
use eventbus_runtime::EventsMetadata;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(60);

fn url() -> String {
    std::env::var("EVENT_BUS_REDIS_CONNECTION_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .expect(
            "EVENT_BUS_REDIS_CONNECTION_URL is not set: these tests need a real Redis; start it \
             with `eval \"$(scripts/services.sh up)\"`",
        )
}

fn unique(base: &str) -> String {
    format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// Settings for a test: a unique topic prefix, short blocking reads, no retries of failing
/// receivers (the tests count receiver calls; retries have a test of their own).
fn builder(prefix: &str) -> RedisSettingsBuilder {
    RedisSettings::builder(url())
        .topic_prefix(prefix)
        .service_name("rust-tests")
        .common(|c| {
            c.poll_timeout = Duration::from_millis(300);
            c.poll_failure_sleep = Duration::from_millis(100);
            c.retry.retries = 0;
        })
}

async fn connection() -> redis::aio::MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// The entries of a stream: (id, fields in order).
async fn read_stream(stream: &str) -> Vec<(String, Vec<(String, Vec<u8>)>)> {
    let reply: redis::Value = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query_async(&mut connection().await)
        .await
        .unwrap();
    eventbus_runtime::redis::entry::entries_of_list(&reply)
        .unwrap()
        .into_iter()
        .map(|e| {
            let fields = e
                .fields
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k, v.unwrap()))
                .collect();
            (e.id, fields)
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &fields.iter().find(|(k, _)| k == name).unwrap().1
}

async fn pending_count(stream: &str, group: &str) -> i64 {
    let reply: redis::Value = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .query_async(&mut connection().await)
        .await
        .unwrap();
    match reply {
        redis::Value::Array(parts) => match parts[0] {
            redis::Value::Int(n) => n,
            ref other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// Read every new entry of the group as the consumer "dead", which never acknowledges them: they
/// stay pending for it.
async fn read_as_a_consumer_that_dies(stream: &str, group: &str) {
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(group)
        .arg("dead")
        .arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async(&mut connection().await)
        .await
        .unwrap();
}

/// Raw entry fields, in order.
type RawFields<'a> = Vec<(&'a str, &'a [u8])>;

/// Add an entry with raw fields.
async fn add_raw(stream: &str, fields: &[(&str, &[u8])]) -> String {
    let mut command = redis::cmd("XADD");
    command.arg(stream).arg("*");
    for (k, v) in fields {
        command.arg(*k).arg(*v);
    }
    command.query_async(&mut connection().await).await.unwrap()
}

/// A consumer running in a task.
struct Running {
    token: CancellationToken,
    handle: JoinHandle<Result<ConsumeSummary, ConsumerError>>,
}

impl Running {
    fn start(consumer: RedisConsumer) -> Self {
        let token = CancellationToken::new();
        let handle = tokio::spawn(consumer.consume(token.clone()));
        Running { token, handle }
    }

    async fn stop(self) -> Result<ConsumeSummary, ConsumerError> {
        self.token.cancel();
        self.join().await
    }

    async fn join(self) -> Result<ConsumeSummary, ConsumerError> {
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("the consumer stops within 30 s")
            .expect("no panic")
    }
}

/// The serializable catalog events.
fn events() -> Vec<&'static EventDescriptor> {
    openedx_events::link();
    let events: Vec<_> = registry::all().filter(|d| d.is_serializable()).collect();
    assert!(events.len() >= 72, "{} events", events.len());
    events
}

fn login() -> &'static EventDescriptor {
    openedx_events::link();
    registry::find("org.openedx.learning.auth.session.login.completed.v1").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalog_event_round_trips_in_pythons_entry_format() {
    let settings = builder(&unique("rt")).build().unwrap();
    let topic = "all-events";
    let stream = settings.full_topic(topic);
    let producer = RedisProducer::new(&settings).await.unwrap();
    let events = events();
    let collector = Collector::connect(events.iter().copied());
    let mut sent = HashMap::new();
    for d in &events {
        let event = d.example(Example::Full).unwrap();
        let metadata = EventsMetadata::at(d.event_type, 0, Utc::now().trunc_subsecs(6));
        collector.expect(metadata.id);
        let delivery = producer
            .send_event(topic, "", event.clone(), &metadata)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
        assert_eq!(delivery.topic, stream);
        assert!(delivery.entry_id().is_some());
        sent.insert(metadata.id, (event, metadata));
    }

    // The entries, as Python writes them: its field order, the Avro data unframed.
    let entries = read_stream(&stream).await;
    assert_eq!(entries.len(), events.len());
    for (_, fields) in &entries {
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "type",
                "id",
                "source",
                "time",
                "minorversion",
                "sourcehost",
                "sourcelib",
                "event_data",
                "traceparent"
            ]
        );
        let id: Uuid = std::str::from_utf8(field(fields, "id"))
            .unwrap()
            .parse()
            .unwrap();
        let (event, metadata) = &sent[&id];
        assert_eq!(field(fields, "event_data"), event.encode().as_slice());
        assert_eq!(field(fields, "time"), metadata.time_isoformat().as_bytes());
        assert_eq!(field(fields, "sourcelib"), b"11.2.0");
    }

    let group = unique("g");
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let running = Running::start(consumer);
    let received = collector.wait_for(events.len(), WAIT).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.processed as usize, events.len());
    assert_eq!(summary.dead_lettered, 0);
    for r in &received {
        let (event, metadata) = &sent[&r.metadata.id];
        assert_eq!(r.json, event.to_json(), "{}", r.event_type);
        assert_eq!(&r.metadata, metadata);
        assert!(r.from_event_bus);
    }
    assert_eq!(pending_count(&stream, &group).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_entries_are_dead_lettered_and_the_consumer_goes_on() {
    let settings = builder(&unique("bad")).build().unwrap();
    let topic = "bad";
    let stream = settings.full_topic(topic);
    let d = login();
    let fail_ids = Arc::new(Mutex::new(HashSet::new()));
    let collector = Collector::connect_failing([d], fail_ids.clone());
    let good = d.example(Example::Full).unwrap();
    let metadata = EventsMetadata::new(d.event_type, 0);
    let fields: Vec<(String, Vec<u8>)> =
        eventbus_runtime::redis::entry::entry_fields(&metadata, good.encode())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    let without = |name: &str| -> Vec<(&str, &[u8])> {
        fields
            .iter()
            .filter(|(k, _)| k != name)
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect()
    };
    let replaced = |name: &'static str, value: &'static [u8]| -> Vec<(&str, &[u8])> {
        fields
            .iter()
            .map(|(k, v)| {
                if k == name {
                    (k.as_str(), value)
                } else {
                    (k.as_str(), v.as_slice())
                }
            })
            .collect()
    };
    let data = good.encode();
    let truncated = &data[..data.len() / 2];
    let mut cases: Vec<(&str, RawFields)> = vec![
        ("missing-header", without("id")),
        ("missing-header", without("type")),
        ("no-value", without("event_data")),
        (
            "unknown-event-type",
            replaced("type", b"org.openedx.nope.v1"),
        ),
        ("invalid-header", replaced("time", b"yesterday")),
    ];
    let mut truncated_fields = without("event_data");
    truncated_fields.push(("event_data", truncated));
    cases.push(("decode", truncated_fields));
    let mut ids = Vec::new();
    for (kind, fields) in &cases {
        ids.push((*kind, add_raw(&stream, fields).await));
    }
    // A receiver error.
    let refused = EventsMetadata::new(d.event_type, 0);
    fail_ids.lock().unwrap().insert(refused.id);
    collector.expect(refused.id);
    let producer = RedisProducer::new(&settings).await.unwrap();
    let refused_id = producer
        .send_event(topic, "", good.clone(), &refused)
        .await
        .unwrap()
        .entry_id()
        .unwrap()
        .to_owned();
    ids.push(("receiver-error", refused_id));
    // And a good one, processed after all of them.
    let fine = EventsMetadata::new(d.event_type, 0);
    collector.expect(fine.id);
    producer
        .send_event(topic, "", good.clone(), &fine)
        .await
        .unwrap();

    let group = unique("g");
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let dead_letter_stream = consumer.dead_letter_stream().unwrap().to_owned();
    assert_eq!(dead_letter_stream, format!("{stream}-dead-letter"));
    let running = Running::start(consumer);
    let received = collector.wait_for(2, WAIT).await;
    assert!(received.iter().any(|r| r.metadata.id == fine.id));
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.dead_lettered as usize, ids.len());
    assert_eq!(summary.processed, 1);
    assert_eq!(pending_count(&stream, &group).await, 0);

    let letters = read_stream(&dead_letter_stream).await;
    assert_eq!(letters.len(), ids.len());
    for ((kind, id), (_, letter)) in ids.iter().zip(&letters) {
        assert_eq!(field(letter, DLQ_ERROR_KIND), kind.as_bytes(), "{id}");
        assert_eq!(field(letter, DLQ_SOURCE_ID), id.as_bytes());
        assert_eq!(field(letter, DLQ_SOURCE_STREAM), stream.as_bytes());
    }
    // The original fields come first, unchanged.
    let refused_fields: Vec<(String, Vec<u8>)> =
        eventbus_runtime::redis::entry::entry_fields(&refused, good.encode())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    let (_, last) = letters.last().unwrap();
    assert_eq!(&last[..refused_fields.len()], refused_fields.as_slice());
}

/// The consumer's own handlers: a failing one runs again (only it) until it succeeds; one that
/// fails every attempt is named in the dead letter with the number of attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_handlers_run_again_alone_then_are_named_in_the_dead_letter() {
    use eventbus_runtime::consume::OnEvent;
    use openedx_events::learning::SessionLoginCompleted;
    let prefix = unique("retry");
    let settings = builder(&prefix)
        .common(|c| {
            c.retry.retries = 2;
            c.retry.backoff = Duration::from_millis(10);
        })
        .build()
        .unwrap();
    let topic = "retry";
    let d = login();
    let producer = RedisProducer::new(&settings).await.unwrap();
    let (flaky_event, broken_event) = (
        EventsMetadata::new(d.event_type, 0),
        EventsMetadata::new(d.event_type, 0),
    );
    for metadata in [&flaky_event, &broken_event] {
        producer
            .send_event(topic, "", d.example(Example::Full).unwrap(), metadata)
            .await
            .unwrap();
    }
    // Calls per event id, of each handler.
    let calls: Arc<Mutex<HashMap<(&'static str, Uuid), usize>>> = Arc::default();
    let call = |calls: &Arc<Mutex<HashMap<(&'static str, Uuid), usize>>>, who, id| {
        let mut calls = calls.lock().unwrap();
        let n = calls.entry((who, id)).or_default();
        *n += 1;
        *n
    };
    let (c1, c2) = (calls.clone(), calls.clone());
    let broken_id = broken_event.id;
    let group = unique("g");
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning)
        .on::<SessionLoginCompleted, _, _>("steady", move |e| {
            call(&c1, "steady", e.metadata.id);
            async { Ok(()) }
        })
        .on::<SessionLoginCompleted, _, _>("flaky", move |e| {
            let n = call(&c2, "flaky", e.metadata.id);
            let fails = e.metadata.id == broken_id || n <= 2;
            async move {
                if fails {
                    Err(format!("failure {n}").into())
                } else {
                    Ok(())
                }
            }
        });
    let dead_letter_stream = consumer.dead_letter_stream().unwrap().to_owned();
    let running = Running::start(consumer);
    let start = std::time::Instant::now();
    while read_stream(&dead_letter_stream).await.is_empty() {
        assert!(start.elapsed() < WAIT, "a dead letter within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let summary = running.stop().await.unwrap();
    assert_eq!(
        (summary.processed, summary.retried, summary.dead_lettered),
        (1, 4, 1)
    );
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls[&("steady", flaky_event.id)], 1);
    assert_eq!(calls[&("flaky", flaky_event.id)], 3);
    assert_eq!(calls[&("steady", broken_id)], 1);
    assert_eq!(calls[&("flaky", broken_id)], 3);
    let letters = read_stream(&dead_letter_stream).await;
    assert_eq!(letters.len(), 1);
    let field = |name: &str| {
        letters[0]
            .1
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    assert_eq!(field(DLQ_ERROR_KIND).as_deref(), Some("receiver-error"));
    assert_eq!(field("dlq_failed_receivers").as_deref(), Some("flaky"));
    assert_eq!(field("dlq_attempts").as_deref(), Some("3"));
    // The process's metrics count the 4 repeated runs (2 per event) of this stream and group.
    let series = format!(
        "eventbus_consumer_receiver_retries_total{{system=\"redis\",topic=\"{}\",group=\"{group}\",event_type=\"{}\"}}",
        settings.full_topic(topic),
        d.event_type
    );
    assert_eq!(
        scrape::value(&eventbus_runtime::telemetry::metrics::encode(), &series),
        Some(4.0),
        "{series}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_error_stop_keeps_the_entry_pending_and_a_restart_processes_it_first() {
    let prefix = unique("stop");
    let topic = "stop";
    let d = login();
    let fail_ids = Arc::new(Mutex::new(HashSet::new()));
    let collector = Collector::connect_failing([d], fail_ids.clone());
    let settings = builder(&prefix)
        .common(|c| c.on_error = OnError::Stop)
        .build()
        .unwrap();
    let stream = settings.full_topic(topic);
    let producer = RedisProducer::new(&settings).await.unwrap();
    let first = EventsMetadata::new(d.event_type, 0);
    let second = EventsMetadata::new(d.event_type, 0);
    fail_ids.lock().unwrap().insert(first.id);
    for metadata in [&first, &second] {
        collector.expect(metadata.id);
        producer
            .send_event(topic, "", d.example(Example::Full).unwrap(), metadata)
            .await
            .unwrap();
    }
    let group = unique("g");
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let error = Running::start(consumer).join().await.unwrap_err();
    assert!(
        matches!(&error, ConsumerError::Message { position: Position::Redis { stream: s, .. }, .. } if *s == stream),
        "{error}"
    );
    assert!(error.to_string().contains("receiver"), "{error}");
    // Neither is acknowledged: the failed one, and the next one read in the same batch.
    assert_eq!(pending_count(&stream, &group).await, 2);

    // The receiver is fixed; the same consumer name finds the entry pending and processes it
    // before the next one.
    fail_ids.lock().unwrap().clear();
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap();
    let running = Running::start(consumer);
    let received = collector.wait_for(3, WAIT).await;
    running.stop().await.unwrap();
    let ids: Vec<Uuid> = received.iter().map(|r| r.metadata.id).collect();
    // First attempt of `first` (refused), then `first` again, then `second`.
    assert_eq!(ids, [first.id, first.id, second.id]);
    assert_eq!(pending_count(&stream, &group).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_group_resumes_where_it_was_and_idle_pending_entries_are_claimed() {
    let settings = builder(&unique("resume")).build().unwrap();
    let topic = "resume";
    let stream = settings.full_topic(topic);
    let d = login();
    let collector = Collector::connect([d]);
    let producer = RedisProducer::new(&settings).await.unwrap();
    let send = |metadata: EventsMetadata| {
        collector.expect(metadata.id);
        let producer = producer.clone();
        async move {
            producer
                .send_event(topic, "", d.example(Example::Full).unwrap(), &metadata)
                .await
                .unwrap();
            metadata.id
        }
    };
    let group = unique("g");
    // A new group at the end: what was there before is not read.
    let _before = send(EventsMetadata::new(d.event_type, 0)).await;
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap();
    let running = Running::start(consumer);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let a = send(EventsMetadata::new(d.event_type, 0)).await;
    collector.wait_for(1, WAIT).await;
    running.stop().await.unwrap();

    // Produced while no consumer runs: read after the restart (Python's consumer would skip it).
    let b = send(EventsMetadata::new(d.event_type, 0)).await;
    // An entry read by a consumer that then died: pending for "dead" until claimed.
    let c = send(EventsMetadata::new(d.event_type, 0)).await;
    read_as_a_consumer_that_dies(&stream, &group).await;
    assert_eq!(pending_count(&stream, &group).await, 2);
    let consumer = RedisConsumer::new(&settings, topic, &group, "c2")
        .await
        .unwrap()
        .claim_pending_older_than(Duration::ZERO);
    let running = Running::start(consumer);
    let received = collector.wait_for(3, WAIT).await;
    running.stop().await.unwrap();
    let ids: Vec<Uuid> = received.iter().map(|r| r.metadata.id).collect();
    assert_eq!(ids, [a, b, c]);
    assert_eq!(pending_count(&stream, &group).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consecutive_errors_limit_stops_the_consumer_after_dead_lettering() {
    let settings = builder(&unique("limit"))
        .common(|c| c.consecutive_errors_limit = Some(2))
        .build()
        .unwrap();
    let stream = settings.full_topic("limit");
    for _ in 0..3 {
        add_raw(&stream, &[("type", b"org.openedx.nope.v1"), ("id", b"x")]).await;
    }
    let group = unique("g");
    let consumer = RedisConsumer::new(&settings, "limit", &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let error = Running::start(consumer).join().await.unwrap_err();
    match error {
        ConsumerError::TooManyErrors { count, last } => {
            assert_eq!(count, 2);
            assert!(last.contains("org.openedx.nope.v1"), "{last}");
        }
        other => panic!("{other}"),
    }
    // Two were dead-lettered and acknowledged; the third, read in the same batch, stays pending
    // for the consumer, to be processed when it starts again.
    assert_eq!(read_stream(&format!("{stream}-dead-letter")).await.len(), 2);
    assert_eq!(pending_count(&stream, &group).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_idle_pending_entry_is_claimed_page_by_page() {
    let settings = builder(&unique("claim")).build().unwrap();
    let topic = "claim";
    let stream = settings.full_topic(topic);
    let d = login();
    let collector = Collector::connect([d]);
    let producer = RedisProducer::new(&settings).await.unwrap();
    let group = unique("g");
    let mut conn = connection().await;
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg(&group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    // More than one XAUTOCLAIM page (100), read by a consumer that then died.
    let n = 250;
    for _ in 0..n {
        let metadata = EventsMetadata::new(d.event_type, 0);
        collector.expect(metadata.id);
        producer
            .send_event(topic, "", d.example(Example::Full).unwrap(), &metadata)
            .await
            .unwrap();
    }
    read_as_a_consumer_that_dies(&stream, &group).await;
    assert_eq!(pending_count(&stream, &group).await, n);
    let consumer = RedisConsumer::new(&settings, topic, &group, "heir")
        .await
        .unwrap()
        .claim_pending_older_than(Duration::ZERO);
    let running = Running::start(consumer);
    collector.wait_for(n as usize, WAIT).await;
    assert_eq!(running.stop().await.unwrap().processed, n as u64);
    assert_eq!(pending_count(&stream, &group).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_blocked_returns_promptly_and_disabled_consumers_exit() {
    let settings = builder(&unique("idle"))
        .common(|c| c.poll_timeout = Duration::from_secs(30))
        .build()
        .unwrap();
    let consumer = RedisConsumer::new(&settings, "idle", "g", "c1")
        .await
        .unwrap();
    let running = Running::start(consumer);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    assert_eq!(running.stop().await.unwrap(), ConsumeSummary::default());
    assert!(started.elapsed() < Duration::from_secs(5));

    let disabled = builder(&unique("off"))
        .common(|c| c.consumers_enabled = false)
        .build()
        .unwrap();
    let consumer = RedisConsumer::new(&disabled, "off", "g", "c1")
        .await
        .unwrap();
    assert_eq!(
        Running::start(consumer).join().await.unwrap(),
        ConsumeSummary::default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_url_is_an_error_naming_it_without_the_password() {
    let settings = RedisSettings::builder("redis://user:s3cret@127.0.0.1:1/")
        .build()
        .unwrap();
    let error = RedisProducer::new(&settings).await.unwrap_err().to_string();
    assert!(error.contains("redis://user:***@127.0.0.1:1/"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
}

/// Run `tests/python/redis_interop.py` with the reference Python.
fn python(settings: &RedisSettings, args: &[&str]) {
    let script = support::workspace_root().join("tests/python/redis_interop.py");
    let output = Command::new(support::python())
        .arg(&script)
        .args(args)
        .env("EVENT_BUS_REDIS_CONNECTION_URL", settings.url())
        .env(
            "EVENT_BUS_TOPIC_PREFIX",
            settings.topic_prefix().unwrap_or_default(),
        )
        .env("EVENTS_SERVICE_NAME", "python-interop")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "redis_interop.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_events_are_consumed_by_the_python_redis_consumer() {
    let settings = builder(&unique("r2p")).build().unwrap();
    let topic = "rust-to-python";
    let producer = RedisProducer::new(&settings).await.unwrap();
    let mut sent = HashMap::new();
    for d in events() {
        let event = d.example(Example::Full).unwrap();
        let metadata = EventsMetadata::at(d.event_type, 0, Utc::now().trunc_subsecs(6));
        producer
            .send_event(topic, "", event.clone(), &metadata)
            .await
            .unwrap();
        sent.insert(metadata.id.to_string(), (d.event_type, event, metadata));
    }
    let dir = support::scratch_dir("redis-r2p");
    let out = dir.join("consumed.json");
    let count = sent.len().to_string();
    python(
        &settings,
        &[
            "consume",
            topic,
            &unique("py"),
            &count,
            out.to_str().unwrap(),
        ],
    );
    let answer = support::read_json(&out);
    assert_eq!(
        answer["errors"],
        json!([]),
        "the Python consumer logged errors"
    );
    let received = answer["events"].as_array().unwrap();
    assert_eq!(received.len(), sent.len());
    for event in received {
        let (event_type, data, metadata) = &sent[event["metadata"]["id"].as_str().unwrap()];
        assert_eq!(event["event_type"], *event_type);
        assert_eq!(event["metadata"], metadata.to_json(), "{event_type}");
        assert_eq!(event["from_event_bus"], true);
        support::python_decoder_quirks(event_type, &data.to_json(), &event["data"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_redis_events_are_dispatched_by_the_rust_consumer() {
    let settings = builder(&unique("p2r")).build().unwrap();
    let topic = "python-to-rust";
    let events = events();
    let request: Vec<Value> = events
        .iter()
        .map(|d| {
            json!({
                "event_type": d.event_type,
                "data": d.example(Example::Full).unwrap().to_json(),
            })
        })
        .collect();
    let dir = support::scratch_dir("redis-p2r");
    let (input, out) = (dir.join("request.json"), dir.join("produced.json"));
    std::fs::write(&input, serde_json::to_string(&request).unwrap()).unwrap();
    python(
        &settings,
        &[
            "produce",
            topic,
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    let produced = support::read_json(&out);
    let produced = produced["sent"].as_array().unwrap();
    assert_eq!(produced.len(), events.len());

    // Python's entries have the fields Rust writes, in the same order.
    let entries = read_stream(&settings.full_topic(topic)).await;
    assert_eq!(entries.len(), events.len());
    for (_, fields) in &entries {
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        let mut expected = NAMES.in_order().to_vec();
        expected.push("event_data");
        assert_eq!(names, expected);
    }

    let collector = Collector::connect(events.iter().copied());
    let mut expected = HashMap::new();
    for (item, sent) in produced.iter().zip(&request) {
        let metadata = EventsMetadata::from_json(&item["metadata"]).unwrap();
        collector.expect(metadata.id);
        expected.insert(metadata.id, (sent["data"].clone(), metadata));
    }
    let consumer = RedisConsumer::new(&settings, topic, &unique("g"), "rust")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let running = Running::start(consumer);
    let received = collector.wait_for(expected.len(), WAIT).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.dead_lettered, 0);
    for r in &received {
        let (data, metadata) = &expected[&r.metadata.id];
        assert_eq!(r.json, *data, "{}", r.event_type);
        assert_eq!(r.metadata, *metadata, "{}", r.event_type);
        assert_eq!(r.metadata.source, "openedx/python-interop/web");
        assert!(r.from_event_bus);
    }
}
