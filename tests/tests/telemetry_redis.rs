//! Operations of the Redis clients on the real Redis: `/metrics` counts what was sent, consumed
//! and processed, `redis_consumergroup_lag` shows the stream's backlog and then 0 with nothing
//! pending, and `/readyz` is ready once the consumer joined its group.
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`).

#[path = "support/collector.rs"]
mod collector;
#[path = "support/gate.rs"]
mod gate;
#[path = "support/scrape.rs"]
mod scrape;

#[path = "support/logins.rs"]
mod logins;
use collector::Collector;
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::redis::{RedisConsumer, RedisProducer, StartFrom};
use eventbus_runtime::registry;
use eventbus_runtime::settings::RedisSettings;
use eventbus_runtime::telemetry::TelemetryServer;
use logins::{send_example_logins, LOGIN};
use scrape::Scraper;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_metrics_count_every_entry_and_the_lag_drops_to_zero() {
    openedx_events::link();
    let descriptor = registry::find(LOGIN).unwrap();
    let url = std::env::var("EVENT_BUS_REDIS_CONNECTION_URL")
        .expect("EVENT_BUS_REDIS_CONNECTION_URL: start the services");
    let prefix = format!("metrics-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let settings = RedisSettings::builder(url)
        .topic_prefix(&prefix)
        .common(|c| c.poll_timeout = Duration::from_millis(300))
        .build()
        .unwrap();
    let topic = "metrics";
    let stream = settings.full_topic(topic);
    let group = format!("g-{prefix}");
    let server = TelemetryServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let scraper = Scraper::new(server.local_addr());

    let producer = RedisProducer::new(&settings).await.unwrap();
    let collector = Collector::connect([descriptor]);
    let ids: Vec<Uuid> = send_example_logins(&producer, topic, 4)
        .await
        .iter()
        .map(|m| m.id)
        .collect();
    for id in &ids {
        collector.expect(*id);
    }
    let held = Arc::new(Mutex::new(HashSet::from([ids[0]])));
    let (open, gate_open) = watch::channel(false);
    let _gate = gate::hold(LOGIN, held, gate_open);

    let consumer = RedisConsumer::new(&settings, topic, &group, "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let token = CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    let lag = format!("redis_consumergroup_lag{{topic=\"{stream}\",group=\"{group}\"}}");
    let pending = format!("redis_consumergroup_pending{{topic=\"{stream}\",group=\"{group}\"}}");
    // Read before the first entry was delivered: the whole stream is the lag.
    scraper.wait_for(&lag, 4.0, Duration::from_secs(30)).await;
    let body = scraper.wait_ready(true, Duration::from_secs(30)).await;
    assert!(
        body.contains(&format!(
            "redis consumer of {stream} in group {group}: connected=true"
        )),
        "{body}"
    );
    open.send(true).unwrap();
    collector.wait_for(4, Duration::from_secs(60)).await;
    // Refreshed at most every 5 s, on the consumer's next reads.
    scraper.wait_for(&lag, 0.0, Duration::from_secs(30)).await;
    scraper
        .wait_for(&pending, 0.0, Duration::from_secs(30))
        .await;
    token.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(30), handle)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(summary.processed, 4);

    let metrics = scraper.get().await;
    let sent = format!(
        "messaging_client_sent_messages_total{{system=\"redis\",topic=\"{stream}\",event_type=\"{LOGIN}\"}}"
    );
    let labels =
        format!("system=\"redis\",topic=\"{stream}\",group=\"{group}\",event_type=\"{LOGIN}\"");
    assert_eq!(scrape::value(&metrics, &sent), Some(4.0));
    for name in [
        "messaging_client_consumed_messages_total",
        "eventbus_consumer_processed_messages_total",
        "messaging_process_duration_seconds_count",
    ] {
        assert_eq!(
            scrape::value(&metrics, &format!("{name}{{{labels}}}")),
            Some(4.0),
            "{name}"
        );
    }
    server.stop().await;
}
