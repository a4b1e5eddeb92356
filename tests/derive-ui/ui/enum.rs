use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub enum Happened {
    A { x: String },
    B,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub enum Data {
    A,
}

fn main() {}
