//! `/readyz` follows the broker: a consumer of a private broker (the fault harness'
//! `PrivateKafka`, never the shared one) is ready once assigned, not ready after the broker is
//! killed, and ready again once it is restarted.
//!
//! Needs the services (the shared registry) and the Kafka jars of `scripts/services.sh`.

#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/scrape.rs"]
mod scrape;

use eventbus_runtime::kafka::KafkaConsumer;
use eventbus_runtime::telemetry::TelemetryServer;
use eventbus_tests::fault::kafka::RESTART_TIMEOUT;
use eventbus_tests::fault::{fault_settings, PrivateKafka};
use kafka_support::*;
use scrape::Scraper;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_not_ready_when_the_broker_dies_and_ready_when_it_is_back() {
    openedx_events::link();
    let (_, registry) = service_env();
    let mut kafka = PrivateKafka::start().await.expect("private broker");
    let prefix = unique("ready");
    let topic = "events";
    kafka
        .create_topic(&format!("{prefix}-{topic}"), 1)
        .await
        .expect("topic");
    let settings = fault_settings(&kafka.bootstrap(), &registry, &prefix)
        .client_option("statistics.interval.ms", "300")
        .client_option("session.timeout.ms", "6000")
        .build()
        .unwrap();
    let server = TelemetryServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let scraper = Scraper::new(server.local_addr());
    let group = unique("g");
    let running = Running::start(KafkaConsumer::new(&settings, topic, &group).unwrap());
    let body = scraper.wait_ready(true, Duration::from_secs(60)).await;
    assert!(
        body.contains(&format!("group {group}: assigned=true connected=true")),
        "{body}"
    );

    kafka.kill().expect("kill the private broker");
    let body = scraper.wait_ready(false, Duration::from_secs(60)).await;
    assert!(body.contains("connected=false"), "{body}");

    kafka.restart().await.expect("restart the private broker");
    let body = scraper
        .wait_ready(true, RESTART_TIMEOUT + Duration::from_secs(60))
        .await;
    assert!(
        body.contains(&format!("group {group}: assigned=true connected=true")),
        "{body}"
    );
    running.stop().await.unwrap();
    server.stop().await;
}
