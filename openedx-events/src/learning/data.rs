//! Data types of the `learning` events.
//!
//! Each struct mirrors an attrs class of `openedx_events.learning.data` (same name, same fields in
//! the same order); attrs inheritance is flattened, parent fields first.

use eventbus_runtime::prelude::*;
use std::collections::BTreeMap;

/// The parts of a user account that are not personal information.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserNonPersonalData {
    /// Primary key of the user account.
    pub id: i64,
    /// Whether the account is active.
    pub is_active: bool,
}

/// The personal information (PII) of a user account.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserPersonalData {
    /// The user's username.
    pub username: String,
    /// The user's email address.
    pub email: String,
    /// The user's full name from their profile (empty when unknown).
    pub name: String,
}

/// A user account: the non-personal data plus the user's personal information.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserData {
    /// Primary key of the user account.
    pub id: i64,
    /// Whether the account is active.
    pub is_active: bool,
    /// The user's personal information.
    pub pii: UserPersonalData,
}

/// Summary of a course, as kept in the course overview.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseData {
    /// The course's key.
    pub course_key: CourseKey,
    /// The course's display name (empty when unknown).
    pub display_name: String,
    /// When the course starts, if set.
    pub start: Option<EventDateTime>,
    /// When the course ends, if set.
    pub end: Option<EventDateTime>,
}

/// A Custom Course for edX (CCX) derived from a master course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CcxCourseData {
    /// The CCX's own key.
    pub ccx_course_key: CcxLocator,
    /// Key of the course the CCX is derived from.
    pub master_course_key: CourseKey,
    /// The CCX's display name (empty when unknown).
    pub display_name: String,
    /// Email address of the CCX's coach (empty when unknown).
    pub coach_email: String,
    /// When the CCX starts, as text, if set.
    pub start: Option<String>,
    /// When the CCX ends, as text, if set.
    pub end: Option<String>,
    /// How many learners may enroll, if limited.
    pub max_students_allowed: Option<i64>,
}

/// A learner's enrollment in a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseEnrollmentData {
    /// The enrolled user.
    pub user: UserData,
    /// The course enrolled in.
    pub course: CourseData,
    /// The enrollment's course mode (for example `audit` or `verified`).
    pub mode: String,
    /// Whether the enrollment is active.
    pub is_active: bool,
    /// When the enrollment was created.
    pub creation_date: EventDateTime,
    /// Who created the enrollment, when known.
    pub created_by: Option<UserData>,
}

/// A course certificate generated for a learner.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CertificateData {
    /// The learner holding the certificate.
    pub user: UserData,
    /// The course the certificate is for.
    pub course: CourseData,
    /// The course mode of the learner's enrollment.
    pub mode: String,
    /// The learner's grade in the course run.
    pub grade: String,
    /// Where the certificate can be downloaded.
    pub download_url: String,
    /// The name printed on the certificate.
    pub name: String,
    /// The certificate's status now.
    pub current_status: String,
    /// The certificate's status before the change (empty when unknown).
    pub previous_status: String,
}

/// A user's membership in a course cohort.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CohortData {
    /// The member of the cohort.
    pub user: UserData,
    /// The course the cohort belongs to.
    pub course: CourseData,
    /// The cohort's name.
    pub name: String,
}

/// A discussion topic and the piece of course content it is attached to.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct DiscussionTopicContext {
    /// Title of the topic (cached from the course structure).
    pub title: String,
    /// The unit the topic is attached to, if any.
    pub usage_key: Option<UsageKey>,
    /// Group the context is for, for providers that emulate cohorts this way.
    pub group_id: Option<i64>,
    /// The commentable id used by the forum service, if any.
    pub external_id: Option<String>,
    /// Position of the topic among the course's topics, if known.
    pub ordering: Option<i64>,
    /// Extra information on where the topic is used (section, subsection, ...).
    pub context: BTreeMap<String, String>,
}

/// How discussions are configured for a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseDiscussionConfigurationData {
    /// The course the configuration belongs to.
    pub course_key: CourseKey,
    /// The discussion provider in use.
    pub provider_type: String,
    /// Whether discussions are enabled.
    pub enabled: bool,
    /// Whether in-context discussions are enabled (only meaningful when `enabled`).
    pub enable_in_context: bool,
    /// Whether graded units get discussion topics too.
    pub enable_graded_units: bool,
    /// Whether discussions are visible at the unit level.
    pub unit_level_visibility: bool,
    /// Provider-specific plugin settings.
    pub plugin_configuration: BTreeMap<String, bool>,
    /// The contexts in which discussions are enabled.
    pub contexts: Vec<DiscussionTopicContext>,
}

