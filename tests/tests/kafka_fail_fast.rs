//! The Kafka producer fails fast, with errors that say what is wrong: brokers that cannot be
//! reached (named), a topic that does not exist (named), within `EVENT_BUS_KAFKA_PRODUCE_TIMEOUT`.
//!
//! Needs `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`
//! (`eval "$(scripts/services.sh up)"`): the real broker runs with topic auto-creation off.

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::avro::Example;
use eventbus_runtime::backend::ProduceError;
use eventbus_runtime::kafka::{KafkaError, KafkaProducer};
use eventbus_runtime::registry::{self, AnyEvent};
use eventbus_runtime::settings::KafkaSettings;
use eventbus_runtime::EventsMetadata;
use kafka_support::*;
use std::sync::Arc;
use std::time::Duration;

const KEY: &str = "user.id";

fn login() -> (Arc<dyn AnyEvent>, EventsMetadata) {
    openedx_events::link();
    let descriptor = registry::find(LOGIN).expect("in the catalog");
    (
        descriptor.example(Example::Full).unwrap(),
        EventsMetadata::new(LOGIN, 0),
    )
}

/// The Kafka error inside a producer error.
fn kafka_error(error: &ProduceError) -> &KafkaError {
    match error {
        ProduceError::Transport { source, .. } => source
            .downcast_ref::<KafkaError>()
            .unwrap_or_else(|| panic!("not a Kafka error: {error}")),
        other => panic!("not a transport error: {other}"),
    }
}

#[tokio::test]
async fn unreachable_servers_fail_with_an_error_naming_them() {
    init_tracing();
    let (_, registry) = service_env();
    let settings = KafkaSettings::builder("127.0.0.1:1", registry)
        .topic_prefix("fail-fast")
        .produce_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let producer = KafkaProducer::new(&settings).unwrap();
    let (event, metadata) = login();
    for attempt in 0..2 {
        let error = producer
            .send_event("anything", KEY, event.clone(), &metadata)
            .await
            .unwrap_err();
        match kafka_error(&error) {
            KafkaError::Unreachable {
                servers,
                timeout,
                reason,
            } => {
                assert_eq!(servers, "127.0.0.1:1");
                assert_eq!(*timeout, Duration::from_secs(2));
                assert!(
                    reason.contains("127.0.0.1:1") && reason.contains("Connection refused"),
                    "attempt {attempt}: {reason}"
                );
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
        assert!(
            error.to_string().starts_with(&format!(
                "producing {LOGIN} to fail-fast-anything: cannot reach the Kafka bootstrap \
                 servers 127.0.0.1:1 within 2s (EVENT_BUS_KAFKA_PRODUCE_TIMEOUT): "
            )),
            "{error}"
        );
    }
    producer.close().await.unwrap();
}

#[tokio::test]
async fn a_topic_that_does_not_exist_is_named() {
    let settings = builder(&unique("fail-fast"))
        .produce_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let producer = KafkaProducer::new(&settings).unwrap();
    let (event, metadata) = login();
    let error = producer
        .send_event("never-created", KEY, event, &metadata)
        .await
        .unwrap_err();
    let full = settings.full_topic("never-created");
    match kafka_error(&error) {
        KafkaError::UnknownTopic { topic, servers } => {
            assert_eq!(topic, &full);
            assert_eq!(servers, settings.bootstrap_servers());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!(
            "producing {LOGIN} to {full}: topic {full} does not exist on the Kafka brokers {} \
             (create it first, e.g. with `eventbus topics create`)",
            settings.bootstrap_servers()
        )
    );
}

#[tokio::test]
async fn a_topic_that_exists_is_checked_once_then_produced_to() {
    let settings = builder(&unique("fail-fast"))
        .produce_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let full = settings.full_topic("exists");
    create_topics(&settings, &[&full], 1).await;
    let producer = KafkaProducer::new(&settings).unwrap();
    let (event, metadata) = login();
    let first = producer
        .send_event("exists", KEY, event.clone(), &metadata)
        .await
        .unwrap();
    let second = producer
        .send_event("exists", KEY, event, &metadata)
        .await
        .unwrap();
    assert_eq!(
        (
            first.topic.as_str(),
            first.kafka_position().map(|(_, offset)| offset)
        ),
        (full.as_str(), Some(0))
    );
    assert_eq!(
        (
            second.topic.as_str(),
            second.kafka_position().map(|(_, offset)| offset)
        ),
        (full.as_str(), Some(1))
    );
    producer.close().await.unwrap();
}

#[tokio::test]
async fn a_topic_deleted_after_its_first_event_is_named() {
    let settings = builder(&unique("fail-fast"))
        .produce_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let full = settings.full_topic("deleted");
    create_topics(&settings, &[&full], 1).await;
    let producer = KafkaProducer::new(&settings).unwrap();
    let (event, metadata) = login();
    producer
        .send_event("deleted", KEY, event.clone(), &metadata)
        .await
        .unwrap();
    eventbus_runtime::kafka::KafkaAdmin::new(&settings)
        .unwrap()
        .delete_topics(&[&full])
        .await
        .unwrap();
    // librdkafka waits for the topic until the produce timeout; the producer then asks again.
    let error = producer
        .send_event("deleted", KEY, event, &metadata)
        .await
        .unwrap_err();
    match kafka_error(&error) {
        KafkaError::UnknownTopic { topic, .. } => assert_eq!(topic, &full),
        other => panic!("{other:?}"),
    }
}
