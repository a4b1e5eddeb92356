//! Data types of the `enterprise` events.

use eventbus_runtime::prelude::*;

/// A use of an enterprise subsidy by a learner for some content.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct SubsidyRedemption {
    /// Identifier of the subsidy that was used.
    pub subsidy_identifier: String,
    /// Identifier of the content the subsidy paid for.
    pub content_key: String,
    /// LMS user id of the learner who benefited.
    pub lms_user_id: i64,
}

/// The fields common to the records of the enterprise subsidy ledger (openedx-ledger).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct BaseLedgerTransaction {
    /// Primary identifier of the record.
    pub uuid: Uuid,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Value chosen by the client so that repeating the operation has no further effect.
    pub idempotency_key: String,
    /// Amount of value moved, in units such as USD cents.
    pub quantity: i64,
    /// Lifecycle state: `created`, `pending`, `committed` or `failed`.
    pub state: String,
}

/// A ledger reversal: the undoing of a ledger transaction, e.g. after an unenrollment or a refund
/// (the fields of [`BaseLedgerTransaction`]).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LedgerTransactionReversal {
    /// Primary identifier of the record.
    pub uuid: Uuid,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Value chosen by the client so that repeating the operation has no further effect.
    pub idempotency_key: String,
    /// Amount of value the reversal gives back, in units such as USD cents.
    pub quantity: i64,
    /// Lifecycle state: `created`, `pending`, `committed` or `failed`.
    pub state: String,
}

/// A ledger transaction: value moving into or out of a subsidy ledger, typically for a subsidized
/// enrollment (the fields of [`BaseLedgerTransaction`] plus its own).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LedgerTransaction {
    /// Primary identifier of the record.
    pub uuid: Uuid,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Value chosen by the client so that repeating the operation has no further effect.
    pub idempotency_key: String,
    /// Amount of value moved, in units such as USD cents.
    pub quantity: i64,
    /// Lifecycle state: `created`, `pending`, `committed` or `failed`.
    pub state: String,
    /// Identifier of the ledger the transaction belongs to.
    pub ledger_uuid: Uuid,
    /// Identifier of the subsidy access policy under which the transaction was made.
    pub subsidy_access_policy_uuid: Uuid,
    /// LMS user id of the learner the transaction is for.
    pub lms_user_id: i64,
    /// Key of the course run the transaction pays for.
    pub content_key: CourseKey,
    /// Key of the course (not the run) of `content_key`, if known.
    pub parent_content_key: Option<String>,
    /// Identifier of the learner's subsidized enrollment record, created at enrollment, if any.
    pub fulfillment_identifier: Option<String>,
    /// The reversal of this transaction, if it was reversed.
    pub reversal: Option<LedgerTransactionReversal>,
}

/// A learner linked to an enterprise customer (edx-enterprise's `EnterpriseCustomerUser`).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct EnterpriseCustomerUser {
    /// Primary identifier of the record.
    pub id: i64,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Identifier of the enterprise customer the learner is linked to.
    pub enterprise_customer_uuid: Uuid,
    /// LMS user id of the learner.
    pub user_id: i64,
    /// Whether this is the learner's active enterprise.
    pub active: bool,
    /// Whether the learner is currently linked to the enterprise customer.
    pub linked: bool,
    /// Whether the learner may be linked to the enterprise again after unlinking.
    pub is_relinkable: bool,
    /// Whether saving this record as active deactivates the learner's other enterprise links.
    pub should_inactivate_other_customers: bool,
    /// Invitation key the learner was linked with, if any.
    pub invite_key: Option<Uuid>,
}

/// An enterprise learner's enrollment in a course (edx-enterprise's `EnterpriseCourseEnrollment`).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct EnterpriseCourseEnrollment {
    /// Primary identifier of the record.
    pub id: i64,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// The enterprise learner who is enrolled.
    pub enterprise_customer_user: EnterpriseCustomerUser,
    /// Key of the course the learner is enrolled in.
    pub course_id: CourseKey,
    /// Whether the learner saved the course for later in the learner portal.
    pub saved_for_later: bool,
    /// Where the enrollment came from, such as `enrollment_task` or `management_command`, if known.
    pub source_slug: Option<String>,
    /// Whether the matching LMS enrollment was unenrolled, if known.
    pub unenrolled: Option<bool>,
    /// When the matching LMS enrollment was unenrolled, if it was.
    pub unenrolled_at: Option<EventDateTime>,
}

/// The fields common to the ways an enterprise subsidy fulfills an enrollment (edx-enterprise's
/// `EnterpriseFulfillmentSource`).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct BaseEnterpriseFulfillment {
    /// Primary identifier of the record.
    pub uuid: Uuid,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Kind of subsidy, such as `license`, `learner_credit` or `coupon_code`.
    pub fulfillment_type: String,
    /// Whether the subsidy was revoked (e.g. the learner's license was revoked).
    pub is_revoked: bool,
    /// Identifier of the course entitlement the subsidy is for, if any.
    pub enterprise_course_entitlement_uuid: Option<Uuid>,
    /// The course enrollment the subsidy is for, if any.
    pub enterprise_course_enrollment: Option<EnterpriseCourseEnrollment>,
}

/// An enrollment paid for with enterprise learner credit (the fields of
/// [`BaseEnterpriseFulfillment`] plus the ledger transaction).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LearnerCreditEnterpriseCourseEnrollment {
    /// Primary identifier of the record.
    pub uuid: Uuid,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Kind of subsidy, such as `license`, `learner_credit` or `coupon_code`.
    pub fulfillment_type: String,
    /// Whether the subsidy was revoked (e.g. the learner unenrolled).
    pub is_revoked: bool,
    /// Identifier of the course entitlement the subsidy is for, if any.
    pub enterprise_course_entitlement_uuid: Option<Uuid>,
    /// The course enrollment the subsidy is for, if any.
    pub enterprise_course_enrollment: Option<EnterpriseCourseEnrollment>,
    /// Identifier of the ledger transaction that paid for the enrollment, if any.
    pub transaction_id: Option<Uuid>,
}

/// An enrollment granted through an enterprise subscription license (the fields of
/// [`BaseEnterpriseFulfillment`] plus the license).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LicensedEnterpriseCourseEnrollment {
    /// Primary identifier of the record.
    pub uuid: Uuid,
    /// When the record was created.
    pub created: EventDateTime,
    /// When the record was last modified.
    pub modified: EventDateTime,
    /// Kind of subsidy, such as `license`, `learner_credit` or `coupon_code`.
    pub fulfillment_type: String,
    /// Whether the subsidy was revoked (e.g. the learner's license was revoked).
    pub is_revoked: bool,
    /// Identifier of the course entitlement the subsidy is for, if any.
    pub enterprise_course_entitlement_uuid: Option<Uuid>,
    /// The course enrollment the subsidy is for, if any.
    pub enterprise_course_enrollment: Option<EnterpriseCourseEnrollment>,
    /// Identifier of the license that grants the enrollment, if any.
    pub license_uuid: Option<Uuid>,
}

/// A group of learners within an enterprise customer (edx-enterprise's `EnterpriseGroup`).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct EnterpriseGroup {
    /// Primary identifier of the group.
    pub uuid: Uuid,
}
