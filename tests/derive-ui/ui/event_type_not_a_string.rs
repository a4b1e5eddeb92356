use eventbus_runtime::prelude::*;

// A malformed event_type is reported once, not again as a missing event_type.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = org.openedx.test.thing.v1)]
pub struct Happened {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type)]
pub struct NoValue {
    pub text: String,
}

fn main() {}
