//! Events of the `learning` domain.
//!
//! One struct per signal of `openedx_events.learning.signals`, named after the Python constant,
//! with the signal's data as fields in the same order.

use super::data::*;
use eventbus_runtime::prelude::*;

/// Sent when a user finishes registering an account.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.student.registration.completed.v1",
    key_field = "user.pii.username"
)]
pub struct StudentRegistrationCompleted {
    /// The newly registered user.
    pub user: UserData,
}

/// Sent when a user logs in.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.auth.session.login.completed.v1",
    key_field = "user.pii.username"
)]
pub struct SessionLoginCompleted {
    /// The user who logged in.
    pub user: UserData,
}

/// Sent when a user enrolls in a course.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.course.enrollment.created.v1",
    key_field = "enrollment.course.course_key"
)]
pub struct CourseEnrollmentCreated {
    /// The new enrollment.
    pub enrollment: CourseEnrollmentData,
}

/// Sent when a user's enrollment in a course changes (for example its mode or active state).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.course.enrollment.changed.v1",
    key_field = "enrollment.course.course_key"
)]
pub struct CourseEnrollmentChanged {
    /// The enrollment after the change.
    pub enrollment: CourseEnrollmentData,
}

/// Sent when a user unenrolls from a course.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.course.unenrollment.completed.v1",
    key_field = "enrollment.course.course_key"
)]
pub struct CourseUnenrollmentCompleted {
    /// The enrollment that was ended.
    pub enrollment: CourseEnrollmentData,
}

/// Sent when a course certificate is created for a learner.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.certificate.created.v1",
    key_field = "certificate.course.course_key"
)]
pub struct CertificateCreated {
    /// The new certificate.
    pub certificate: CertificateData,
}

/// Sent by Credentials when a learner is awarded a program certificate.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.program.certificate.awarded.v1",
    key_field = "program_certificate.program.uuid"
)]
pub struct ProgramCertificateAwarded {
    /// The awarded program certificate.
    pub program_certificate: ProgramCertificateData,
}

/// Sent when a learner's course certificate changes.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.certificate.changed.v1")]
pub struct CertificateChanged {
    /// The certificate after the change.
    pub certificate: CertificateData,
}

/// Sent when a learner's course certificate is revoked.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.certificate.revoked.v1",
    key_field = "certificate.course.course_key"
)]
pub struct CertificateRevoked {
    /// The revoked certificate.
    pub certificate: CertificateData,
}

/// Sent by Credentials when a learner's program certificate is revoked.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.program.certificate.revoked.v1",
    key_field = "program_certificate.program.uuid"
)]
pub struct ProgramCertificateRevoked {
    /// The revoked program certificate.
    pub program_certificate: ProgramCertificateData,
}

/// Sent when a user is added to a cohort or moved to another one.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.cohort_membership.changed.v1")]
pub struct CohortMembershipChanged {
    /// The user's new cohort membership.
    pub cohort: CohortData,
}

/// Sent when the discussion configuration of a course changes.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.discussions.configuration.changed.v1")]
pub struct CourseDiscussionsChanged {
    /// The course's new discussion configuration.
    pub configuration: CourseDiscussionConfigurationData,
}

/// Sent when a learner's stored overall grade in a course changes.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.course.persistent_grade_summary.changed.v1")]
pub struct PersistentGradeSummaryChanged {
    /// The learner's new course grade.
    pub grade: PersistentCourseGradeData,
}

/// Sent when a learner gives feedback on the skills tagged on an XBlock.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.xblock.skill.verified.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XblockSkillVerified {
    /// The XBlock and the skills confirmed or rejected.
    pub xblock_info: XBlockSkillVerificationData,
}

/// Sent by an app to ask that a notification be delivered to some users.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.user.notification.requested.v1")]
pub struct UserNotificationRequested {
    /// The notification and its recipients.
    pub notification_data: UserNotificationData,
}

