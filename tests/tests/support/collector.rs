//! Receivers that collect what a consumer dispatched, whatever the transport (the Kafka and Redis
//! tests include this file).

#![allow(dead_code)]

use eventbus_runtime::registry::{AnyEvent, EventDescriptor};
use eventbus_runtime::signal::ReceiverId;
use eventbus_runtime::EventsMetadata;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// One event as a receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The event type.
    pub event_type: &'static str,
    /// The event's JSON form.
    pub json: Value,
    /// The metadata.
    pub metadata: EventsMetadata,
    /// Whether it came from the bus.
    pub from_event_bus: bool,
}

/// Receivers connected to some event types, keeping the events whose id the test expects (other
/// tests run consumers of the same event types in the same process).
pub struct Collector {
    expected: Arc<Mutex<HashSet<Uuid>>>,
    received: Arc<Mutex<Vec<Received>>>,
    connected: Vec<(&'static EventDescriptor, ReceiverId)>,
}

impl Collector {
    /// Connect to `descriptors`; events are kept once their id is [`Collector::expect`]ed.
    pub fn connect(descriptors: impl IntoIterator<Item = &'static EventDescriptor>) -> Self {
        Collector::connect_failing(descriptors, Arc::new(Mutex::new(HashSet::new())))
    }

    /// As [`Collector::connect`], with a receiver that fails for the ids in `fail_ids`.
    pub fn connect_failing(
        descriptors: impl IntoIterator<Item = &'static EventDescriptor>,
        fail_ids: Arc<Mutex<HashSet<Uuid>>>,
    ) -> Self {
        let expected = Arc::new(Mutex::new(HashSet::new()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut connected = Vec::new();
        for descriptor in descriptors {
            let (expected, received, fail_ids) =
                (expected.clone(), received.clone(), fail_ids.clone());
            let id = descriptor
                .connect(
                    "test-collector",
                    Arc::new(
                        move |event: Arc<dyn AnyEvent>,
                              metadata: EventsMetadata,
                              from_event_bus: bool| {
                            let fail = fail_ids.lock().unwrap().contains(&metadata.id);
                            if expected.lock().unwrap().contains(&metadata.id) {
                                received.lock().unwrap().push(Received {
                                    event_type: event.descriptor().event_type,
                                    json: event.to_json(),
                                    metadata,
                                    from_event_bus,
                                });
                            }
                            Box::pin(async move {
                                if fail {
                                    Err("the test receiver refuses this event".into())
                                } else {
                                    Ok(())
                                }
                            })
                        },
                    ),
                )
                .expect("serializable event type");
            connected.push((descriptor, id));
        }
        Collector {
            expected,
            received,
            connected,
        }
    }

    /// Keep events with this id.
    pub fn expect(&self, id: Uuid) {
        self.expected.lock().unwrap().insert(id);
    }

    /// What was received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Wait until `n` events were received; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                start.elapsed() < timeout,
                "received {} of {n} events in {timeout:?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        for (descriptor, id) in &self.connected {
            descriptor.disconnect(*id);
        }
    }
}
