use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v2")]
pub struct Happened {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.other.v1", minor_version = 1, minor_version = 2)]
pub struct Other {
    pub text: String,
}

fn main() {}