/// A learner's stored overall grade in a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct PersistentCourseGradeData {
    /// The learner's user id.
    pub user_id: i64,
    /// The graded course.
    pub course: CourseData,
    /// When the course was last edited.
    pub course_edited_timestamp: EventDateTime,
    /// Version of the course the grade was computed on.
    pub course_version: String,
    /// Hash of the grading policy used.
    pub grading_policy_hash: String,
    /// The grade as a fraction.
    pub percent_grade: f64,
    /// The letter grade.
    pub letter_grade: String,
    /// When the learner passed the course.
    pub passed_timestamp: EventDateTime,
}

/// A learner's feedback on which skills tagged on an XBlock are right.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct XBlockSkillVerificationData {
    /// The XBlock the skills are tagged on.
    pub usage_key: UsageKey,
    /// Ids of the skills confirmed as relevant.
    pub verified_skills: Vec<i64>,
    /// Ids of the skills marked as not relevant.
    pub ignored_skills: Vec<i64>,
}

/// A notification to deliver to a set of users.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserNotificationData {
    /// Ids of the users to notify.
    pub user_ids: Vec<i64>,
    /// The kind of notification.
    pub notification_type: String,
    /// URL of the content the notification is about.
    pub content_url: String,
    /// The app sending the notification.
    pub app_name: String,
    /// The course the notification relates to.
    pub course_key: CourseKey,
    /// Extra information used to render the notification.
    pub context: BTreeMap<String, String>,
}

/// A program from the course catalog (Course Discovery).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ProgramData {
    /// The program's UUID in Course Discovery.
    pub uuid: String,
    /// The program's title.
    pub title: String,
    /// The program's type slug (for example `professional` or `micromasters`).
    pub program_type: String,
}

/// A program certificate (credential) held by a learner.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ProgramCertificateData {
    /// The learner holding the certificate.
    pub user: UserData,
    /// The program the certificate is for.
    pub program: ProgramData,
    /// UUID of the credential record in Credentials.
    pub uuid: String,
    /// Status of the credential (for example `awarded` or `revoked`).
    pub status: String,
    /// URL of the learner's credential.
    pub url: String,
    /// From when the learner may see the credential, if restricted.
    pub certificate_available_date: Option<EventDateTime>,
}

/// An attempt at a special (timed or proctored) exam, as reported by edx-exams.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ExamAttemptData {
    /// The learner the attempt belongs to.
    pub student_user: UserData,
    /// The course containing the exam.
    pub course_key: CourseKey,
    /// The exam's content location.
    pub usage_key: UsageKey,
    /// The kind of exam (for example `timed` or `proctored`).
    pub exam_type: String,
    /// The user who caused the change (possibly staff), when known.
    pub requesting_user: Option<UserData>,
}

/// A user's access role in a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseAccessRoleData {
    /// The user holding the role.
    pub user: UserData,
    /// The organization the role applies to.
    pub org_key: String,
    /// The course the role applies to.
    pub course_key: CourseKey,
    /// The role's name.
    pub role: String,
}

/// A forum post (thread, response or comment).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct DiscussionThreadData {
    /// The post's body.
    pub body: String,
    /// Id of the commentable the post belongs to.
    pub commentable_id: String,
    /// The post's id.
    pub id: String,
    /// Whether the body was truncated.
    pub truncated: bool,
    /// URL of the post.
    pub url: String,
    /// The author of the post.
    pub user: UserData,
    /// The course of the discussion.
    pub course_id: CourseKey,
    /// The thread's type (for example `discussion` or `question`), if known.
    pub thread_type: Option<String>,
    /// Whether the post is anonymous, if known.
    pub anonymous: Option<bool>,
    /// Whether the post is anonymous to other learners, if known.
    pub anonymous_to_peers: Option<bool>,
    /// The thread's title, if any.
    pub title: Option<String>,
    /// Whether the title was truncated, if known.
    pub title_truncated: Option<bool>,
    /// The group the post is restricted to, if any.
    pub group_id: Option<i64>,
    /// The team the post belongs to, if any.
    pub team_id: Option<i64>,
    /// The discussion category id, if any.
    pub category_id: Option<i64>,
    /// The discussion category name, if any.
    pub category_name: Option<String>,
    /// The parent discussion, for responses and comments.
    pub discussion: Option<BTreeMap<String, String>>,
    /// The author's course roles.
    pub user_course_roles: Vec<String>,
    /// The author's forum roles.
    pub user_forums_roles: Vec<String>,
    /// Options of the thread.
    pub options: BTreeMap<String, bool>,
}

