//! What the Kafka producer logs when a delivery fails, captured by this binary's global
//! `tracing` subscriber.
//!
//! The capture is global, and this test has its own binary, because a thread-local subscriber
//! (`set_default`) misses events in a binary whose other tests run on other threads: a callsite
//! first reached on a thread without a subscriber caches "never" while one thread-local
//! subscriber is the only one registered.
//!
//! Needs `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`
//! (`eval "$(scripts/services.sh up)"`); fails without them.

#[path = "support/captured.rs"]
mod captured;
#[path = "support/kafka.rs"]
mod kafka_support;

use captured::{capture_logs, Captured};
use eventbus_runtime::kafka::KafkaProducer;
use kafka_support::*;

/// The logs of this process at INFO, from the first call on.
fn logs() -> &'static Captured {
    capture_logs("info")
}

/// The ERROR line of an event the producer could not deliver names its type, topic and metadata;
/// its key and data (a username here) only with `EVENT_BUS_KAFKA_LOG_PAYLOADS`, as Python logs
/// them always.
#[tokio::test]
async fn failed_deliveries_are_logged_with_the_event_as_json_only_when_asked() {
    let captured = logs();
    for log_payloads in [false, true] {
        let settings = builder(&unique("faillog"))
            .client_option("message.timeout.ms", "5000")
            .common(|c| c.log_payloads = log_payloads)
            .build()
            .unwrap();
        let producer = KafkaProducer::new(&settings).unwrap();
        let username = format!("logged-user-{log_payloads}");
        let event = login_for(&username);
        let metadata = metadata_for(descriptor(LOGIN));
        producer
            .send_event("bad|topic", "user.pii.username", event.clone(), &metadata)
            .await
            .unwrap_err();
        let logs = captured.text();
        let line = logs
            .lines()
            .find(|l| {
                l.contains("Error delivering message to Kafka event bus")
                    && l.contains(&metadata.id.to_string())
            })
            .unwrap_or_else(|| panic!("no error logged:\n{logs}"));
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains("bad|topic"), "the topic: {line}");
        assert!(
            line.contains(&metadata.to_json().to_string()),
            "the metadata as JSON: {line}"
        );
        assert_eq!(
            line.contains(&event.to_json().to_string()),
            log_payloads,
            "the event data as JSON only with log_payloads={log_payloads}: {line}"
        );
        assert_eq!(
            line.contains(&format!("event_key=\"{username}\"")),
            log_payloads,
            "the key only with log_payloads={log_payloads}: {line}"
        );
        assert_eq!(line.contains(&username), log_payloads, "{line}");
    }
}

/// The ERROR line of a message the consumer cannot process names the event, the topic and the
/// position, but holds its key and value (learners' personal data, such as an e-mail address)
/// only with `EVENT_BUS_KAFKA_LOG_PAYLOADS`.
#[tokio::test]
async fn dead_lettered_messages_are_logged_without_their_payload_unless_asked() {
    use eventbus_runtime::kafka::KafkaConsumer;
    let captured = logs();
    for log_payloads in [false, true] {
        let settings = builder(&unique("pii"))
            .common(|c| c.log_payloads = log_payloads)
            .build()
            .unwrap();
        let topic = "input";
        let full = settings.full_topic(topic);
        let dead_letters = settings.full_topic(&settings.dead_letter_topic(topic));
        create_topics(&settings, &[&full, &dead_letters], 1).await;
        // Not Avro: the consumer dead-letters it. Its key and value hold an e-mail address.
        let message_id = uuid::Uuid::new_v4().to_string();
        let headers = [
            ("ce_id", Some(message_id.as_bytes())),
            ("ce_type", Some(LOGIN.as_bytes())),
        ];
        produce_raw(
            &raw_producer(&settings),
            &full,
            Some(b"learner@example.com".as_slice()),
            Some(b"\x00\x00\x00\x00\x01 learner@example.com".as_slice()),
            &headers,
        )
        .await;
        let running = Running::start(KafkaConsumer::new(&settings, topic, &unique("g")).unwrap());
        let letters = read_topic(
            &settings,
            &dead_letters,
            1,
            std::time::Duration::from_secs(60),
        )
        .await;
        assert_eq!(
            letters.len(),
            1,
            "the event is kept in the dead-letter topic"
        );
        let summary = running.stop().await.unwrap();
        assert_eq!(summary.dead_lettered, 1, "{summary:?}");
        let logs = captured.text();
        let lines: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains("Error consuming event from Kafka") && l.contains(&full))
            .collect();
        assert_eq!(lines.len(), 1, "one ERROR line for the message:\n{logs}");
        let line = lines[0];
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains(&message_id), "the event's id: {line}");
        assert!(line.contains(LOGIN), "the event's type: {line}");
        assert!(
            line.contains("partition=0") && line.contains("offset=0"),
            "{line}"
        );
        assert_eq!(
            line.contains("learner@example.com"),
            log_payloads,
            "the e-mail address shows only with log_payloads={log_payloads}: {line}"
        );
    }
}
