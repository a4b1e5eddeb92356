use eventbus_runtime::prelude::*;

// The generic struct is refused once; a field of one of its types is not a second error.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Pair<T> {
    pub first: T,
    pub second: T,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.paired.v1")]
pub struct Paired {
    pub pair: Pair<String>,
}

fn main() {}
