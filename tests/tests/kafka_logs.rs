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

#[path = "kafka_support.rs"]
mod kafka_support;

use eventbus_runtime::kafka::KafkaProducer;
use kafka_support::*;
use std::sync::{Arc, Mutex, OnceLock};

/// A `tracing` writer that keeps what is written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The logs of this process, from the first call on; the global subscriber is installed before
/// anything else of the test runs, so `init_tracing` (with `RUST_LOG`) finds it taken.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .try_init()
            .expect("the only subscriber of this test binary");
        captured
    })
}

#[tokio::test]
async fn failed_deliveries_are_logged_with_the_event_as_json() {
    let captured = logs();
    let settings = builder(&unique("faillog"))
        .client_option("message.timeout.ms", "5000")
        .build()
        .unwrap();
    let producer = KafkaProducer::new(&settings).unwrap();
    let event = login_for("logged-user");
    let metadata = metadata_for(descriptor(LOGIN));
    producer
        .send_event("bad|topic", "user.pii.username", event.clone(), &metadata)
        .await
        .unwrap_err();
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = logs
        .lines()
        .find(|l| l.contains("Error delivering message to Kafka event bus"))
        .unwrap_or_else(|| panic!("no error logged:\n{logs}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("bad|topic"), "the topic: {line}");
    assert!(
        line.contains(&event.to_json().to_string()),
        "the event data as JSON: {line}"
    );
    assert!(
        line.contains(&metadata.to_json().to_string()),
        "the metadata as JSON: {line}"
    );
    assert!(line.contains("event_key=\"logged-user\""), "{line}");
}
