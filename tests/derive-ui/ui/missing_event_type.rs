use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
pub struct NoAttribute {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(key_field = "text")]
pub struct NoEventType {
    pub text: String,
}

fn main() {}
