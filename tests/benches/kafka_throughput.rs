//! Throughput of the Kafka backend against the real broker, in one run:
//!
//! - produce N events through the bus ([`KafkaProducer`]: key extraction, Avro, framing,
//!   headers, delivery reports) vs raw rdkafka producing the same pre-encoded bytes with the same
//!   producer settings (`acks=all`, idempotence);
//! - consume + dispatch to a receiver ([`KafkaConsumer`]: headers, registry, decode, metadata,
//!   signal, offset commit after every message or every second) vs a raw rdkafka consumer
//!   reading the same messages;
//! - the Avro codec alone on the same events (encode, decode) and the bound it sets on those
//!   ratios, since the raw baselines neither encode nor decode;
//! - the Python producer (`edx-event-bus-kafka`) on the same workload;
//! - ordered concurrency: 1 000 events over 100 keys with a handler that waits 2 ms (a database
//!   write), one at a time vs `max_in_flight` 100;
//! - latency from send to handler at 1 000 events/s for 3 s with the default settings: p50, p99.
//!
//! `eval "$(scripts/services.sh up)"; cargo bench -p eventbus-tests --bench kafka_throughput`
//! (`KAFKA_BENCH_EVENTS`, default 20000; `EVENTBUS_PYTHON` for the Python run; set
//! `BENCH_SKIP_PYTHON=1` to skip it; `KAFKA_BENCH_ONLY=consume` produces one round and measures
//! only consuming, e.g. under `perf record`).

mod common;
#[path = "common/keyed.rs"]
mod keyed;

use common::{bus_produce, env, in_flight, rate, workload, Dispatched};
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::kafka::framing::frame;
use eventbus_runtime::kafka::headers::owned_headers;
use eventbus_runtime::kafka::{KafkaAdmin, KafkaConsumer, KafkaProducer, TopicSpec};
use eventbus_runtime::key::key_schema;
use eventbus_runtime::settings::KafkaSettings;
use eventbus_runtime::EventsMetadata;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A pre-encoded message: framed key, framed value, and the metadata its headers carry.
type Encoded = Arc<(Vec<u8>, Vec<u8>, EventsMetadata)>;

/// Events in flight at once while producing.
const IN_FLIGHT: usize = 5000;

/// Rounds of each producer, alternating.
const PRODUCE_ROUNDS: usize = 3;

/// Rounds of each consumer (raw, bus committing after every message, bus committing every
/// second), alternating.
const CONSUME_ROUNDS: usize = 3;

/// The middle one of `times`.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn create(settings: &KafkaSettings, topics: &[&str]) {
    let admin = KafkaAdmin::new(settings).expect("admin");
    let specs: Vec<_> = topics.iter().map(|t| TopicSpec::new(*t, 3)).collect();
    admin.create_topics(&specs).await.expect("create topics");
}

/// Pre-encoded messages: key, value and headers as the bus writes them.
async fn encoded(producer: &KafkaProducer, full_topic: &str, n: usize) -> Vec<Encoded> {
    let work = workload();
    let mut ids = Vec::new();
    for (d, key, _) in &work {
        let schema = d.schema().expect("serializable");
        let key_schema = key_schema(schema.json(), key).expect("key");
        let registry = producer.registry();
        let key_id = registry
            .register(
                &format!(
                    "{full_topic}-{}",
                    eventbus_runtime::key::key_record_name(&key_schema)
                ),
                &eventbus_runtime::avro::schema::python_json(&key_schema),
            )
            .await
            .expect("register key");
        let value_id = registry
            .register(
                &format!("{full_topic}-{}.CloudEvent", d.event_type),
                schema.registry_text(),
            )
            .await
            .expect("register value");
        ids.push((key_id, value_id));
    }
    (0..n)
        .map(|i| {
            let (d, key, event) = &work[i % work.len()];
            let (key_id, value_id) = ids[i % work.len()];
            let key = frame(key_id, &event.key_at(key).expect("key").encode());
            let value = frame(value_id, &event.encode());
            Arc::new((
                key,
                value,
                EventsMetadata::new(d.event_type, d.minor_version),
            ))
        })
        .collect()
}

async fn raw_produce(producer: FutureProducer, topic: &str, messages: &[Encoded]) -> Duration {
    in_flight(messages.len(), IN_FLIGHT, |i| {
        let (producer, topic, message) = (producer.clone(), topic.to_owned(), messages[i].clone());
        async move {
            let headers: OwnedHeaders = owned_headers(&message.2);
            producer
                .send(
                    FutureRecord::to(&topic)
                        .key(&message.0)
                        .payload(&message.1)
                        .headers(headers),
                    Duration::from_secs(30),
                )
                .await
                .map_err(|(e, _)| e)
                .expect("delivered");
        }
    })
    .await
}

