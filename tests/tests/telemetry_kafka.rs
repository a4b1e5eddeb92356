//! Operations of the Kafka clients on the real broker: `/metrics` counts exactly what was
//! produced, consumed, processed and dead-lettered, the lag gauge shows a backlog and drops to 0,
//! `/readyz` turns ready once the consumer has its assignment and is not ready for a consumer
//! whose broker cannot be reached.
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`). The tests share the process'
//! readiness, so they run one at a time (a lock).

#[path = "support/gate.rs"]
mod gate;
#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/scrape.rs"]
mod scrape;

use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::registry;
use eventbus_runtime::settings::KafkaSettings;
use eventbus_runtime::telemetry::TelemetryServer;
use kafka_support::*;
use rdkafka::Offset;
use scrape::Scraper;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn send_logins(producer: &KafkaProducer, topic: &str, n: usize) -> Vec<Uuid> {
    let sent = send_example_logins(producer, topic, n).await;
    sent.into_iter().map(|metadata| metadata.id).collect()
}

fn settings(prefix: &str) -> KafkaSettings {
    builder(&unique(prefix))
        .client_option("statistics.interval.ms", "300")
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_every_event_and_the_lag_drops_to_zero() {
    let _one = ONE_AT_A_TIME.lock().await;
    openedx_events::link();
    let settings = settings("metrics");
    let topic = "metrics";
    let full = settings.full_topic(topic);
    let dead = settings.full_topic(&settings.dead_letter_topic(topic));
    create_topics(&settings, &[&full, &dead], 1).await;
    let group = unique("g");
    let server = TelemetryServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let scraper = Scraper::new(server.local_addr());
    let sent = format!("messaging_client_sent_messages_total{{system=\"kafka\",topic=\"{full}\",event_type=\"{LOGIN}\"}}");
    let labels = format!("system=\"kafka\",topic=\"{full}\",group=\"{group}\"");
    let consumed =
        format!("messaging_client_consumed_messages_total{{{labels},event_type=\"{LOGIN}\"}}");
    let processed =
        format!("eventbus_consumer_processed_messages_total{{{labels},event_type=\"{LOGIN}\"}}");
    let durations =
        format!("messaging_process_duration_seconds_count{{{labels},event_type=\"{LOGIN}\"}}");
    let unknown =
        format!("messaging_client_consumed_messages_total{{{labels},event_type=\"unknown\"}}");
    let dead_lettered = format!(
        "eventbus_consumer_dead_lettered_messages_total{{{labels},event_type=\"unknown\"}}"
    );
    let lag =
        format!("kafka_consumergroup_lag{{topic=\"{full}\",group=\"{group}\",partition=\"0\"}}");

    // One event consumed: the group commits offset 1.
    let collector = Collector::connect([registry::find(LOGIN).unwrap()]);
    let producer = KafkaProducer::new(&settings).unwrap();
    let first = send_logins(&producer, topic, 1).await;
    collector.expect(first[0]);
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    collector.wait_for(1, Duration::from_secs(60)).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.processed, 1);
    let metrics = scraper.get().await;
    assert_eq!(scrape::value(&metrics, &sent), Some(1.0));
    assert_eq!(scrape::value(&metrics, &consumed), Some(1.0));
    assert_eq!(scrape::value(&metrics, &processed), Some(1.0));

    // Five more while no consumer runs, and one without headers (dead-lettered): a backlog of 6.
    let held = Arc::new(Mutex::new(HashSet::new()));
    let (open, gate_open) = watch::channel(false);
    let _gate = gate::hold(LOGIN, held.clone(), gate_open);
    let backlog = send_logins(&producer, topic, 5).await;
    produce_raw(
        &raw_producer(&settings),
        &full,
        None,
        Some(b"not an event"),
        &[],
    )
    .await;
    held.lock().unwrap().insert(backlog[0]);
    for id in &backlog {
        collector.expect(*id);
    }
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    // The consumer holds the first event of the backlog: the lag is the whole backlog.
    scraper.wait_for(&lag, 6.0, Duration::from_secs(60)).await;
    open.send(true).unwrap();
    collector.wait_for(6, Duration::from_secs(60)).await;
    scraper.wait_for(&lag, 0.0, Duration::from_secs(60)).await;
    let summary = running.stop().await.unwrap();
    assert_eq!((summary.processed, summary.dead_lettered), (5, 1));
    assert_eq!(
        committed_offset(&settings, &group, &full, 0).await,
        Offset::Offset(7)
    );

    let metrics = scraper.get().await;
    assert_eq!(scrape::value(&metrics, &sent), Some(6.0));
    assert_eq!(scrape::value(&metrics, &consumed), Some(6.0));
    assert_eq!(scrape::value(&metrics, &processed), Some(6.0));
    assert_eq!(scrape::value(&metrics, &durations), Some(6.0));
    assert_eq!(scrape::value(&metrics, &unknown), Some(1.0));
    assert_eq!(scrape::value(&metrics, &dead_lettered), Some(1.0));
    // The consumer left its group: its partition's lag is no longer reported.
    assert_eq!(scrape::value(&metrics, &lag), None);
    assert_eq!(
        scrape::value(
            &metrics,
            &format!("messaging_client_send_failures_total{{system=\"kafka\",topic=\"{full}\",event_type=\"{LOGIN}\"}}")
        ),
        None
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_ready_once_assigned_and_not_for_an_unreachable_broker() {
    let _one = ONE_AT_A_TIME.lock().await;
    openedx_events::link();
    let server = TelemetryServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let scraper = Scraper::new(server.local_addr());
    assert_eq!(scraper.status("/livez").await, 200);
    // Nothing registered: ready.
    assert_eq!(scraper.status("/readyz").await, 200);

    let settings = settings("ready");
    let topic = "ready";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;
    let group = unique("g");
    let consumer = KafkaConsumer::new(&settings, topic, &group).unwrap();
    // Created, not yet a member of its group: not ready.
    let (status, body) = scraper.readyz().await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains(&format!("group {group}: assigned=false")),
        "{body}"
    );
    let running = Running::start(consumer);
    let body = scraper.wait_ready(true, Duration::from_secs(60)).await;
    assert!(
        body.contains(&format!("group {group}: assigned=true connected=true")),
        "{body}"
    );
    running.stop().await.unwrap();
    // Stopped and dropped: its check is gone.
    assert_eq!(scraper.status("/readyz").await, 200);

    // A broker that cannot be reached (a closed port): never assigned, not ready; librdkafka's
    // "all brokers down" keeps `connected` false.
    let (_, registry) = service_env();
    let unreachable = KafkaSettings::builder("127.0.0.1:9", registry)
        .topic_prefix(unique("down"))
        .client_option("statistics.interval.ms", "300")
        .build()
        .unwrap();
    let running = Running::start(KafkaConsumer::new(&unreachable, topic, &group).unwrap());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, body) = scraper.readyz().await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("kafka consumer of 127.0.0.1:9 in group")
            && body.contains("assigned=false connected=false"),
        "{body}"
    );
    running.stop().await.unwrap();

    // A producer counts too: not ready while its broker cannot be reached, ready once its
    // statistics show a broker up.
    let producer = KafkaProducer::new(&unreachable).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (status, body) = scraper.readyz().await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("kafka producer of 127.0.0.1:9: connected=false"),
        "{body}"
    );
    drop(producer);
    let producer = KafkaProducer::new(&settings).unwrap();
    let body = scraper.wait_ready(true, Duration::from_secs(30)).await;
    assert!(
        body.contains(&format!(
            "kafka producer of {}: connected=true",
            settings.bootstrap_servers()
        )),
        "{body}"
    );
    drop(producer);
    server.stop().await;
}
