//! An in-process-only event may carry fields that are not event data, even optional ones.
use eventbus_runtime::prelude::*;
use std::sync::Arc;

#[derive(Debug, Clone, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.local.thing.v1", in_process_only)]
pub struct LocalThing {
    pub handle: Arc<std::sync::Mutex<u128>>,
    pub note: Option<String>,
}

fn main() {
    assert_eq!(LocalThing::EVENT_TYPE, "org.openedx.test.local.thing.v1");
    assert!(!LocalThing::descriptor().is_serializable());
}
