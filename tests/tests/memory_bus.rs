//! The in-memory bus of unit tests: what is produced to a bus reaches only its consumers'
//! handlers, through the Avro encoding, with retries, and the configured producer can send to it.

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::{MemoryBus, MessageError, OnEvent, RetryPolicy};
use eventbus_runtime::prelude::*;
use eventbus_runtime::producer_config::{ConfiguredProducer, ProducerConfig};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A note.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Note {
    /// Its id.
    pub id: i64,
    /// Its text.
    pub text: String,
}

/// A note was written (only these tests use this event type).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.memory_bus.note.written.v1",
    key_field = "note.id"
)]
pub struct NoteWritten {
    /// The note.
    pub note: Note,
}

/// A note was deleted (sent through the configured producer by one test only).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.memory_bus.note.deleted.v1",
    key_field = "note.id"
)]
pub struct NoteDeleted {
    /// The note.
    pub note: Note,
}

fn note(id: i64) -> NoteWritten {
    NoteWritten {
        note: Note {
            id,
            text: format!("note {id}"),
        },
    }
}

async fn produce(bus: &MemoryBus, topic: &str, id: i64) {
    let metadata = EventsMetadata::new(NoteWritten::EVENT_TYPE, 0);
    bus.producer()
        .send(topic, "note.id", Arc::new(note(id)), &metadata)
        .await
        .unwrap();
}

/// The note ids a handler got.
type Ids = Arc<Mutex<Vec<i64>>>;

/// The outcome of a handler.
type Handled = std::future::Ready<Result<(), eventbus_runtime::signal::ReceiverError>>;

/// A handler that records the note ids it gets, and the ids.
fn recorder() -> (
    Ids,
    impl Fn(Arc<Envelope<NoteWritten>>) -> Handled + Send + Sync + 'static,
) {
    let ids: Ids = Arc::default();
    let seen = ids.clone();
    (ids, move |e: Arc<Envelope<NoteWritten>>| {
        assert!(e.from_event_bus);
        seen.lock().unwrap().push(e.data.note.id);
        std::future::ready(Ok(()))
    })
}

#[tokio::test]
async fn two_buses_do_not_see_each_others_events_nor_the_signals_receivers() {
    let global: Arc<Mutex<usize>> = Arc::default();
    let g = global.clone();
    let receiver = NoteWritten::signal().connect("global", move |_| {
        *g.lock().unwrap() += 1;
        Ok(())
    });
    let (a, b) = (MemoryBus::new(), MemoryBus::new());
    let (got_a, handler_a) = recorder();
    let (got_b, handler_b) = recorder();
    let mut consumer_a = a.consumer("notes").on::<NoteWritten, _, _>("a", handler_a);
    let mut consumer_b = b.consumer("notes").on::<NoteWritten, _, _>("b", handler_b);
    produce(&a, "notes", 1).await;
    produce(&a, "notes", 2).await;
    produce(&a, "other", 3).await;
    produce(&b, "notes", 4).await;
    assert_eq!(consumer_a.drain().await.processed, 2);
    assert_eq!(consumer_b.drain().await.processed, 1);
    assert_eq!(*got_a.lock().unwrap(), [1, 2]);
    assert_eq!(*got_b.lock().unwrap(), [4]);
    // Drained: a second drain processes only what came since.
    produce(&a, "notes", 5).await;
    assert_eq!(consumer_a.drain().await.processed, 1);
    assert_eq!(*got_a.lock().unwrap(), [1, 2, 5]);
    assert_eq!(
        *global.lock().unwrap(),
        0,
        "the global receiver saw nothing"
    );
    NoteWritten::signal().disconnect(receiver);
}

#[tokio::test]
async fn a_failing_handler_is_retried_alone_then_kept_with_its_error() {
    let bus = MemoryBus::new();
    let (got, steady) = recorder();
    let attempts: Arc<Mutex<usize>> = Arc::default();
    let a = attempts.clone();
    let mut consumer = bus
        .consumer("notes")
        .retry(RetryPolicy {
            retries: 3,
            backoff: Duration::ZERO,
            backoff_max: Duration::ZERO,
        })
        .on::<NoteWritten, _, _>("steady", steady)
        .on::<NoteWritten, _, _>("broken", move |_| {
            *a.lock().unwrap() += 1;
            std::future::ready(Err("disk full".into()))
        });
    produce(&bus, "notes", 9).await;
    let summary = consumer.drain().await;
    assert_eq!(
        (summary.processed, summary.retried, summary.dead_lettered),
        (0, 3, 1)
    );
    assert_eq!(*got.lock().unwrap(), [9], "the steady handler ran once");
    assert_eq!(*attempts.lock().unwrap(), 4);
    let (_, error) = &consumer.failed()[0];
    assert!(
        matches!(
            error,
            MessageError::Receivers {
                failed: 1,
                receivers: 2,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "1 receiver(s) out of 2 produced errors when handling org.openedx.test.memory_bus.note.written.v1 (4 attempts): broken=disk full");
}

#[tokio::test]
async fn the_configured_producer_sends_to_the_memory_bus() {
    let config = ProducerConfig::from_value(&json!({
        "org.openedx.test.memory_bus.note.deleted.v1": {
            "deleted-notes": {"event_key_field": "note.id", "enabled": true}
        }
    }))
    .unwrap();
    let bus = MemoryBus::with_topic_prefix("dev");
    let _producing = ConfiguredProducer::connect(&config, bus.producer()).unwrap();
    let got: Arc<Mutex<Vec<i64>>> = Arc::default();
    let seen = got.clone();
    let mut consumer = bus
        .consumer("deleted-notes")
        .on::<NoteDeleted, _, _>("audit", move |e| {
            seen.lock().unwrap().push(e.data.note.id);
            std::future::ready(Ok(()))
        });
    NoteDeleted::signal()
        .send_event(NoteDeleted {
            note: Note {
                id: 3,
                text: "gone".into(),
            },
        })
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(bus.producer().events()[0].topic, "dev-deleted-notes");
    assert_eq!(consumer.drain().await.processed, 1);
    assert_eq!(*got.lock().unwrap(), [3]);
}
