//! One event type declared by a Rust type in each of two crates: the registry refuses the program
//! when first used, naming both types.

use eventbus_registry_duplicates::ThingHappened;
use eventbus_runtime::consume::{CancellationToken, ConsumerError};
use eventbus_runtime::kafka::KafkaConsumer;
use eventbus_runtime::prelude::*;
use eventbus_runtime::registry::{self, DuplicateEventType, DuplicateEventTypes};
use eventbus_runtime::settings::KafkaSettings;
use std::time::Duration;

/// The second declaration, in this test crate.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.registry.duplicated.v1")]
pub struct ThingHappenedAgain {
    /// What happened.
    pub text: String,
}

/// An event type declared once, which the refused registry does not give either.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.registry.unique.v1")]
pub struct UniqueThing {
    /// What happened.
    pub text: String,
}

const REFUSAL: &str = "the event registry refuses this program: event type \
    org.openedx.test.registry.duplicated.v1 is declared by `duplicates::ThingHappenedAgain` and \
    `eventbus_registry_duplicates::ThingHappened`; each event type must be declared by one Rust type";

/// Names the other crate's type, so that its registration is linked into this program.
fn link_both() {
    assert_eq!(
        ThingHappened::descriptor().rust_type,
        "eventbus_registry_duplicates::ThingHappened"
    );
    assert_eq!(
        ThingHappenedAgain::descriptor().rust_type,
        "duplicates::ThingHappenedAgain"
    );
}

#[test]
fn check_names_the_event_type_and_both_rust_types() {
    link_both();
    let error = registry::check().unwrap_err();
    assert_eq!(
        error,
        DuplicateEventTypes {
            duplicates: vec![DuplicateEventType {
                event_type: "org.openedx.test.registry.duplicated.v1",
                rust_types: vec![
                    "duplicates::ThingHappenedAgain",
                    "eventbus_registry_duplicates::ThingHappened",
                ],
            }],
        }
    );
    assert_eq!(error.to_string(), REFUSAL);
}

/// The message of the panic that `f` ends in.
fn panic_message<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).err().expect("a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted panic message")
}

#[test]
fn find_and_all_refuse_the_program() {
    link_both();
    assert_eq!(
        UniqueThing::EVENT_TYPE,
        "org.openedx.test.registry.unique.v1"
    );
    assert_eq!(
        panic_message(|| registry::find("org.openedx.test.registry.unique.v1").is_some()),
        REFUSAL
    );
    assert_eq!(
        panic_message(|| registry::find("org.openedx.test.registry.duplicated.v1").is_some()),
        REFUSAL
    );
    assert_eq!(panic_message(|| registry::all().count()), REFUSAL);
    // Still refused on every later use, not only the first.
    assert_eq!(panic_message(|| registry::all().count()), REFUSAL);
}

/// A Kafka consumer of a refused program fails at start-up with the refusal, before it subscribes
/// (so no broker is needed: nothing listens on the addresses given), instead of panicking at the
/// first message.
#[tokio::test]
async fn a_kafka_consumer_does_not_start() {
    link_both();
    let settings = KafkaSettings::builder("127.0.0.1:9", "http://127.0.0.1:9")
        .topic_prefix("dup")
        .build()
        .expect("settings");
    let consumer = KafkaConsumer::new(&settings, "things", "group").expect("consumer");
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        consumer.consume(CancellationToken::new()),
    )
    .await
    .expect("the consumer returns at once")
    .expect_err("refused");
    assert_eq!(
        error.to_string(),
        format!("not consuming dup-things: {REFUSAL}")
    );
    match error {
        ConsumerError::Registry { topic, source } => {
            assert_eq!(topic, "dup-things");
            assert_eq!(source, registry::check().unwrap_err());
        }
        other => panic!("not a registry error: {other:?}"),
    }
}
