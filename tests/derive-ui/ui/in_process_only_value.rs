use eventbus_runtime::prelude::*;

// `in_process_only` takes no value, or `true` / `false` (see `pass/in_process_only.rs`); anything
// else is refused at the value.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.local.thing.v1", in_process_only = "yes")]
pub struct LocalThing {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.local.other.v1", in_process_only = 1)]
pub struct OtherThing {
    pub text: String,
}

fn main() {}
