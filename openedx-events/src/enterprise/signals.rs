//! Events of the `enterprise` domain.

use super::data::*;
use eventbus_runtime::prelude::*;

/// Sent when an enterprise subsidy is used to pay for content. Not currently sent by any Open edX
/// service.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy.redeemed.v1")]
pub struct SubsidyRedeemed {
    /// The redemption.
    pub redemption: SubsidyRedemption,
}

/// Sent when a redemption of an enterprise subsidy is reversed (no Open edX service sends it yet).
/// Its event type, the schema's namespace, holds a `-`, which Avro names do not allow: fastavro
/// encodes it, but a schema registry that checks names (Apicurio) refuses the schema (error
/// 42201), so it cannot be produced to Kafka there, from Python either.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy.redemption-reversed.v1")]
pub struct SubsidyRedemptionReversed {
    /// The reversed redemption.
    pub redemption: SubsidyRedemption,
}

/// Sent by enterprise-subsidy when a transaction is created in a subsidy ledger.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy_ledger_transaction.created.v1")]
pub struct LedgerTransactionCreated {
    /// The new transaction.
    pub ledger_transaction: LedgerTransaction,
}

/// Sent by enterprise-subsidy when a subsidy ledger transaction is committed.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy_ledger_transaction.committed.v1")]
pub struct LedgerTransactionCommitted {
    /// The committed transaction.
    pub ledger_transaction: LedgerTransaction,
}

/// Sent by enterprise-subsidy when a subsidy ledger transaction fails.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy_ledger_transaction.failed.v1")]
pub struct LedgerTransactionFailed {
    /// The failed transaction.
    pub ledger_transaction: LedgerTransaction,
}

/// Sent by enterprise-subsidy when a subsidy ledger transaction is reversed.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.subsidy_ledger_transaction.reversed.v1")]
pub struct LedgerTransactionReversed {
    /// The reversed transaction, with its reversal.
    pub ledger_transaction: LedgerTransaction,
}

/// Sent when an enrollment paid for with enterprise learner credit is revoked, most often because
/// the learner unenrolled from the course.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.learner_credit_course_enrollment.revoked.v1")]
pub struct LearnerCreditCourseEnrollmentRevoked {
    /// The revoked learner-credit enrollment.
    pub learner_credit_course_enrollment: LearnerCreditEnterpriseCourseEnrollment,
}

/// Sent when an enterprise group is deleted.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.enterprise.enterprise_group.deleted.v1")]
pub struct EnterpriseGroupDeleted {
    /// The deleted group.
    pub enterprise_group: EnterpriseGroup,
}
