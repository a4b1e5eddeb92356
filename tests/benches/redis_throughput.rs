//! Throughput of the Redis backend against the real Redis, in one run:
//!
//! - produce N events through the bus ([`RedisProducer`]: Avro, entry fields, `XADD MAXLEN ~`)
//!   vs raw `XADD`s of the same pre-encoded fields on one connection, one at a time (as Python's
//!   synchronous producer sends) and with many in flight;
//! - consume + dispatch to a receiver ([`RedisConsumer`]: read, decode, metadata, signal, `XACK`
//!   after each entry) vs a raw loop of the same commands (`XREADGROUP COUNT 100`, then `XACK`
//!   for each entry) without decoding;
//! - the Python producer (`edx-event-bus-redis`) on the same workload.
//!
//! `eval "$(scripts/services.sh up)"; cargo bench -p eventbus-tests --bench redis_throughput`
//! (`REDIS_BENCH_EVENTS`, default 20000; `EVENTBUS_PYTHON` for the Python run; set
//! `BENCH_SKIP_PYTHON=1` to skip it).

mod common;

use common::{bus_produce, env, in_flight, rate, workload, Dispatched};
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::redis::entry::entry_fields;
use eventbus_runtime::redis::{RedisConsumer, RedisProducer, StartFrom};
use eventbus_runtime::settings::RedisSettings;
use eventbus_runtime::EventsMetadata;
use redis::aio::MultiplexedConnection;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events in flight at once when producing concurrently.
const IN_FLIGHT: usize = 256;

/// An entry's fields, pre-encoded.
type Fields = Arc<Vec<(&'static str, Vec<u8>)>>;

/// The entries' fields, pre-encoded.
fn encoded(n: usize) -> Vec<Fields> {
    let work = workload();
    (0..n)
        .map(|i| {
            let (d, _, event) = &work[i % work.len()];
            let metadata = EventsMetadata::new(d.event_type, d.minor_version);
            Arc::new(entry_fields(&metadata, event.encode()))
        })
        .collect()
}

/// `XADD` the pre-encoded entries with `limit` commands at once.
async fn raw_produce(
    connection: &MultiplexedConnection,
    stream: &str,
    entries: &[Fields],
    limit: usize,
) -> Duration {
    in_flight(entries.len(), limit, |i| {
        let (mut connection, stream) = (connection.clone(), stream.to_owned());
        let fields = entries[i].clone();
        async move {
            let mut command = redis::cmd("XADD");
            command
                .arg(&stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(10_000_000)
                .arg("*");
            for (name, value) in fields.iter() {
                command.arg(*name).arg(value);
            }
            command
                .query_async::<String>(&mut connection)
                .await
                .expect("added");
        }
    })
    .await
}

/// Consume + dispatch `n` events with the bus consumer: time from the first receiver call to
/// the n-th.
async fn bus_consume(settings: &RedisSettings, topic: &str, n: usize) -> Duration {
    let dispatched = Dispatched::connect(n);
    let consumer = RedisConsumer::new(settings, topic, "bench", "bench")
        .await
        .expect("consumer")
        .start_from(StartFrom::Beginning);
    let token = CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    let elapsed = dispatched.wait().await;
    token.cancel();
    let summary = handle.await.expect("no panic").expect("consumer ok");
    assert_eq!(summary.dead_lettered, 0);
    elapsed
}

/// Read `n` entries 100 at a time and acknowledge each, as the consumer does, without decoding.
async fn raw_consume(connection: &MultiplexedConnection, stream: &str, n: usize) -> Duration {
    let mut connection = connection.clone();
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg("raw")
        .arg("0")
        .query_async::<()>(&mut connection)
        .await
        .expect("group");
    let start = Instant::now();
    let (mut bytes, mut seen) = (0usize, 0usize);
    while seen < n {
        let reply: redis::Value = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("raw")
            .arg("raw")
            .arg("COUNT")
            .arg(100)
            .arg("STREAMS")
            .arg(stream)
            .arg(">")
            .query_async(&mut connection)
            .await
            .expect("read");
        for entry in eventbus_runtime::redis::entry::entries_of_reply(&reply).expect("entries") {
            bytes += entry.event_data().expect("data").map_or(0, <[u8]>::len);
            redis::cmd("XACK")
                .arg(stream)
                .arg("raw")
                .arg(&entry.id)
                .query_async::<i64>(&mut connection)
                .await
                .expect("ack");
            seen += 1;
        }
    }
    std::hint::black_box(bytes);
    start.elapsed()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("redis_throughput: run with `cargo bench --bench redis_throughput` (needs the services)");
        return;
    }
    let n: usize = std::env::var("REDIS_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let url = env("EVENT_BUS_REDIS_CONNECTION_URL");
    let prefix = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let settings = RedisSettings::builder(&url)
        .topic_prefix(&prefix)
        .service_name("bench")
        .stream_max_len(Some(10_000_000))
        .common(|c| c.audit_logging_enabled = false)
        .build()
        .expect("settings");
    let producer = Arc::new(RedisProducer::new(&settings).await.expect("producer"));
    let connection = redis::Client::open(url.as_str())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("connection");
    let entries = encoded(n);
    // Warm up.
    bus_produce(producer.clone(), "warm-up", 100, 1).await;
    raw_produce(
        &connection,
        &settings.full_topic("warm-up"),
        &entries[..100],
        1,
    )
    .await;

    println!("redis_throughput: {n} events, 5 event types");
    for (label, in_flight) in [("one at a time", 1), ("256 in flight", IN_FLIGHT)] {
        let topic = format!("bus-{in_flight}");
        let bus = bus_produce(producer.clone(), &topic, n, in_flight).await;
        let raw = raw_produce(
            &connection,
            &settings.full_topic(&format!("raw-{in_flight}")),
            &entries,
            in_flight,
        )
        .await;
        println!(
            "produce ({label})   bus: {:>9.0} events/s   raw XADD: {:>9.0} events/s   bus/raw: {:.2}",
            rate(n, bus),
            rate(n, raw),
            raw.as_secs_f64() / bus.as_secs_f64()
        );
        if in_flight == 1 {
            match common::python_produce(
                "redis",
                "python",
                n,
                &[
                    ("EVENT_BUS_REDIS_CONNECTION_URL", url.as_str()),
                    ("EVENT_BUS_TOPIC_PREFIX", prefix.as_str()),
                ],
            ) {
                Some((count, seconds)) => println!(
                    "produce (one at a time)   python edx-event-bus-redis: {:>9.0} events/s   rust bus/python: {:.2}",
                    rate(count, seconds),
                    seconds.as_secs_f64() * n as f64 / count as f64 / bus.as_secs_f64()
                ),
                None => println!("produce   python: skipped"),
            }
        }
    }

    let bus_c = bus_consume(&settings, "bus-1", n).await;
    let raw_c = raw_consume(&connection, &settings.full_topic("raw-1"), n).await;
    println!(
        "consume   bus (decode + dispatch + XACK): {:>9.0} events/s   raw XREADGROUP + XACKs: {:>9.0} events/s   bus/raw: {:.2}",
        rate(n, bus_c),
        rate(n, raw_c),
        raw_c.as_secs_f64() / bus_c.as_secs_f64()
    );
    let mut cleanup = connection.clone();
    for topic in ["warm-up", "bus-1", "raw-1", "bus-256", "raw-256", "python"] {
        let _: Result<i64, _> = redis::cmd("DEL")
            .arg(settings.full_topic(topic))
            .query_async(&mut cleanup)
            .await;
    }
}
