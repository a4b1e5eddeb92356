use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1", keyfield = "text")]
pub struct Happened {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, EventData)]
#[openedx_event(rename = "Other")]
pub struct Data {
    pub text: String,
}

fn main() {}
