//! An in-process-only event may carry fields that are not event data, even optional ones.
use eventbus_runtime::prelude::*;
use std::sync::Arc;

#[derive(Debug, Clone, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.local.thing.v1", in_process_only)]
pub struct LocalThing {
    pub handle: Arc<std::sync::Mutex<u128>>,
    pub note: Option<String>,
}

// `in_process_only = true` is `in_process_only`; `in_process_only = false` is a bus event.
#[derive(Debug, Clone, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.local.other.v1", in_process_only = true)]
pub struct OtherLocalThing {
    pub handle: Arc<std::sync::Mutex<u128>>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.bus.thing.v1", in_process_only = false)]
pub struct BusThing {
    pub note: String,
}

fn main() {
    assert_eq!(LocalThing::EVENT_TYPE, "org.openedx.test.local.thing.v1");
    assert!(!LocalThing::descriptor().is_serializable());
    assert!(!OtherLocalThing::descriptor().is_serializable());
    assert!(BusThing::descriptor().is_serializable());
}
