use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.paired.v1")]
pub struct Paired {
    pub pair: (String, i64),
}

fn main() {}
