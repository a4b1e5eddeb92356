//! The Kafka backend against a real broker and schema registry: round trips of the whole catalog,
//! the wire format, ordering, consumer groups, restarts, replay by time, and every kind of bad
//! message going to the dead-letter topic while the consumer keeps running.
//!
//! Needs `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`
//! (`eval "$(scripts/services.sh up)"`); fails without them.

#[path = "support/kafka.rs"]
mod kafka_support;

use chrono::{DateTime, Utc};
use eventbus_runtime::avro::Example;
use eventbus_runtime::backend::{EventProducer, ProduceError};
use eventbus_runtime::consume::ConsumerError;
use eventbus_runtime::consume::Position;
use eventbus_runtime::kafka::dead_letter as dlq;
use eventbus_runtime::kafka::framing::{frame, unframe};
use eventbus_runtime::kafka::headers as ce;
use eventbus_runtime::kafka::{KafkaConsumer, KafkaError, KafkaProducer};
use eventbus_runtime::registry::{self, AnyEvent, EventDescriptor};
use eventbus_runtime::settings::{KafkaSettings, OnError};
use eventbus_runtime::EventsMetadata;
use kafka_support::*;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(60);

/// Send an event through the bus producer; returns its metadata.
async fn send(producer: &KafkaProducer, topic: &str, event: Arc<dyn AnyEvent>) -> EventsMetadata {
    let d = event.descriptor();
    let metadata = metadata_for(d);
    producer
        .send_event(topic, &key_path(d), event, &metadata)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
    metadata
}

