use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.string.v1", minor_version = "1")]
pub struct StringVersion {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.negative.v1", minor_version = -1)]
pub struct NegativeVersion {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.float.v1", minor_version = 1.5)]
pub struct FloatVersion {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.huge.v1", minor_version = 4294967296)]
pub struct HugeVersion {
    pub text: String,
}

fn main() {}
