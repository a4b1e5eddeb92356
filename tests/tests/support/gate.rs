//! A receiver that holds chosen events until the test opens a gate (to keep a consumer busy).

#![allow(dead_code)]

use eventbus_runtime::registry::{self, AnyEvent};
use eventbus_runtime::EventsMetadata;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

/// A receiver that holds the events whose id is in `held` until the gate opens.
pub fn hold(
    event_type: &'static str,
    held: Arc<Mutex<HashSet<Uuid>>>,
    open: watch::Receiver<bool>,
) -> impl Drop {
    struct Connected(&'static str, eventbus_runtime::signal::ReceiverId);
    impl Drop for Connected {
        fn drop(&mut self) {
            registry::find(self.0).unwrap().disconnect(self.1);
        }
    }
    let id = registry::find(event_type)
        .unwrap()
        .connect(
            "test-gate",
            Arc::new(
                move |_event: Arc<dyn AnyEvent>, metadata: EventsMetadata, _from_bus: bool| {
                    let hold = held.lock().unwrap().contains(&metadata.id);
                    let mut open = open.clone();
                    Box::pin(async move {
                        if hold {
                            // Bounded: the test opens the gate or fails within 60 s.
                            let _ = tokio::time::timeout(
                                Duration::from_secs(60),
                                open.wait_for(|o| *o),
                            )
                            .await;
                        }
                        Ok(())
                    })
                },
            ),
        )
        .unwrap();
    Connected(event_type, id)
}
