use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Data {
    #[openedx_event(name = "other")]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub struct Happened {
    #[openedx_event(key_field)]
    pub data: Data,
}

fn main() {}