/// Whether an event type is a valid Avro namespace (dotted names of `[A-Za-z_][A-Za-z0-9_]*`).
fn valid_avro_namespace(event_type: &str) -> bool {
    event_type.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The registry refused the schema as invalid (HTTP 422 / error 422xx, or 409 incompatible).
fn assert_registry_refused(
    result: Result<eventbus_runtime::backend::Delivery, ProduceError>,
    event_type: &str,
) {
    use eventbus_runtime::kafka::schema_registry::RegistryError;
    match result {
        Err(ProduceError::Transport { source, .. }) => match source.downcast_ref::<KafkaError>() {
            Some(KafkaError::Registry(RegistryError::Api { status, .. })) => {
                assert_eq!(*status, 422, "{event_type}: {source}")
            }
            // A refusal explained: the name at fault.
            Some(KafkaError::Registry(RegistryError::InvalidNames { cause, source, .. })) => {
                assert!(
                    matches!(**source, RegistryError::Api { status: 422, .. }),
                    "{event_type}: {source}"
                );
                assert_eq!(
                    *cause,
                    format!(
                        "the namespace `{event_type}` holds `-`, which Avro names do not allow"
                    )
                );
            }
            _ => panic!("{event_type}: expected the registry to refuse the schema: {source}"),
        },
        other => panic!("{event_type}: expected the registry to refuse the schema: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_serializable_catalog_event_round_trips() {
    openedx_events::link();
    let descriptors: Vec<&'static EventDescriptor> =
        registry::all().filter(|d| d.is_serializable()).collect();
    assert!(
        descriptors.len() >= 72,
        "the catalog has {} serializable events",
        descriptors.len()
    );
    let settings = builder(&unique("rt")).build().unwrap();
    let topic = "catalog";
    create_topics(&settings, &[&settings.full_topic(topic)], 3).await;
    let collector = Collector::connect(descriptors.iter().copied());
    let producer = KafkaProducer::new(&settings).unwrap();
    let mut sent = HashMap::new();
    for d in &descriptors {
        for kind in [Example::Full, Example::Minimal] {
            let event = d.example(kind).unwrap();
            let metadata = metadata_for(d);
            collector.expect(metadata.id);
            let result = producer
                .send_event(topic, &key_path(d), event.clone(), &metadata)
                .await;
            if !valid_avro_namespace(d.event_type) {
                // `redemption-reversed`: `-` is not allowed in an Avro name, so a registry that
                // checks schemas refuses it, as it refuses Python's identical registration.
                assert_registry_refused(result, d.event_type);
                continue;
            }
            let delivery = result.unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
            assert_eq!(delivery.topic, settings.full_topic(topic));
            sent.insert(metadata.id, (d.event_type, event.to_json(), metadata));
        }
    }
    producer.close().await.unwrap();
    let running = Running::start(KafkaConsumer::new(&settings, topic, &unique("g")).unwrap());
    let received = collector.wait_for(sent.len(), WAIT).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.processed as usize, sent.len());
    assert_eq!(summary.dead_lettered, 0);
    let mut seen = HashSet::new();
    for r in received {
        assert!(
            seen.insert(r.metadata.id),
            "received twice: {:?}",
            r.metadata
        );
        let (event_type, json, metadata) = &sent[&r.metadata.id];
        assert_eq!(r.event_type, *event_type);
        assert_eq!(&r.json, json, "{event_type}");
        assert_eq!(&r.metadata, metadata, "{event_type}");
        assert!(r.from_event_bus);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produced_messages_have_pythons_wire_format() {
    let settings = builder(&unique("wire")).build().unwrap();
    let topic = "wire";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 1).await;
    let producer = KafkaProducer::new(&settings).unwrap();
    let event = login_for("wire-user");
    let metadata = send(&producer, topic, event.clone()).await;
    let messages = read_topic(&settings, &full, 1, WAIT).await;
    let message = &messages[0];

    // Headers: Python's names, order and values.
    let names: Vec<&str> = message.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "ce_specversion",
            "content-type",
            "ce_datacontenttype",
            "ce_type",
            "ce_id",
            "ce_source",
            "ce_time",
            "ce_minorversion",
            "sourcehost",
            "sourcelib",
            "traceparent"
        ]
    );
    assert_eq!(message.header("ce_specversion"), "1.0");
    assert_eq!(message.header("content-type"), "application/avro");
    assert_eq!(message.header("ce_type"), LOGIN);
    assert_eq!(message.header("ce_id"), metadata.id.to_string());
    assert_eq!(message.header("ce_time"), metadata.time_isoformat());
    assert_eq!(message.header("sourcelib"), metadata.sourcelib_string());

    // Key and value: framed Avro, with the ids of the schemas under Python's subjects.
    let (key_id, key_avro) = unframe(message.key.as_deref().unwrap()).unwrap();
    assert_eq!(
        key_avro,
        eventbus_runtime::key::KeyValue::String("wire-user".into()).encode()
    );
    let (value_id, value_avro) = unframe(message.value.as_deref().unwrap()).unwrap();
    assert_eq!(value_avro, event.encode());
    let schema = descriptor(LOGIN).schema().unwrap();
    let registry = settings.schema_registry_url();
    let latest = |subject: String| async move {
        let url = format!("{registry}/subjects/{subject}/versions/latest");
        let body: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        body
    };
    let value_subject = latest(format!("{full}-{LOGIN}.CloudEvent")).await;
    // The registry may store the text in its own canonical form: compare the JSON.
    let as_json = |text: &Value| serde_json::from_str::<Value>(text.as_str().unwrap()).unwrap();
    assert_eq!(value_subject["id"], value_id, "{value_subject}");
    assert_eq!(as_json(&value_subject["schema"]), *schema.json());
    let key_subject = latest(format!("{full}-string")).await;
    assert_eq!(key_subject["id"], key_id, "{key_subject}");
    let key_schema = as_json(&key_subject["schema"]);
    assert!(
        key_schema == serde_json::json!({"name": "username", "type": "string"})
            || key_schema == serde_json::json!({"type": "string"})
            || key_schema == "string",
        "{key_schema}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_with_the_same_key_keep_their_order() {
    let settings = builder(&unique("order")).build().unwrap();
    let topic = "order";
    create_topics(&settings, &[&settings.full_topic(topic)], 3).await;
    let collector = Collector::connect([descriptor(LOGIN)]);
    let producer = KafkaProducer::new(&settings).unwrap();
    let mut sent: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for i in 0..20 {
        for k in 0..5 {
            let key = format!("user-{k}");
            let metadata = metadata_for(descriptor(LOGIN));
            collector.expect(metadata.id);
            producer
                .send_event(topic, "user.pii.username", login_for(&key), &metadata)
                .await
                .unwrap();
            sent.entry(key).or_default().push(metadata.id);
            let _ = i;
        }
    }
    let running = Running::start(KafkaConsumer::new(&settings, topic, &unique("g")).unwrap());
    let received = collector.wait_for(100, WAIT).await;
    running.stop().await.unwrap();
    let mut got: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for r in received {
        let key = r.json["user"]["pii"]["username"]
            .as_str()
            .unwrap()
            .to_owned();
        got.entry(key).or_default().push(r.metadata.id);
    }
    assert_eq!(got, sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consumers_in_one_group_share_the_partitions() {
    let settings = builder(&unique("group")).build().unwrap();
    let topic = "shared";
    create_topics(&settings, &[&settings.full_topic(topic)], 4).await;
    let group = unique("g");
    let collector = Collector::connect([descriptor(LOGIN)]);
    let first = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    let second = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    wait_for_group(&settings, &group, 2, WAIT).await;
    let producer = KafkaProducer::new(&settings).unwrap();
    let mut ids = HashSet::new();
    for i in 0..40 {
        let metadata = metadata_for(descriptor(LOGIN));
        collector.expect(metadata.id);
        ids.insert(metadata.id);
        producer
            .send_event(
                topic,
                "user.pii.username",
                login_for(&format!("u{i}")),
                &metadata,
            )
            .await
            .unwrap();
    }
    let received = collector.wait_for(40, WAIT).await;
    let (a, b) = (first.stop().await.unwrap(), second.stop().await.unwrap());
    assert!(
        a.processed > 0 && b.processed > 0,
        "one consumer did everything: {a:?} {b:?}"
    );
    assert_eq!(a.processed + b.processed, 40);
    let got: HashSet<Uuid> = received.iter().map(|r| r.metadata.id).collect();
    assert_eq!(got, ids);
    assert_eq!(received.len(), 40, "no event was processed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_consumer_resumes_from_the_committed_offsets() {
    let settings = builder(&unique("restart")).build().unwrap();
    let topic = "restart";
    create_topics(&settings, &[&settings.full_topic(topic)], 2).await;
    let group = unique("g");
    let collector = Collector::connect([descriptor(LOGIN)]);
    let producer = KafkaProducer::new(&settings).unwrap();
    let first_batch = send_batch(&producer, topic, "r", 10, &collector).await;
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    collector.wait_for(10, WAIT).await;
    assert_eq!(running.stop().await.unwrap().processed, 10);

    let second_batch = send_batch(&producer, topic, "s", 10, &collector).await;
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    let received = collector.wait_for(20, WAIT).await;
    // Give a redelivery of the first batch the time to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(
        summary.processed, 10,
        "only the new events are processed after the restart"
    );
    let received = collector.received().len().max(received.len());
    assert_eq!(received, 20, "nothing lost, nothing processed twice");
    let got: HashSet<Uuid> = collector.received().iter().map(|r| r.metadata.id).collect();
    let all: HashSet<Uuid> = first_batch.into_iter().chain(second_batch).collect();
    assert_eq!(got, all);
}

/// With a commit interval, librdkafka commits the stored offsets while the consumer runs (only
/// of messages whose receivers ran), and a restart resumes after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_commit_interval_offsets_are_committed_while_running() {
    let settings = builder(&unique("interval"))
        .consumer_commit_interval(Duration::from_millis(300))
        .build()
        .unwrap();
    let topic = "interval";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 1).await;
    let group = unique("g");
    let collector = Collector::connect([descriptor(LOGIN)]);
    let producer = KafkaProducer::new(&settings).unwrap();
    send_batch(&producer, topic, "i", 10, &collector).await;
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    collector.wait_for(10, WAIT).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let committed = committed_offset(&settings, &group, &full, 0).await;
        if committed == rdkafka::Offset::Offset(10) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {committed:?} while running"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!running.is_finished());
    assert_eq!(running.stop().await.unwrap().processed, 10);

    send_batch(&producer, topic, "j", 5, &collector).await;
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    collector.wait_for(15, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        running.stop().await.unwrap().processed,
        5,
        "only the new events after the restart"
    );
}

/// Send `n` login events keyed `{name}{i}`, each expected by `collector` before it is sent.
async fn send_batch(
    producer: &KafkaProducer,
    topic: &str,
    name: &str,
    n: usize,
    collector: &Collector,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let metadata = metadata_for(descriptor(LOGIN));
        collector.expect(metadata.id);
        producer
            .send_event(
                topic,
                "user.pii.username",
                login_for(&format!("{name}{i}")),
                &metadata,
            )
            .await
            .unwrap();
        ids.push(metadata.id);
    }
    ids
}

/// `n` events sent before a time and `n` after it, all consumed once by `group` (so that its
/// committed offsets are past them); then a collector expecting every one of them again.
async fn consumed_around_a_time(
    settings: &KafkaSettings,
    producer: &KafkaProducer,
    topic: &str,
    group: &str,
    n: usize,
) -> (DateTime<Utc>, Vec<Uuid>, Collector) {
    let first = Collector::connect([descriptor(LOGIN)]);
    let before = send_batch(producer, topic, "before", n, &first).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let time = Utc::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = send_batch(producer, topic, "after", n, &first).await;
    let running = Running::start(KafkaConsumer::new(settings, topic, group).unwrap());
    first.wait_for(2 * n, WAIT).await;
    running.stop().await.unwrap();
    drop(first);
    let again = Collector::connect([descriptor(LOGIN)]);
    before.iter().chain(&after).for_each(|id| again.expect(*id));
    (time, after, again)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_from_a_time_processes_again_from_there_and_keeps_consuming() {
    let settings = builder(&unique("replay")).build().unwrap();
    let topic = "replay";
    create_topics(&settings, &[&settings.full_topic(topic)], 2).await;
    let group = unique("g");
    let producer = KafkaProducer::new(&settings).unwrap();
    let (time, after, second) =
        consumed_around_a_time(&settings, &producer, topic, &group, 5).await;

    // Replayed from `time`: the events after it again, not those before; then new ones.
    let consumer = KafkaConsumer::new(&settings, topic, &group)
        .unwrap()
        .offset_time(time);
    let running = Running::start(consumer);
    second.wait_for(5, WAIT).await;
    let later = send_batch(&producer, topic, "later", 3, &second).await;
    second.wait_for(8, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.processed, 8);
    let got: Vec<Uuid> = second.received().iter().map(|r| r.metadata.id).collect();
    let expected: HashSet<Uuid> = after.iter().chain(&later).copied().collect();
    assert_eq!(got.len(), 8, "{got:?}");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), expected);
}

