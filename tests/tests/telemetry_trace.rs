//! A trace id travels from the producer's span to the consumer's, through the `traceparent`
//! header (Kafka) and entry field (Redis), on the real broker and Redis; both spans carry the
//! OpenTelemetry messaging attributes. A receiver's logs are inside the `process` span, and what
//! it sends continues the trace. (The Python consumers' acceptance of the extra header and
//! field is checked by `kafka_interop.rs` and `redis_bus.rs`, whose Rust-produced messages carry
//! it.)
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`).

#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/spans.rs"]
mod spans;

use eventbus_runtime::consume::OnEvent;
use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::redis::{RedisConsumer, RedisProducer, StartFrom};
use eventbus_runtime::registry;
use eventbus_runtime::settings::RedisSettings;
use eventbus_runtime::EventsMetadata;
use kafka_support::*;
use openedx_events::learning::SessionLoginCompleted;
use spans::{SeenSpan, Spans};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn spans() -> &'static Spans {
    static SPANS: OnceLock<Spans> = OnceLock::new();
    SPANS.get_or_init(|| {
        let spans = Spans::default();
        tracing_subscriber::registry()
            .with(spans.clone())
            .try_init()
            .expect("the only subscriber of this test binary");
        spans
    })
}

/// The one span named `name` of message `id`, waiting up to 60 s for it.
async fn span_of(name: &str, id: &str) -> SeenSpan {
    let start = Instant::now();
    loop {
        let found = spans().find(name, "messaging.message.id", id);
        if let [span] = found.as_slice() {
            return span.clone();
        }
        assert!(found.len() < 2, "{} {name} spans for {id}", found.len());
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {name} span for {id}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_continues(send: &SeenSpan, process: &SeenSpan) {
    assert_eq!(send.field("trace_id").len(), 32);
    assert_eq!(process.field("trace_id"), send.field("trace_id"));
    assert_eq!(process.field("parent_span_id"), send.field("span_id"));
    assert_ne!(process.field("span_id"), send.field("span_id"));
    assert_eq!(send.field("messaging.operation.type"), "send");
    assert_eq!(process.field("messaging.operation.type"), "process");
    assert_eq!(send.field("otel.kind"), "producer");
    assert_eq!(process.field("otel.kind"), "consumer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_span_continues_the_producer_trace_on_kafka() {
    spans();
    openedx_events::link();
    let descriptor = registry::find(LOGIN).unwrap();
    let settings = builder(&unique("trace")).build().unwrap();
    let topic = "trace";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 1).await;
    let group = unique("g");
    let collector = Collector::connect([descriptor]);
    let producer = KafkaProducer::new(&settings).unwrap();
    let metadata = send_example_logins(&producer, topic, 1).await.remove(0);
    collector.expect(metadata.id);
    let id = metadata.id.to_string();
    let send = span_of("send", &id).await;
    assert_eq!(send.field("messaging.system"), "kafka");
    assert_eq!(send.field("messaging.destination.name"), full);

    // The header on the wire is the send span's context.
    let messages = read_topic(&settings, &full, 1, Duration::from_secs(60)).await;
    assert_eq!(
        messages[0].header("traceparent"),
        format!("00-{}-{}-01", send.field("trace_id"), send.field("span_id"))
    );

    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    collector.wait_for(1, Duration::from_secs(60)).await;
    running.stop().await.unwrap();
    let process = span_of("process", &id).await;
    assert_continues(&send, &process);
    assert_eq!(process.field("messaging.system"), "kafka");
    assert_eq!(process.field("messaging.destination.name"), full);
    assert_eq!(process.field("messaging.consumer.group.name"), group);
    assert_eq!(process.field("messaging.destination.partition.id"), "0");
    assert_eq!(process.field("messaging.kafka.offset"), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_span_continues_the_producer_trace_on_redis() {
    spans();
    openedx_events::link();
    let descriptor = registry::find(LOGIN).unwrap();
    let url = std::env::var("EVENT_BUS_REDIS_CONNECTION_URL")
        .expect("EVENT_BUS_REDIS_CONNECTION_URL: start the services");
    let settings = RedisSettings::builder(url)
        .topic_prefix(unique("trace"))
        .common(|c| c.poll_timeout = Duration::from_millis(300))
        .build()
        .unwrap();
    let topic = "trace";
    let collector = Collector::connect([descriptor]);
    let producer = RedisProducer::new(&settings).await.unwrap();
    let metadata = send_example_logins(&producer, topic, 1).await.remove(0);
    collector.expect(metadata.id);
    let id = metadata.id.to_string();
    let send = span_of("send", &id).await;
    assert_eq!(send.field("messaging.system"), "redis");
    let group = unique("g");
    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let token = eventbus_runtime::consume::CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    collector.wait_for(1, Duration::from_secs(60)).await;
    token.cancel();
    tokio::time::timeout(Duration::from_secs(30), handle)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let process = span_of("process", &id).await;
    assert_continues(&send, &process);
    assert_eq!(process.field("messaging.system"), "redis");
    assert_eq!(
        process.field("messaging.destination.name"),
        settings.full_topic(topic)
    );
    assert_eq!(process.field("messaging.consumer.group.name"), group);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_log_inside_the_process_span_and_their_sends_continue_the_trace() {
    spans();
    openedx_events::link();
    let settings = builder(&unique("chain")).build().unwrap();
    let (input, output) = ("chain-in", "chain-out");
    let full_output = settings.full_topic(output);
    create_topics(&settings, &[&settings.full_topic(input), &full_output], 1).await;
    let producer = Arc::new(KafkaProducer::new(&settings).unwrap());
    let first = send_example_logins(producer.as_ref(), input, 1)
        .await
        .remove(0);
    let forwarded = EventsMetadata::new(LOGIN, 0);
    let (p, f) = (producer.clone(), forwarded.clone());
    let consumer = KafkaConsumer::new(&settings, input, &unique("g"))
        .unwrap()
        .on::<SessionLoginCompleted, _, _>("forward", move |e| {
            let (p, f) = (p.clone(), f.clone());
            async move {
                tracing::info!(marker = %e.metadata.id, "forwarding");
                p.send_event(output, "user.pii.username", login_for("forwarded"), &f)
                    .await?;
                Ok(())
            }
        });
    let running = Running::start(consumer);
    let send = span_of("send", &forwarded.id.to_string()).await;
    let summary = running.stop().await.unwrap();
    assert_eq!((summary.processed, summary.dead_lettered), (1, 0));
    let process = span_of("process", &first.id.to_string()).await;

    // The forwarded event's send is a new span of the processed message's trace.
    assert_eq!(send.field("trace_id"), process.field("trace_id"));
    assert_ne!(send.field("span_id"), process.field("span_id"));
    let messages = read_topic(&settings, &full_output, 1, Duration::from_secs(60)).await;
    assert_eq!(
        messages[0].header("traceparent"),
        format!(
            "00-{}-{}-01",
            process.field("trace_id"),
            send.field("span_id")
        )
    );

    // The receiver's log line is inside the process span of the message it handled.
    let logged = spans().events("marker", &first.id.to_string());
    assert_eq!(logged.len(), 1, "{logged:?}");
    let span = logged[0].span.as_ref().expect("logged inside a span");
    assert_eq!(span.name, "process");
    assert_eq!(
        span.field("messaging.message.id"),
        first.id.to_string().as_str()
    );
}
