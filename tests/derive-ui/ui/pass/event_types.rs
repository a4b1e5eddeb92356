//! Event types without a version suffix (as the authz events) and with `-` in a segment.
use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct RoleAssignmentData {
    pub subject: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.authz.role_assignment.created")]
pub struct RoleAssignmentCreated {
    pub role_assignment: RoleAssignmentData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy.redemption-reversed.v1")]
pub struct RedemptionReversed {
    pub redemption: RoleAssignmentData,
}

fn main() {
    assert_eq!(RoleAssignmentCreated::EVENT_TYPE, "org.openedx.authz.role_assignment.created");
    assert_eq!(RoleAssignmentCreated::DEFAULT_KEY_FIELD, None);
    assert_eq!(RedemptionReversed::EVENT_TYPE, "org.openedx.enterprise.subsidy.redemption-reversed.v1");
}
