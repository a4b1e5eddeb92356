//! In-process signals: receivers, robust and non-robust sending, enabling, metadata.
//! Each test uses its own event type, since signals are process-wide.

use eventbus_runtime::metadata::set_service_name;
use eventbus_runtime::prelude::*;
use eventbus_runtime::signal::ReceiverError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Test data.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Note {
    pub text: String,
}

macro_rules! test_event {
    ($name:ident, $type:literal) => {
        /// A test event.
        #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
        #[openedx_event(event_type = $type, key_field = "note.text", minor_version = 3)]
        pub struct $name {
            pub note: Note,
        }
        impl $name {
            fn new(text: &str) -> Self {
                $name {
                    note: Note {
                        text: text.to_owned(),
                    },
                }
            }
        }
    };
}
test_event!(Robust, "org.openedx.test.signals.robust.v1");
test_event!(Strict, "org.openedx.test.signals.strict.v1");
test_event!(Toggled, "org.openedx.test.signals.toggled.v1");
test_event!(Meta, "org.openedx.test.signals.meta.v1");
test_event!(FromBus, "org.openedx.test.signals.from_bus.v1");
test_event!(Ordered, "org.openedx.test.signals.ordered.v1");

fn fail(message: &str) -> Result<(), ReceiverError> {
    Err(message.to_owned().into())
}

