use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Data {
    pub tags: std::collections::HashSet<String>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub struct Happened {
    pub data: Data,
    pub big: u128,
}

fn main() {}