/// A replay needs no idle group: here another member of the group keeps consuming another topic
/// while this one replays its topic from the time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_works_while_the_group_has_other_active_members() {
    let settings = builder(&unique("replay-busy")).build().unwrap();
    let (replayed, other) = ("replayed", "other");
    create_topics(
        &settings,
        &[&settings.full_topic(replayed), &settings.full_topic(other)],
        2,
    )
    .await;
    let group = unique("g");
    let producer = KafkaProducer::new(&settings).unwrap();
    let (time, after, second) =
        consumed_around_a_time(&settings, &producer, replayed, &group, 4).await;

    let busy = Running::start(KafkaConsumer::new(&settings, other, &group).unwrap());
    wait_for_group(&settings, &group, 1, WAIT).await;
    let replaying = Running::start(
        KafkaConsumer::new(&settings, replayed, &group)
            .unwrap()
            .offset_time(time),
    );
    second.wait_for(4, WAIT).await;
    let on_other = send_batch(&producer, other, "other", 2, &second).await;
    second.wait_for(6, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(replaying.stop().await.unwrap().processed, 4);
    assert_eq!(busy.stop().await.unwrap().processed, 2);
    let got: HashSet<Uuid> = second.received().iter().map(|r| r.metadata.id).collect();
    let expected: HashSet<Uuid> = after.iter().chain(&on_other).copied().collect();
    assert_eq!(got, expected);
}

