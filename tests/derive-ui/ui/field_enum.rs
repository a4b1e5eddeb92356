use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub enum Colour {
    Red,
    Blue,
}

// An enum cannot derive `EventData`: one error at the field's type.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.painted.v1")]
pub struct Painted {
    pub colour: Colour,
}

fn main() {}