#[tokio::test]
async fn robust_mode_runs_every_receiver_and_reports_every_failure() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    Robust::signal().connect("first-fails", |_| fail("first broke"));
    Robust::signal().connect("counts", move |_| {
        c.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    Robust::signal().connect("panics", |_| panic!("boom"));
    Robust::signal().connect_async("async-fails", |_| async { fail("async broke") });

    let report = Robust::signal()
        .send_event(Robust::new("hi"))
        .await
        .unwrap();
    assert!(report.sent);
    assert_eq!(report.receivers, 4);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let failures: Vec<(String, String)> = report
        .failures
        .iter()
        .map(|f| (f.receiver.clone(), f.error.to_string()))
        .collect();
    assert_eq!(
        failures,
        [
            ("first-fails".to_owned(), "first broke".to_owned()),
            ("panics".to_owned(), "receiver panicked: boom".to_owned()),
            ("async-fails".to_owned(), "async broke".to_owned()),
        ]
    );
}

#[tokio::test]
async fn non_robust_mode_stops_at_the_first_failure() {
    let later = Arc::new(AtomicUsize::new(0));
    let l = later.clone();
    Strict::signal().set_robust(false);
    Strict::signal().connect("ok", |_| Ok(()));
    Strict::signal().connect("fails", |_| fail("stop here"));
    Strict::signal().connect("never", move |_| {
        l.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let err = Strict::signal()
        .send_event(Strict::new("x"))
        .await
        .unwrap_err();
    assert_eq!(err.receiver, "fails");
    assert_eq!(
        err.to_string(),
        "receiver `fails` of org.openedx.test.signals.strict.v1 failed: stop here"
    );
    assert_eq!(later.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn disabled_signals_send_nothing_and_disconnected_receivers_are_not_called() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let id = Toggled::signal().connect("counts", move |_| {
        c.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    Toggled::signal().disable();
    let report = Toggled::signal()
        .send_event(Toggled::new("a"))
        .await
        .unwrap();
    assert!(!report.sent);
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    Toggled::signal().enable();
    Toggled::signal()
        .send_event(Toggled::new("b"))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    assert!(Toggled::signal().disconnect(id));
    assert!(!Toggled::signal().disconnect(id));
    Toggled::signal()
        .send_event(Toggled::new("c"))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(Toggled::signal().receiver_count(), 0);
}

#[tokio::test]
async fn send_event_builds_openedx_metadata() {
    set_service_name("lms");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    Meta::signal().connect("records", move |envelope| {
        s.lock().unwrap().push(envelope.clone());
        Ok(())
    });
    let before = Utc::now();
    Meta::signal()
        .send_event(Meta::new("m"))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let at = "2023-05-06T07:08:09.123456Z"
        .parse::<DateTime<Utc>>()
        .unwrap();
    Meta::signal()
        .send_event_at(Meta::new("n"), at)
        .await
        .unwrap()
        .into_result()
        .unwrap();

    let seen = seen.lock().unwrap();
    let [now, then] = seen.as_slice() else {
        panic!("two events expected")
    };
    assert_eq!(now.data, Meta::new("m"));
    assert!(!now.from_event_bus);
    let m = &now.metadata;
    assert_eq!(m.event_type, "org.openedx.test.signals.meta.v1");
    assert_eq!(m.minorversion, 3);
    assert_eq!(m.id.get_version_num(), 1);
    assert_eq!(m.source, "openedx/lms/web");
    assert!(m.time >= before && m.time <= Utc::now());
    assert_eq!(
        m.sourcelib_string(),
        eventbus_runtime::metadata::OPENEDX_EVENTS_VERSION
    );
    assert_ne!(then.metadata.id, m.id);
    assert_eq!(
        then.metadata.time_isoformat(),
        "2023-05-06T07:08:09.123456+00:00"
    );
}

#[tokio::test]
async fn events_from_the_bus_keep_their_metadata_and_are_marked() {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    FromBus::signal().connect_async("records", move |envelope| {
        let s = s.clone();
        async move {
            *s.lock().unwrap() = Some((*envelope).clone());
            Ok(())
        }
    });
    let metadata = EventsMetadata::new(FromBus::EVENT_TYPE, 0);
    FromBus::signal()
        .send_event_with_custom_metadata(FromBus::new("b"), metadata.clone())
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let envelope = seen.lock().unwrap().clone().unwrap();
    assert!(envelope.from_event_bus);
    assert_eq!(envelope.metadata, metadata);
}

#[tokio::test]
async fn receivers_run_in_connection_order_sync_and_async_alike() {
    let order = Arc::new(Mutex::new(Vec::new()));
    for i in 0..4 {
        let o = order.clone();
        if i % 2 == 0 {
            Ordered::signal().connect(format!("sync-{i}"), move |_| {
                o.lock().unwrap().push(i);
                Ok(())
            });
        } else {
            Ordered::signal().connect_async(format!("async-{i}"), move |_| {
                let o = o.clone();
                async move {
                    tokio::task::yield_now().await;
                    o.lock().unwrap().push(i);
                    Ok(())
                }
            });
        }
    }
    Ordered::signal()
        .send_event(Ordered::new("o"))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn the_registry_finds_events_by_type_and_extracts_keys() {
    let d = eventbus_runtime::registry::find("org.openedx.test.signals.meta.v1").unwrap();
    assert_eq!(d.minor_version, 3);
    assert_eq!(d.default_key_field, Some("note.text"));
    assert_eq!(d.description, "A test event.");
    let event = d
        .from_json(&serde_json::json!({"note": {"text": "k"}}))
        .unwrap();
    assert_eq!(event.key_at("note.text").unwrap().to_string(), "k");
    assert_eq!(
        event.key_at("note.nope").unwrap_err().to_string(),
        "key field `note.nope`: `Note` has no field `nope`"
    );
    assert_eq!(
        event.key_at("note").unwrap_err().to_string(),
        "key field `note`: ends on a Note, which is not a scalar"
    );
    assert_eq!(
        d.from_json(&serde_json::json!({"note": {"text": 5}}))
            .unwrap_err()
            .to_string(),
        "org.openedx.test.signals.meta.v1: field `note.text`: expected a string, found number 5"
    );
    assert_eq!(
        d.from_json(&serde_json::json!({"note": {"txt": "a"}}))
            .unwrap_err()
            .to_string(),
        "org.openedx.test.signals.meta.v1: field `note.txt`: unknown field"
    );
    assert_eq!(eventbus_runtime::registry::check(), Ok(()));
}
