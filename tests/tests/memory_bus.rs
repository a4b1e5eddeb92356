//! The in-memory bus of unit tests: what is produced to a bus reaches only its consumers'
//! handlers, through the Avro encoding, with retries, and the configured producer can send to it.

use eventbus_runtime::backend::{DeliveryPosition, EventProducer, ProduceError};
use eventbus_runtime::consume::{MemoryBus, MessageError, OnEvent};
use eventbus_runtime::prelude::*;
use eventbus_runtime::producer_config::{ConfiguredProducer, ProducerConfig};
use eventbus_runtime::settings::RetryPolicy;
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

/// A note was archived (sent through the configured producer by the isolation tests only).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.memory_bus.note.archived.v1",
    key_field = "note.id"
)]
pub struct NoteArchived {
    /// The note.
    pub note: Note,
}

/// A note was tagged (no default key field).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.memory_bus.note.tagged.v1")]
pub struct NoteTagged {
    /// The note.
    pub note: Note,
}

/// What one isolation test does on its bus (made here when `None`): connect the configured producer, wait for the other
/// test to have done so too, send note `id` through the global signal, wait for the other test's
/// send, and return the ids its consumer got.
async fn one_isolated_test(
    bus: Option<MemoryBus>,
    id: i64,
    barrier: impl Fn() -> BoxedWait,
) -> Vec<i64> {
    // A `#[tokio::test]` makes its bus in its runtime.
    let bus = bus.unwrap_or_default();
    let config = ProducerConfig::from_value(&json!({
        "org.openedx.test.memory_bus.note.archived.v1": {
            "archived-notes": {"event_key_field": "note.id", "enabled": true}
        }
    }))
    .unwrap();
    let _producing = ConfiguredProducer::connect(&config, bus.producer()).unwrap();
    let got: Ids = Arc::default();
    let seen = got.clone();
    let mut consumer = bus
        .consumer("archived-notes")
        .on::<NoteArchived, _, _>("audit", move |e| {
            seen.lock().unwrap().push(e.data.note.id);
            std::future::ready(Ok(()))
        });
    barrier().await;
    let report = NoteArchived::signal()
        .send_event(NoteArchived {
            note: Note {
                id,
                text: "old".into(),
            },
        })
        .await
        .unwrap();
    assert!(report.is_ok(), "{:?}", report.failures);
    barrier().await;
    consumer.drain().await;
    let ids = got.lock().unwrap().clone();
    ids
}

/// A wait at a barrier.
type BoxedWait = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

#[test]
fn parallel_tests_through_the_configured_producer_see_only_their_own_events() {
    // Two `#[tokio::test]`s (a current-thread runtime each, on threads of their own) that run at
    // the same time: both producing receivers are connected to the global signal when each sends.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let test = |id: i64| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(one_isolated_test(None, id, move || {
                    let barrier = barrier.clone();
                    Box::pin(async move {
                        barrier.wait();
                    })
                }))
        })
    };
    let (a, b) = (test(1), test(2));
    assert_eq!(a.join().unwrap(), [1], "the first test saw only its event");
    assert_eq!(b.join().unwrap(), [2], "the second test saw only its event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_tests_in_their_bus_scope_see_only_their_own_events() {
    // On a multi-thread runtime the bus' scope says which test an event belongs to; this test's
    // body, outside both scopes, sends an event of its own between the tests' two waits.
    let barrier = Arc::new(tokio::sync::Barrier::new(3));
    let test = |id: i64| {
        let barrier = barrier.clone();
        tokio::spawn(async move {
            let bus = MemoryBus::new();
            bus.scope(one_isolated_test(Some(bus.clone()), id, move || {
                let barrier = barrier.clone();
                Box::pin(async move {
                    barrier.wait().await;
                })
            }))
            .await
        })
    };
    let (a, b) = (test(3), test(4));
    barrier.wait().await;
    let report = NoteArchived::signal()
        .send_event(NoteArchived {
            note: Note {
                id: 99,
                text: "unscoped".into(),
            },
        })
        .await
        .unwrap();
    assert!(report.is_ok(), "{:?}", report.failures);
    barrier.wait().await;
    assert_eq!(a.await.unwrap(), [3], "the first test saw only its event");
    assert_eq!(b.await.unwrap(), [4], "the second test saw only its event");
}

#[tokio::test]
async fn bus_send_produces_as_the_configured_producer_would() {
    let bus = MemoryBus::with_topic_prefix("dev");
    let (got, handler) = recorder();
    let mut consumer = bus
        .consumer("notes")
        .on::<NoteWritten, _, _>("audit", handler);
    let delivery = bus.send("notes", note(7)).await.unwrap();
    assert_eq!(
        (delivery.topic.as_str(), &delivery.position),
        ("dev-notes", &DeliveryPosition::Memory { index: 0 })
    );
    let produced = &bus.producer().events()[0];
    assert_eq!(produced.key, eventbus_runtime::key::KeyValue::Long(7));
    assert_eq!(produced.metadata.event_type, NoteWritten::EVENT_TYPE);
    assert_eq!(produced.metadata.minorversion, NoteWritten::MINOR_VERSION);
    assert!(produced.metadata.source.starts_with("openedx/"));
    assert_eq!(consumer.drain().await.processed, 1);
    assert_eq!(*got.lock().unwrap(), [7]);

    // An event type without a default key field needs one.
    let tagged = NoteTagged {
        note: Note {
            id: 8,
            text: "tag".into(),
        },
    };
    let error = bus.send("tags", tagged.clone()).await.unwrap_err();
    assert!(
        matches!(error, ProduceError::NoKeyField { event_type } if event_type == NoteTagged::EVENT_TYPE),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "org.openedx.test.memory_bus.note.tagged.v1 has no default key field (`key_field` in its \
         `#[openedx_event]`): give the key field to use"
    );
    let delivery = bus.send_keyed("tags", "note.text", tagged).await.unwrap();
    assert_eq!(delivery.topic, "dev-tags");
    assert_eq!(
        bus.producer().events()[1].key,
        eventbus_runtime::key::KeyValue::String("tag".into())
    );
    // A key field that does not lead to a key value is refused, as the configured producer's is.
    let error = bus
        .send_keyed("tags", "note.nope", note(9))
        .await
        .unwrap_err();
    assert!(matches!(error, ProduceError::KeyField { .. }), "{error}");
}