/// The replayed offsets are committed: a member that joins later and is given a replayed
/// partition starts at the time too, so the group processes every event after the time once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_offsets_hold_for_members_that_join_later() {
    let settings = builder(&unique("replay-join")).build().unwrap();
    let topic = "replay-join";
    create_topics(&settings, &[&settings.full_topic(topic)], 2).await;
    let group = unique("g");
    let producer = KafkaProducer::new(&settings).unwrap();
    let (time, after, again) = consumed_around_a_time(&settings, &producer, topic, &group, 6).await;

    // The replaying member's first event takes a while: the second member joins meanwhile, so
    // at the rebalance the replaying member has processed one event of one partition, and some
    // member is given a partition it must start from its committed (replayed) offset.
    let first_call = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let in_first = Arc::new(tokio::sync::Notify::new());
    let slow = {
        let (first_call, in_first) = (first_call.clone(), in_first.clone());
        descriptor(LOGIN)
            .connect(
                "slow-first",
                Arc::new(move |_, _, _| {
                    let first = first_call.swap(false, std::sync::atomic::Ordering::SeqCst);
                    let in_first = in_first.clone();
                    Box::pin(async move {
                        if first {
                            in_first.notify_one();
                            tokio::time::sleep(Duration::from_secs(3)).await;
                        }
                        Ok(())
                    })
                }),
            )
            .unwrap()
    };
    let replaying = Running::start(
        KafkaConsumer::new(&settings, topic, &group)
            .unwrap()
            .offset_time(time),
    );
    tokio::time::timeout(WAIT, in_first.notified())
        .await
        .unwrap();
    let joining = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    again.wait_for(6, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let processed =
        replaying.stop().await.unwrap().processed + joining.stop().await.unwrap().processed;
    descriptor(LOGIN).disconnect(slow);
    let got: HashSet<Uuid> = again.received().iter().map(|r| r.metadata.id).collect();
    assert_eq!(got, after.iter().copied().collect::<HashSet<_>>());
    assert!(processed >= 6, "{processed}");
}

