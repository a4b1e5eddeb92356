//! The tests' usual event, the login, sent through a bus producer of either transport.

#![allow(dead_code)]

use eventbus_runtime::avro::Example;
use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::{registry, EventsMetadata};

/// The login event type, the tests' usual event.
pub const LOGIN: &str = "org.openedx.learning.auth.session.login.completed.v1";

/// Send `n` example login events (keyed by `user.pii.username` on Kafka) through `producer`, one
/// after the other; their metadata.
pub async fn send_example_logins<P: EventProducer + ?Sized>(
    producer: &P,
    topic: &str,
    n: usize,
) -> Vec<EventsMetadata> {
    openedx_events::link();
    let descriptor = registry::find(LOGIN).expect("the login event is in the catalog");
    let mut sent = Vec::new();
    for _ in 0..n {
        let metadata = EventsMetadata::new(LOGIN, 0);
        producer
            .send(
                topic,
                "user.pii.username",
                descriptor.example(Example::Full).unwrap(),
                &metadata,
            )
            .await
            .unwrap();
        sent.push(metadata);
    }
    sent
}