/// The time to Avro-encode `n` workload events (key and value) and to decode their values, on
/// this thread.
fn codec_times(n: usize) -> (Duration, Duration) {
    let work = workload();
    let start = Instant::now();
    let values: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let (_, key, event) = &work[i % work.len()];
            std::hint::black_box(event.key_at(key).expect("key").encode());
            event.encode()
        })
        .collect();
    let encode = start.elapsed();
    let start = Instant::now();
    for (i, value) in values.iter().enumerate() {
        let (descriptor, _, _) = &work[i % work.len()];
        std::hint::black_box(descriptor.decode(value, None).expect("decodes"));
    }
    (encode, start.elapsed())
}

/// Consume + dispatch `n` events with the bus consumer: time from the first receiver call to
/// the n-th.
async fn bus_consume(settings: &KafkaSettings, topic: &str, n: usize) -> Duration {
    let dispatched = Dispatched::connect(n);
    let consumer = KafkaConsumer::new(settings, topic, &format!("bench-{}", uuid::Uuid::new_v4()))
        .expect("consumer");
    let token = CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    let elapsed = dispatched.wait().await;
    token.cancel();
    let summary = handle.await.expect("no panic").expect("consumer ok");
    assert_eq!(summary.dead_lettered, 0);
    elapsed
}

