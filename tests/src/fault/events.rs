//! The events of the fault tests: [`SessionLoginCompleted`] (a small catalog event) whose
//! `user.id` is a sequence number, unique per event of a test, so that what was delivered can be
//! matched one to one with what was sent. The key field is `user.pii.username`,
//! `fault-user-{seq % KEYS}`: [`KEYS`] keys spread the events over the partitions of a topic, and
//! the events of one key must be processed in order (checked with ordered concurrency).

use super::error::HarnessError;
use eventbus_runtime::avro::decode_event;
use eventbus_runtime::registry::AnyEvent;
use eventbus_runtime::{EventsMetadata, OpenEdxEvent};
use openedx_events::learning::{SessionLoginCompleted, UserData, UserPersonalData};
use std::sync::Arc;

/// The event key field the fault tests produce with.
pub const KEY_FIELD: &str = "user.pii.username";

/// How many keys the events share: event `seq` has key `fault-user-{seq % KEYS}`.
pub const KEYS: u64 = 200;

/// The key (`user.pii.username`) of event `seq`.
pub fn key_of(seq: u64) -> String {
    format!("fault-user-{}", seq % KEYS)
}

/// The event type of the fault tests' events.
pub const EVENT_TYPE: &str = <SessionLoginCompleted as OpenEdxEvent>::EVENT_TYPE;

/// The event with sequence number `seq`, and new metadata for it (a new UUID v1 id).
pub fn numbered(seq: u64) -> (Arc<dyn AnyEvent>, EventsMetadata) {
    let event = SessionLoginCompleted {
        user: UserData {
            id: i64::try_from(seq).expect("sequence numbers fit in an i64"),
            is_active: true,
            pii: UserPersonalData {
                username: key_of(seq),
                email: format!("{}@example.com", key_of(seq)),
                name: String::new(),
            },
        },
    };
    let metadata = EventsMetadata::new(
        EVENT_TYPE,
        <SessionLoginCompleted as OpenEdxEvent>::MINOR_VERSION,
    );
    (Arc::new(event), metadata)
}

/// The sequence number of an event.
pub fn sequence(event: &SessionLoginCompleted) -> Result<u64, HarnessError> {
    u64::try_from(event.user.id).map_err(|_| HarnessError::Corrupt {
        what: format!("event {EVENT_TYPE}"),
        reason: format!("user.id {} is not a sequence number", event.user.id),
    })
}

/// The sequence number of an event's Avro data as produced (Kafka: the value after the 5 bytes
/// of framing; Redis: the `event_data` field).
pub fn sequence_of_avro(data: &[u8]) -> Result<u64, HarnessError> {
    let event: SessionLoginCompleted =
        decode_event(data).map_err(HarnessError::client("decoding a fault-test event"))?;
    sequence(&event)
}
