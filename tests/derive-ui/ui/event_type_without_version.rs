use eventbus_runtime::prelude::*;

// An event type ends with its version, `.v<N>` (only openedx-events' authz events have none; see
// `pass/event_types.rs`).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.thing.happened")]
pub struct Unversioned {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.thing.happened.v")]
pub struct VersionWithoutNumber {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.thing.happened.V1")]
pub struct UppercaseVersion {
    pub text: String,
}

fn main() {}
