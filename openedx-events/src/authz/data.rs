//! Data types of the `authz` events.

use eventbus_runtime::prelude::*;

/// A role given to (or taken from) a subject within a scope, such as a user's role in a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct RoleAssignmentData {
    /// What was done to the assignment, such as `created` or `deleted`.
    pub operation: String,
    /// Who holds the role, such as `user^john_doe`.
    pub subject: String,
    /// The role, such as `course_admin`.
    pub role: String,
    /// Where the role applies, such as a course key.
    pub scope: String,
    /// Database id of the user who made the change, if known.
    pub actor_id: Option<i64>,
}