/// A message as produced raw.
#[derive(Debug, Clone)]
struct Raw {
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Raw {
    fn set_header(mut self, name: &str, value: Option<&str>) -> Self {
        self.headers.retain(|(k, _)| k != name);
        if let Some(value) = value {
            self.headers
                .push((name.to_owned(), Some(value.as_bytes().to_vec())));
        }
        self
    }

    fn add_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_owned(), Some(value.as_bytes().to_vec())));
        self
    }
}

/// Produce a good event, a bad message made from a copy of it, and another good event; check
/// that the consumer processes both good ones, dead-letters the bad one with the right headers,
/// and is still running.
async fn assert_dead_lettered(case: &str, kind: &str, make_bad: impl FnOnce(Raw) -> Raw) {
    let settings = builder(&unique(case)).build().unwrap();
    let topic = "input";
    let full = settings.full_topic(topic);
    let dead_letter_topic = settings.full_topic(&settings.dead_letter_topic(topic));
    create_topics(&settings, &[&full, &dead_letter_topic], 1).await;
    let collector = Collector::connect([descriptor(LOGIN)]);
    let producer = KafkaProducer::new(&settings).unwrap();

    let good = send(&producer, topic, login_for("good-1")).await;
    collector.expect(good.id);
    let template = read_topic(&settings, &full, 1, WAIT).await.remove(0);
    let bad = make_bad(Raw {
        key: template.key.clone(),
        value: template.value.clone(),
        headers: template.headers.clone(),
    });
    let raw = raw_producer(&settings);
    let header_refs: Vec<(&str, Option<&[u8]>)> = bad
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    produce_raw(
        &raw,
        &full,
        bad.key.as_deref(),
        bad.value.as_deref(),
        &header_refs,
    )
    .await;
    let next = send(&producer, topic, login_for("good-2")).await;
    collector.expect(next.id);

    let group = unique("g");
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    let received = collector.wait_for(2, WAIT).await;
    assert_eq!(received[0].metadata.id, good.id);
    assert_eq!(
        received[1].metadata.id, next.id,
        "the message after the bad one is processed"
    );
    let letters = read_topic(&settings, &dead_letter_topic, 1, WAIT).await;
    assert!(!running.is_finished(), "the consumer keeps running");
    let summary = running.stop().await.unwrap();
    assert_eq!(
        (summary.processed, summary.dead_lettered),
        (2, 1),
        "{summary:?}"
    );

    let letter = &letters[0];
    assert_eq!(letter.key, bad.key);
    assert_eq!(letter.value, bad.value);
    assert_eq!(
        &letter.headers[..bad.headers.len()],
        &bad.headers[..],
        "original headers first"
    );
    assert_eq!(
        letter.header(dlq::ERROR_KIND),
        kind,
        "{}",
        letter.header(dlq::ERROR)
    );
    assert!(!letter.header(dlq::ERROR).is_empty());
    assert_eq!(letter.header(dlq::SOURCE_TOPIC), full);
    assert_eq!(letter.header(dlq::SOURCE_PARTITION), "0");
    assert_eq!(letter.header(dlq::SOURCE_OFFSET), "1");
    assert_eq!(letter.header(dlq::CONSUMER_GROUP), group);
    assert!(letter.header(dlq::SOURCE_TIMESTAMP).parse::<i64>().is_ok());
    assert!(letter.header(dlq::FAILED_AT).starts_with("20"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_magic_byte_is_dead_lettered() {
    assert_dead_lettered("magic", "wrong-magic-byte", |mut raw| {
        raw.value.as_mut().unwrap()[0] = 1;
        raw
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_too_short_value_is_dead_lettered() {
    assert_dead_lettered("short", "too-short", |mut raw| {
        raw.value = Some(vec![0, 0, 1]);
        raw
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_value_is_dead_lettered() {
    assert_dead_lettered("novalue", "no-value", |mut raw| {
        raw.value = None;
        raw
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_schema_id_is_dead_lettered() {
    assert_dead_lettered("schemaid", "unknown-schema-id", |mut raw| {
        let value = raw.value.unwrap();
        let (_, avro) = unframe(&value).unwrap();
        raw.value = Some(frame(0x7fff_fff0, avro));
        raw
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_avro_is_dead_lettered() {
    assert_dead_lettered("truncated", "decode", |mut raw| {
        let value = raw.value.as_mut().unwrap();
        value.truncate(value.len() - 3);
        raw
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_type_is_dead_lettered() {
    assert_dead_lettered("cetype", "unknown-event-type", |raw| {
        raw.set_header(ce::EVENT_TYPE, Some("org.openedx.nothing.here.v1"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ce_type_is_dead_lettered() {
    assert_dead_lettered("notype", "missing-header", |raw| {
        raw.set_header(ce::EVENT_TYPE, None)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ce_id_is_dead_lettered() {
    assert_dead_lettered("noid", "missing-header", |raw| raw.set_header(ce::ID, None)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicated_header_is_dead_lettered() {
    assert_dead_lettered("dupsource", "duplicate-header", |raw| {
        raw.add_header(ce::SOURCE, "openedx/other/web")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicated_ce_type_is_dead_lettered() {
    assert_dead_lettered("duptype", "duplicate-header", |raw| {
        raw.add_header(ce::EVENT_TYPE, LOGIN)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_header_value_is_dead_lettered() {
    assert_dead_lettered("badtime", "invalid-header", |raw| {
        raw.set_header(ce::TIME, Some("yesterday"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_error_is_dead_lettered() {
    // A well-formed event that a receiver refuses: its id is in the failing receiver's list.
    let refused = Arc::new(Mutex::new(HashSet::new()));
    let _failing = Collector::connect_failing([descriptor(LOGIN)], refused.clone());
    let id = Uuid::new_v4();
    refused.lock().unwrap().insert(id);
    let id_text = id.to_string();
    assert_dead_lettered("receiver", "receiver-error", move |raw| {
        raw.set_header(ce::ID, Some(&id_text))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_error_stop_stops_without_committing_the_message() {
    let settings = builder(&unique("stop"))
        .common(|c| c.on_error = OnError::Stop)
        .build()
        .unwrap();
    let topic = "input";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 1).await;
    let raw = raw_producer(&settings);
    produce_raw(
        &raw,
        &full,
        None,
        Some(b"\x01junk"),
        &[(ce::EVENT_TYPE, Some(LOGIN.as_bytes()))],
    )
    .await;
    let group = unique("g");
    for _ in 0..2 {
        let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
        match running.join().await {
            Err(ConsumerError::Message { position, source }) => {
                assert_eq!(
                    position,
                    Position::Kafka {
                        topic: full.clone(),
                        partition: 0,
                        offset: 0
                    }
                );
                assert_eq!(source.kind(), "wrong-magic-byte");
            }
            other => panic!("expected a message error, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consecutive_errors_limit_stops_the_consumer() {
    let settings = builder(&unique("limit"))
        .common(|c| c.consecutive_errors_limit = Some(2))
        .build()
        .unwrap();
    let topic = "input";
    let full = settings.full_topic(topic);
    let dead_letter_topic = settings.full_topic(&settings.dead_letter_topic(topic));
    create_topics(&settings, &[&full, &dead_letter_topic], 1).await;
    let raw = raw_producer(&settings);
    for _ in 0..3 {
        produce_raw(&raw, &full, None, Some(b"\x01junk"), &[]).await;
    }
    let running = Running::start(KafkaConsumer::new(&settings, topic, &unique("g")).unwrap());
    match running.join().await {
        Err(ConsumerError::TooManyErrors { count, .. }) => assert_eq!(count, 2),
        other => panic!("expected too many errors, got {other:?}"),
    }
    let letters = read_topic(&settings, &dead_letter_topic, 2, WAIT).await;
    assert_eq!(letters[1].header(dlq::SOURCE_OFFSET), "1");
}

/// A fatal broker error ends the consumer with an error (the CLI exits non-zero on it). Static
/// membership makes one for real: a second member with the same `group.instance.id` fences the
/// first, which librdkafka reports as fatal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fatal_broker_error_stops_the_consumer_with_an_error() {
    let settings = builder(&unique("fatal"))
        .client_option("group.instance.id", "eventbus-static-member")
        .build()
        .unwrap();
    let topic = "fatal";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;
    let group = unique("g");
    let first = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    wait_for_group(&settings, &group, 1, WAIT).await;
    let second = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    match first.join().await {
        Err(ConsumerError::Fatal(error)) => {
            assert!(
                error.to_string().to_lowercase().contains("fenced"),
                "{error}"
            )
        }
        other => panic!("expected a fatal error, got {other:?}"),
    }
    assert!(!second.is_finished(), "the new member keeps consuming");
    second.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_consumers_exit_at_once() {
    let settings = builder(&unique("off"))
        .common(|c| c.consumers_enabled = false)
        .build()
        .unwrap();
    let running = Running::start(KafkaConsumer::new(&settings, "any", &unique("g")).unwrap());
    assert_eq!(running.join().await.unwrap(), Default::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_failures_are_returned_to_the_caller() {
    // An invalid topic name: the broker has no such topic (the producer asks before sending).
    let settings = builder(&unique("fail"))
        .client_option("message.timeout.ms", "5000")
        .build()
        .unwrap();
    let producer = KafkaProducer::new(&settings).unwrap();
    let metadata = metadata_for(descriptor(LOGIN));
    let err = producer
        .send_event("bad|topic", "user.pii.username", login_for("x"), &metadata)
        .await
        .unwrap_err();
    match &err {
        ProduceError::Transport { source, .. } => {
            let source = source.downcast_ref::<KafkaError>().expect("a Kafka error");
            assert!(
                matches!(source, KafkaError::UnknownTopic { topic, .. }
                    if *topic == settings.full_topic("bad|topic")),
                "{source}"
            );
        }
        other => panic!("expected a transport error, got {other}"),
    }

    // A key field that the event does not have.
    let err = producer
        .send_event("t", "user.nope", login_for("x"), &metadata)
        .await
        .unwrap_err();
    assert!(matches!(err, ProduceError::KeyField { .. }), "{err}");

    // After close, nothing is sent.
    producer.close().await.unwrap();
    let err = producer
        .send("t", "user.pii.username", login_for("x"), &metadata)
        .await
        .unwrap_err();
    assert!(matches!(err, ProduceError::Closed), "{err}");

    // An unreachable registry (on a topic that exists: the producer checks it first).
    let (servers, _) = service_env();
    let unreachable = KafkaSettings::builder(servers, "http://127.0.0.1:9")
        .topic_prefix(settings.topic_prefix().unwrap())
        .build()
        .unwrap();
    create_topics(&settings, &[&settings.full_topic("t")], 1).await;
    let producer = KafkaProducer::new(&unreachable).unwrap();
    let err = producer
        .send_event("t", "user.pii.username", login_for("x"), &metadata)
        .await
        .unwrap_err();
    match &err {
        ProduceError::Transport { source, .. } => {
            let source = source.downcast_ref::<KafkaError>().expect("a Kafka error");
            assert!(matches!(source, KafkaError::Registry(_)), "{source}");
        }
        other => panic!("expected a transport error, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_outage_is_retried_not_dead_lettered() {
    use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
    let settings = builder(&unique("outage"))
        .common(|c| c.consecutive_errors_limit = Some(3))
        .build()
        .unwrap();
    let topic = "input";
    let full = settings.full_topic(topic);
    let dead_letter_topic = settings.full_topic(&settings.dead_letter_topic(topic));
    create_topics(&settings, &[&full, &dead_letter_topic], 1).await;
    let collector = Collector::connect([descriptor(LOGIN)]);
    let producer = KafkaProducer::new(&settings).unwrap();
    let sent = send(&producer, topic, login_for("outage")).await;
    collector.expect(sent.id);
    let group = unique("g");

    // The registry cannot be reached: the message is read again until the error limit.
    let unreachable = Arc::new(
        SchemaRegistryClient::new(
            "http://127.0.0.1:9",
            None,
            &eventbus_runtime::settings::RegistryTls::default(),
        )
        .unwrap(),
    );
    let consumer = KafkaConsumer::with_registry(&settings, topic, &group, unreachable).unwrap();
    match Running::start(consumer).join().await {
        Err(ConsumerError::TooManyErrors { count, last }) => {
            assert_eq!(count, 3);
            assert!(last.contains("127.0.0.1:9"), "{last}");
        }
        other => panic!("expected too many errors, got {other:?}"),
    }
    assert!(collector.received().is_empty());

    // Neither committed nor dead-lettered: the next consumer of the group processes it.
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    let received = collector.wait_for(1, WAIT).await;
    assert_eq!(received[0].metadata.id, sent.id);
    let summary = running.stop().await.unwrap();
    assert_eq!((summary.processed, summary.dead_lettered), (1, 0));
}
