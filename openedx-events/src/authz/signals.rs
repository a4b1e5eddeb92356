//! Events of the `authz` domain.

use super::data::*;
use eventbus_runtime::prelude::*;

/// Sent when a role is assigned to a subject (e.g. a user) within a scope in the Open edX
/// authorization framework.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.authz.role_assignment.created")]
pub struct RoleAssignmentCreated {
    /// The new role assignment.
    pub role_assignment: RoleAssignmentData,
}

/// Sent when a role assignment is removed in the Open edX authorization framework.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.authz.role_assignment.deleted")]
pub struct RoleAssignmentDeleted {
    /// The removed role assignment.
    pub role_assignment: RoleAssignmentData,
}
