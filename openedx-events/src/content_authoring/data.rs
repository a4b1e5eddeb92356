//! Data types of the `content_authoring` events.

use eventbus_runtime::prelude::*;

/// Identifies a course that was created, imported or re-run in Studio.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseData {
    /// Key of the course.
    pub course_key: CourseKey,
}

/// When a course runs and how it is paced.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseScheduleData {
    /// When the course starts.
    pub start: EventDateTime,
    /// How the course is paced: `instructor` or `self`.
    pub pacing: String,
    /// When the course ends, if it has an end date.
    pub end: Option<EventDateTime>,
    /// When enrollment opens, if set.
    pub enrollment_start: Option<EventDateTime>,
    /// When enrollment closes, if set.
    pub enrollment_end: Option<EventDateTime>,
}

/// The catalog-relevant information of a course, as seen by catalog consumers.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseCatalogData {
    /// Key of the course.
    pub course_key: CourseKey,
    /// Display name of the course.
    pub name: String,
    /// Dates and pacing of the course.
    pub schedule_data: CourseScheduleData,
    /// Whether the course is kept out of search results and listings.
    pub hidden: bool,
    /// Whether learners need an invitation to enroll.
    pub invitation_only: bool,
}

/// Identifies an XBlock (a piece of course content) in Studio.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct XBlockData {
    /// Usage key of the block.
    pub usage_key: UsageKey,
    /// Kind of block, such as `chapter`, `vertical` or `problem`.
    pub block_type: String,
    /// Usage key including branch and version information, pinning an exact version of the block, if known.
    pub version: Option<UsageKey>,
}

/// An XBlock that was made as a copy of another one (the fields of [`XBlockData`] plus the source).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct DuplicatedXBlockData {
    /// Usage key of the new block.
    pub usage_key: UsageKey,
    /// Kind of block, such as `chapter`, `vertical` or `problem`.
    pub block_type: String,
    /// Usage key including branch and version information, pinning an exact version of the block, if known.
    pub version: Option<UsageKey>,
    /// Usage key of the block that was copied.
    pub source_usage_key: UsageKey,
}

/// A person whose signature appears on a course certificate.
///
/// Not event data: the signature image cannot be put in an Avro message by openedx-events, so the
/// events carrying it are in-process only.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateSignatoryData {
    /// The bytes of the signature image (a binary file object in Python).
    pub image: Vec<u8>,
    /// Name of the signatory.
    pub name: String,
    /// Organization the signatory belongs to.
    pub organization: String,
    /// Job title of the signatory.
    pub title: String,
}

/// A course's certificate configuration, as edited in Studio.
///
/// Not event data, because its signatories carry an image (see [`CertificateSignatoryData`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateConfigData {
    /// Course mode the certificate is for, such as `verified`, `professional` or `masters`.
    pub certificate_type: String,
    /// Key of the course.
    pub course_key: CourseKey,
    /// Title shown on the certificate.
    pub title: String,
    /// The people whose signatures appear on the certificate.
    pub signatories: Vec<CertificateSignatoryData>,
    /// Whether this configuration is the active one.
    pub is_active: bool,
}

/// Identifies a (v2) content library.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ContentLibraryData {
    /// Key of the library.
    pub library_key: LibraryLocatorV2,
    /// Deprecated: asked for the library's block indexes to be refreshed; each changed item now has its own event.
    pub update_blocks: bool,
}

/// Identifies a block inside a (v2) content library.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LibraryBlockData {
    /// Key of the library holding the block.
    pub library_key: LibraryLocatorV2,
    /// Usage key of the block in the library.
    pub usage_key: LibraryUsageLocatorV2,
}

/// Identifies a piece of content (a course block or a library block) by its id.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ContentObjectData {
    /// The content's id as a string, e.g. a `block-v1:...` usage key.
    pub object_id: String,
}

/// A piece of content whose associations changed (the fields of [`ContentObjectData`] plus what changed).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct ContentObjectChangedData {
    /// The content's id as a string, e.g. a `block-v1:...` usage key.
    pub object_id: String,
    /// What changed, such as `tags` or `collections`; empty means anything may have changed.
    pub changes: Vec<String>,
}

/// Identifies a collection in a content library.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LibraryCollectionData {
    /// Key of the collection.
    pub collection_key: LibraryCollectionLocator,
    /// Deprecated: the sender did not want to wait for receivers to finish.
    pub background: bool,
}

/// Identifies a container (such as a unit or a section) in a content library.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct LibraryContainerData {
    /// Key of the container.
    pub container_key: LibraryContainerLocator,
    /// Deprecated: the sender did not want to wait for receivers to finish.
    pub background: bool,
}