/// Read `n` messages with a raw rdkafka consumer (no decoding, no commits): time from the first
/// message to the n-th.
async fn raw_consume(servers: &str, topic: &str, n: usize) -> Duration {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .set("group.id", format!("bench-raw-{}", uuid::Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("raw consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut first = None;
    let mut bytes = 0usize;
    for _ in 0..n {
        let message = tokio::time::timeout(Duration::from_secs(60), consumer.recv())
            .await
            .expect("a message within 60 s")
            .expect("message");
        first.get_or_insert_with(Instant::now);
        bytes += message.payload().map_or(0, <[u8]>::len);
    }
    std::hint::black_box(bytes);
    first.expect("first").elapsed()
}

fn python_produce(settings: &KafkaSettings, topic: &str, n: usize) -> Option<(usize, Duration)> {
    common::python_produce(
        "kafka",
        topic,
        n,
        &[
            (
                "EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS",
                settings.bootstrap_servers(),
            ),
            (
                "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL",
                settings.schema_registry_url(),
            ),
            (
                "EVENT_BUS_TOPIC_PREFIX",
                settings.topic_prefix().unwrap_or_default(),
            ),
        ],
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("kafka_throughput: run with `cargo bench --bench kafka_throughput` (needs the services)");
        return;
    }
    let n: usize = std::env::var("KAFKA_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let servers = env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS");
    let registry_url = env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL");
    let prefix = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let settings = KafkaSettings::builder(&servers, &registry_url)
        .topic_prefix(&prefix)
        .service_name("bench")
        .common(|c| c.audit_logging_enabled = false)
        .client_option("auto.offset.reset", "earliest")
        .client_option("linger.ms", "5")
        .build()
        .expect("settings");
    let (bus_topic, raw_topic, py_topic) = ("bus", "raw", "python");
    let full = |t: &str| settings.full_topic(t);
    create(
        &settings,
        &[&full(bus_topic), &full(raw_topic), &full(py_topic)],
    )
    .await;

    let producer = Arc::new(KafkaProducer::new(&settings).expect("producer"));
    // Warm up: registrations, connections, metadata.
    bus_produce(producer.clone(), bus_topic, 10, IN_FLIGHT).await;
    let messages = encoded(&producer, &full(raw_topic), n).await;
    let raw = eventbus_runtime::kafka::config::producer_config(&settings)
        .create::<FutureProducer>()
        .expect("raw producer");
    raw_produce(raw.clone(), &full(raw_topic), &messages[..10]).await;

    let only_consume = std::env::var("KAFKA_BENCH_ONLY").is_ok_and(|v| v == "consume");
    let produce_rounds = if only_consume { 1 } else { PRODUCE_ROUNDS };
    println!("kafka_throughput: {n} events, 5 event types, 3 partitions, acks=all, idempotence");
    // Alternate bus and raw rounds so that the broker's state (a warming JVM, a segment roll)
    // weighs on both alike; compare the medians.
    let (mut bus_times, mut raw_times) = (Vec::new(), Vec::new());
    for _ in 0..produce_rounds {
        bus_times.push(bus_produce(producer.clone(), bus_topic, n, IN_FLIGHT).await);
        raw_times.push(raw_produce(raw.clone(), &full(raw_topic), &messages).await);
    }
    let (bus, raw_time) = (median(bus_times), median(raw_times));
    println!(
        "produce   bus: {:>9.0} events/s   raw rdkafka: {:>9.0} events/s   bus/raw: {:.2}   (median of {produce_rounds} alternating rounds)",
        rate(n, bus),
        rate(n, raw_time),
        raw_time.as_secs_f64() / bus.as_secs_f64()
    );

    let interval = KafkaSettings::builder(&servers, &registry_url)
        .topic_prefix(&prefix)
        .common(|c| c.audit_logging_enabled = false)
        .client_option("auto.offset.reset", "earliest")
        .consumer_commit_interval(Duration::from_secs(1))
        .build()
        .expect("settings");
    let modes = [
        ("commit after every message", &settings),
        ("commit every second", &interval),
    ];
    // Alternating rounds, as for producing: raw, then the bus in each commit mode.
    let (mut raw_times, mut bus_times) = (Vec::new(), vec![Vec::new(); modes.len()]);
    for _ in 0..CONSUME_ROUNDS {
        raw_times.push(raw_consume(&servers, &full(raw_topic), n + 10).await);
        for ((_, settings), times) in modes.iter().zip(&mut bus_times) {
            times.push(bus_consume(settings, bus_topic, n + 10).await);
        }
    }
    let raw_c = median(raw_times);
    for ((mode, _), times) in modes.iter().zip(bus_times) {
        let bus_c = median(times);
        println!(
            "consume   bus (decode + dispatch, {mode}): {:>9.0} events/s   raw rdkafka: {:>9.0} events/s   bus/raw: {:.2}   (median of {CONSUME_ROUNDS} alternating rounds)",
            rate(n + 10, bus_c),
            rate(n + 10, raw_c),
            raw_c.as_secs_f64() / bus_c.as_secs_f64()
        );
    }

    // What the Avro codec alone costs, on one thread, for the same events: the bound it sets on
    // the ratios above, since the raw baselines neither encode nor decode.
    let (encode, decode) = codec_times(n);
    let per = |d: Duration, count: usize| d.as_secs_f64() * 1e6 / count as f64;
    println!(
        "codec     per event: Avro encode (key + value) {:.2} us, decode {:.2} us; raw per message: produce {:.2} us, read {:.2} us",
        per(encode, n),
        per(decode, n),
        per(raw_time, n),
        per(raw_c, n + 10)
    );
    println!(
        "bound     bus/raw if all but the codec were free: produce {:.2}, consume {:.2}",
        per(raw_time, n) / (per(raw_time, n) + per(encode, n)),
        per(raw_c, n + 10) / (per(raw_c, n + 10) + per(decode, n))
    );

    if only_consume {
        producer.close().await.expect("flush");
        return;
    }
    match python_produce(&settings, py_topic, n) {
        Some((count, seconds)) => println!(
            "produce   python edx-event-bus-kafka: {:>9.0} events/s   rust bus/python: {:.2}",
            rate(count, seconds),
            seconds.as_secs_f64() * n as f64 / count as f64 / bus.as_secs_f64()
        ),
        None => println!("produce   python: skipped"),
    }

    // Ordered concurrency.
    let keyed_topic = "keyed";
    create(&settings, &[&full(keyed_topic)]).await;
    keyed::produce_keyed(&producer, keyed_topic, 1000, 100).await;
    let wait = Duration::from_millis(2);
    let mut times = Vec::new();
    for max_in_flight in [1, 100] {
        let concurrent = KafkaSettings::builder(&servers, &registry_url)
            .topic_prefix(&prefix)
            .common(|c| {
                c.audit_logging_enabled = false;
                c.max_in_flight = max_in_flight;
            })
            .client_option("auto.offset.reset", "earliest")
            .build()
            .expect("settings");
        times.push(keyed::consume_waiting(&concurrent, keyed_topic, 1000, wait).await);
    }
    println!(
        "consume   1000 events, 100 keys, handler waits 2 ms: one at a time {:.2} s   max_in_flight 100: {:.3} s   speed-up: {:.1}x",
        times[0].as_secs_f64(),
        times[1].as_secs_f64(),
        times[0].as_secs_f64() / times[1].as_secs_f64()
    );

    // Latency with the default settings (no linger.ms or poll overrides).
    let defaults = KafkaSettings::builder(&servers, &registry_url)
        .topic_prefix(&prefix)
        .common(|c| c.audit_logging_enabled = false)
        .client_option("auto.offset.reset", "earliest")
        .build()
        .expect("settings");
    let default_producer = Arc::new(KafkaProducer::new(&defaults).expect("producer"));
    let latency_topic = "latency";
    create(&settings, &[&full(latency_topic)]).await;
    let latencies = keyed::latencies(&default_producer, &defaults, latency_topic, 1000, 3).await;
    println!(
        "latency   send -> handler, 1000 events/s for 3 s, default settings: p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        keyed::percentile(&latencies, 50.0).as_secs_f64() * 1e3,
        keyed::percentile(&latencies, 99.0).as_secs_f64() * 1e3,
        latencies.last().expect("latencies").as_secs_f64() * 1e3
    );
    default_producer.close().await.expect("flush");
    producer.close().await.expect("flush");
}
