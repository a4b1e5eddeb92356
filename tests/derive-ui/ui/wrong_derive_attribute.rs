use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub struct Data {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, EventData)]
#[openedx_event(key_field = "text", in_process_only)]
pub struct MoreData {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1", name = "Happened")]
pub struct Happened {
    pub text: String,
}

fn main() {}