/// Sent by edx-exams when a learner submits a special exam attempt.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.exam.attempt.submitted.v1")]
pub struct ExamAttemptSubmitted {
    /// The submitted attempt.
    pub exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a special exam attempt is rejected.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.exam.attempt.rejected.v1")]
pub struct ExamAttemptRejected {
    /// The rejected attempt.
    pub exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a special exam attempt is verified.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.exam.attempt.verified.v1")]
pub struct ExamAttemptVerified {
    /// The verified attempt.
    pub exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a learner's special exam attempt ends in an error.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.exam.attempt.errored.v1")]
pub struct ExamAttemptErrored {
    /// The attempt that errored.
    pub exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a special exam attempt is reset.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.exam.attempt.reset.v1")]
pub struct ExamAttemptReset {
    /// The attempt that was reset.
    pub exam_attempt: ExamAttemptData,
}

/// Sent when a user is granted an access role in a course.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.user.course_access_role.added.v1",
    key_field = "course_access_role_data.course_key"
)]
pub struct CourseAccessRoleAdded {
    /// The role granted.
    pub course_access_role_data: CourseAccessRoleData,
}

/// Sent when a user loses an access role in a course.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.learning.user.course_access_role.removed.v1",
    key_field = "course_access_role_data.course_key"
)]
pub struct CourseAccessRoleRemoved {
    /// The role removed.
    pub course_access_role_data: CourseAccessRoleData,
}

/// Sent when a new thread is started in a course discussion.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.forum.thread.created.v1")]
pub struct ForumThreadCreated {
    /// The new thread.
    pub thread: DiscussionThreadData,
}

/// Sent when someone responds to a discussion thread.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.forum.thread.response.created.v1")]
pub struct ForumThreadResponseCreated {
    /// The new response.
    pub thread: DiscussionThreadData,
}

/// Sent when someone comments on a response in a discussion thread.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.forum.thread.response.comment.created.v1")]
pub struct ForumResponseCommentCreated {
    /// The new comment.
    pub thread: DiscussionThreadData,
}

/// Sent to ask that a notification be delivered to (part of) a course's audience.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.course.notification.requested.v1")]
pub struct CourseNotificationRequested {
    /// The notification and how to select its audience.
    pub course_notification_data: CourseNotificationData,
}

/// Sent by edx-ora2 when a learner submits an open response assessment.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.ora.submission.created.v1")]
pub struct OraSubmissionCreated {
    /// The new submission.
    pub submission: ORASubmissionData,
}

/// Sent when a learner's course grade is updated, telling whether it is now passing.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.course.passing.status.updated.v1")]
pub struct CoursePassingStatusUpdated {
    /// The learner's passing status in the course.
    pub course_passing_status: CoursePassingStatusData,
}

/// Sent when a learner's grade in a CCX course is updated, telling whether it is now passing.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.ccx.course.passing.status.updated.v1")]
pub struct CcxCoursePassingStatusUpdated {
    /// The learner's passing status in the CCX course.
    pub course_passing_status: CcxCoursePassingStatusData,
}

/// Sent by Credentials when a learner is awarded a badge.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.badge.awarded.v1")]
pub struct BadgeAwarded {
    /// The awarded badge.
    pub badge: BadgeData,
}

/// Sent by Credentials when a learner's badge is revoked.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.badge.revoked.v1")]
pub struct BadgeRevoked {
    /// The revoked badge.
    pub badge: BadgeData,
}

/// Sent when an identity verification attempt is created.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.idv_attempt.created.v1")]
pub struct IdvAttemptCreated {
    /// The new attempt.
    pub idv_attempt: VerificationAttemptData,
}

/// Sent when an identity verification attempt becomes pending review.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.idv_attempt.pending.v1")]
pub struct IdvAttemptPending {
    /// The pending attempt.
    pub idv_attempt: VerificationAttemptData,
}

/// Sent when an identity verification attempt is approved.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.idv_attempt.approved.v1")]
pub struct IdvAttemptApproved {
    /// The approved attempt.
    pub idv_attempt: VerificationAttemptData,
}

/// Sent when an identity verification attempt is denied.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.idv_attempt.denied.v1")]
pub struct IdvAttemptDenied {
    /// The denied attempt.
    pub idv_attempt: VerificationAttemptData,
}

/// Sent when an external grader returns a score for a learner's submission.
///
/// Python lists this event as unserializable, but its data is plain and Python does produce its
/// schema, so it travels on the bus like any other event.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.external_grader.score.submitted.v1")]
pub struct ExternalGraderScoreSubmitted {
    /// The score and the submission it is for.
    pub score: ExternalGraderScoreData,
}

/// Sent when a learner successfully opens Open edX content through an LTI launch.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.lti_provider.launch.success.v1")]
pub struct LtiProviderLaunchSuccess {
    /// The launch's user, content and LTI parameters.
    pub launch_data: LtiProviderLaunchData,
}
