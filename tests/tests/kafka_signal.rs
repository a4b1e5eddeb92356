//! Graceful shutdown of the Kafka consumer on SIGTERM: the consumer commits what it processed,
//! leaves its group and returns `Ok`. Alone in its test binary, because the signal goes to the
//! whole process.
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`).

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::registry;
use kafka_support::*;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_commits_leaves_the_group_and_returns_ok() {
    openedx_events::link();
    let descriptor = registry::find(LOGIN).unwrap();
    let settings = builder(&unique("sigterm")).build().unwrap();
    let topic = "sigterm";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 1).await;
    let group = unique("g");
    let collector = Collector::connect([descriptor]);
    let producer = KafkaProducer::new(&settings).unwrap();
    for metadata in send_example_logins(&producer, topic, 3).await {
        collector.expect(metadata.id);
    }
    let consumer = KafkaConsumer::new(&settings, topic, &group).unwrap();
    let handle = tokio::spawn(consumer.consume_until_signal());
    collector.wait_for(3, Duration::from_secs(60)).await;
    wait_for_group(&settings, &group, 1, Duration::from_secs(30)).await;

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let summary = tokio::time::timeout(Duration::from_secs(30), handle)
        .await
        .expect("the consumer stops on SIGTERM")
        .unwrap()
        .expect("a graceful shutdown returns Ok");
    assert_eq!(summary.processed, 3);

    // The offsets are committed and the group is empty.
    assert_eq!(
        committed_offset(&settings, &group, &full, 0).await,
        Offset::Offset(3)
    );
    let servers = settings.bootstrap_servers().to_owned();
    let members = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &servers)
            .set("group.id", &group)
            .create()
            .unwrap();
        let groups = consumer
            .fetch_group_list(Some(&group), Duration::from_secs(10))
            .unwrap();
        groups
            .groups()
            .iter()
            .map(|g| g.members().len())
            .sum::<usize>()
    })
    .await
    .unwrap();
    assert_eq!(members, 0, "the consumer left its group");
}
