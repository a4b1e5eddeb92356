//! One declaration of `org.openedx.test.registry.duplicated.v1`; `tests/duplicates.rs` declares it
//! again in another crate, which the derive cannot see and the registry refuses.

use eventbus_runtime::prelude::*;

/// The first declaration of the duplicated event type.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.registry.duplicated.v1")]
pub struct ThingHappened {
    /// What happened.
    pub text: String,
}
