use eventbus_runtime::prelude::*;

// An event that can travel on the bus must be `Clone` (its receivers each get a copy).
#[derive(Debug, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub struct Happened {
    pub text: String,
}

fn main() {}
