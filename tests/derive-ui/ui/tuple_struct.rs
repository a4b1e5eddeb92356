use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub struct Happened(pub String);

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Data(pub String, pub i64);

fn main() {}
