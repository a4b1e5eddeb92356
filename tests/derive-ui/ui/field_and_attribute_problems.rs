use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub enum Colour {
    Red,
    Blue,
}

// A malformed attribute and unsupported field types are all reported in one compile.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.Thing.painted.v1")]
pub struct Painted {
    pub colour: Colour,
    pub count: u64,
    pub text: String,
}

fn main() {}