/// A notification to deliver to (a filtered part of) a course's audience.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseNotificationData {
    /// The course whose audience is notified.
    pub course_key: CourseKey,
    /// The app requesting the notification.
    pub app_name: String,
    /// The kind of notification.
    pub notification_type: String,
    /// URL the notification leads to.
    pub content_url: String,
    /// Values used to render the notification's content.
    pub content_context: BTreeMap<String, String>,
    /// Filters selecting the audience (enrollment modes, roles, cohorts, ...).
    pub audience_filters: BTreeMap<String, Vec<String>>,
}

/// What a learner submitted for an open response assessment (ORA).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ORASubmissionAnswer {
    /// The text parts of the response.
    pub parts: Vec<BTreeMap<String, String>>,
    /// Storage keys of the uploaded files.
    pub file_keys: Vec<String>,
    /// Descriptions of the uploaded files.
    pub file_descriptions: Vec<String>,
    /// Names of the uploaded files.
    pub file_names: Vec<String>,
    /// Sizes of the uploaded files.
    pub file_sizes: Vec<i64>,
    /// URLs of the uploaded files.
    pub file_urls: Vec<String>,
}

/// A learner's submission to an open response assessment (ORA).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ORASubmissionData {
    /// The submission's UUID.
    pub uuid: String,
    /// The submitter's anonymous user id.
    pub anonymous_user_id: String,
    /// Location of the ORA block.
    pub location: String,
    /// Which attempt this is.
    pub attempt_number: i64,
    /// When the submission was created.
    pub created_at: EventDateTime,
    /// When the submission was submitted.
    pub submitted_at: EventDateTime,
    /// The submitted answer.
    pub answer: ORASubmissionAnswer,
}

/// Whether a learner's current grade is enough to pass a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CoursePassingStatusData {
    /// Whether the grade is a passing one.
    pub is_passing: bool,
    /// The course graded.
    pub course: CourseData,
    /// The learner whose grade changed.
    pub user: UserData,
}

/// Whether a learner's current grade is enough to pass a CCX course.
///
/// Python declares it as a subclass of [`CoursePassingStatusData`] that redefines `course`; attrs
/// then moves `course` after the inherited fields, hence this field order.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CcxCoursePassingStatusData {
    /// Whether the grade is a passing one.
    pub is_passing: bool,
    /// The learner whose grade changed.
    pub user: UserData,
    /// The CCX course graded.
    pub course: CcxCourseData,
}

/// A badge template defined in Credentials.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct BadgeTemplateData {
    /// The template's UUID.
    pub uuid: String,
    /// Where the template comes from (the kind of badge template).
    pub origin: String,
    /// The badge's name, if set.
    pub name: Option<String>,
    /// The badge's description, if set.
    pub description: Option<String>,
    /// URL of the badge's image, if set.
    pub image_url: Option<String>,
}

/// A badge held by a learner.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct BadgeData {
    /// The badge's UUID.
    pub uuid: String,
    /// The learner holding the badge.
    pub user: UserData,
    /// The template the badge is made from.
    pub template: BadgeTemplateData,
}

/// An identity verification (IDV) attempt.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct VerificationAttemptData {
    /// The attempt's id.
    pub attempt_id: i64,
    /// The user being verified.
    pub user: UserData,
    /// The attempt's status.
    pub status: String,
    /// The name being verified, if known.
    pub name: Option<String>,
    /// When the verification expires, if set.
    pub expiration_date: Option<EventDateTime>,
}

/// A score that an external grader (XQueue) gave to a submission.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ExternalGraderScoreData {
    /// The maximum score for the problem.
    pub points_possible: i64,
    /// The score the learner earned.
    pub points_earned: i64,
    /// The course's id.
    pub course_id: String,
    /// Feedback message about the score.
    pub score_msg: String,
    /// Id of the graded submission.
    pub submission_id: i64,
    /// Id of the learner who submitted.
    pub user_id: String,
    /// Id of the graded problem.
    pub module_id: String,
    /// Key of the submission in the grading queue.
    pub queue_key: String,
    /// Name of the queue that graded the submission.
    pub queue_name: String,
}

/// The LTI parameters of a launch into Open edX content.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LtiProviderLaunchParamsData {
    /// The user's LTI roles, comma-separated.
    pub roles: String,
    /// Id of the LTI launch context.
    pub context_id: String,
    /// The user's id in the LTI consumer.
    pub user_id: String,
    /// Any other launch parameters.
    pub extra_params: BTreeMap<String, String>,
}

/// A successful launch of Open edX content through LTI.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LtiProviderLaunchData {
    /// The Open edX user who launched the content.
    pub user: UserData,
    /// The course holding the content.
    pub course_key: CourseKey,
    /// The launched content.
    pub usage_key: UsageKey,
    /// The LTI parameters of the launch.
    pub launch_params: LtiProviderLaunchParamsData,
}
