use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
pub struct Happened<T> {
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Data<'a> {
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Bounded
where
    String: Clone,
{
    pub text: String,
}

fn main() {}
