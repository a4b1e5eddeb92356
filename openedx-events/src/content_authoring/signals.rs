//! Events of the `content_authoring` domain.

use super::data::*;
use eventbus_runtime::prelude::*;

/// Sent when a course is changed in Studio in a way that matters to catalog consumers
/// (name, dates, pacing, visibility...).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.course.catalog_info.changed.v1",
    key_field = "catalog_info.course_key"
)]
pub struct CourseCatalogInfoChanged {
    /// The course's catalog information after the change.
    pub catalog_info: CourseCatalogData,
}

/// Sent when an XBlock is created in Studio.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.created.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XBlockCreated {
    /// The new block.
    pub xblock_info: XBlockData,
}

/// Sent when an XBlock is modified in Studio.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.updated.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XBlockUpdated {
    /// The modified block.
    pub xblock_info: XBlockData,
}

/// Sent when an XBlock is published. Publishing a parent whose children changed sends one event,
/// for the parent only (e.g. a section, not each of its changed units).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.published.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XBlockPublished {
    /// The published block (the topmost one that was published).
    pub xblock_info: XBlockData,
}

/// Sent when an XBlock is deleted in Studio.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.deleted.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XBlockDeleted {
    /// The deleted block.
    pub xblock_info: XBlockData,
}

/// Sent when an XBlock is duplicated in Studio, making a copy of an existing block.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.duplicated.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XBlockDuplicated {
    /// The new copy and the block it was copied from.
    pub xblock_info: DuplicatedXBlockData,
}

/// Sent when a course's certificate configuration is changed in Studio. In-process only: its
/// signature images cannot travel on the event bus. Not currently sent by any Open edX service.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.course.certificate_config.changed.v1",
    in_process_only
)]
pub struct CourseCertificateConfigChanged {
    /// The certificate configuration after the change.
    pub certificate_config: CertificateConfigData,
}

/// Sent when a course's certificate configuration is deleted in Studio. In-process only: its
/// signature images cannot travel on the event bus. Not currently sent by any Open edX service.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.course.certificate_config.deleted.v1",
    in_process_only
)]
pub struct CourseCertificateConfigDeleted {
    /// The certificate configuration that was deleted.
    pub certificate_config: CertificateConfigData,
}

/// Sent when a new course is created in Studio.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.course.created.v1")]
pub struct CourseCreated {
    /// The new course.
    pub course: CourseData,
}

/// Sent when a new content library is created.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.created.v1")]
pub struct ContentLibraryCreated {
    /// The new library.
    pub content_library: ContentLibraryData,
}

/// Sent when a content library itself is changed (e.g. renamed). Changes to the items inside it
/// do not send this; they have their own `LIBRARY_*` events.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.updated.v1")]
pub struct ContentLibraryUpdated {
    /// The changed library.
    pub content_library: ContentLibraryData,
}

/// Sent when a content library is deleted.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.deleted.v1")]
pub struct ContentLibraryDeleted {
    /// The deleted library.
    pub content_library: ContentLibraryData,
}

/// Sent when a block is added to a content library.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.library_block.created.v1")]
pub struct LibraryBlockCreated {
    /// The new library block.
    pub library_block: LibraryBlockData,
}

/// Sent when the draft of a library block is modified.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.library_block.updated.v1")]
pub struct LibraryBlockUpdated {
    /// The modified library block.
    pub library_block: LibraryBlockData,
}

/// Sent when the draft of a library block is deleted.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.library_block.deleted.v1")]
pub struct LibraryBlockDeleted {
    /// The deleted library block.
    pub library_block: LibraryBlockData,
}

/// Sent when a library block is published, including when the publication is that of its deletion.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.library_block.published.v1")]
pub struct LibraryBlockPublished {
    /// The published library block.
    pub library_block: LibraryBlockData,
}

/// Sent when what a piece of content is associated with (its tags, its collections...) changes.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.content.object.associations.changed.v1"
)]
pub struct ContentObjectAssociationsChanged {
    /// The content and which of its associations changed.
    pub content_object: ContentObjectChangedData,
}

/// Sent when the tags of a piece of content change. Deprecated in favour of
/// [`ContentObjectAssociationsChanged`].
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content.object.tags.changed.v1")]
pub struct ContentObjectTagsChanged {
    /// The content whose tags changed.
    pub content_object: ContentObjectData,
}

/// Sent when a collection is created in a content library.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.collection.created.v1")]
pub struct LibraryCollectionCreated {
    /// The new collection.
    pub library_collection: LibraryCollectionData,
}

/// Sent when a collection of a content library is modified.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.collection.updated.v1")]
pub struct LibraryCollectionUpdated {
    /// The modified collection.
    pub library_collection: LibraryCollectionData,
}

/// Sent when a collection is removed from a content library.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.collection.deleted.v1")]
pub struct LibraryCollectionDeleted {
    /// The deleted collection.
    pub library_collection: LibraryCollectionData,
}

/// Sent when a container (unit, section...) is created in a content library.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.container.created.v1")]
pub struct LibraryContainerCreated {
    /// The new container.
    pub library_container: LibraryContainerData,
}

/// Sent when a container of a content library is modified.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.container.updated.v1")]
pub struct LibraryContainerUpdated {
    /// The modified container.
    pub library_container: LibraryContainerData,
}

/// Sent when a container is removed from a content library.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.content_library.container.deleted.v1")]
pub struct LibraryContainerDeleted {
    /// The deleted container.
    pub library_container: LibraryContainerData,
}

/// Sent when a library container is published, including when the publication is that of its
/// deletion.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.content_library.container.published.v1"
)]
pub struct LibraryContainerPublished {
    /// The published container.
    pub library_container: LibraryContainerData,
}

/// Sent once a course import into Studio has finished.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.course.import.completed.v1")]
pub struct CourseImportCompleted {
    /// The course that was imported into.
    pub course: CourseData,
}

/// Sent once a course re-run (a new run copied from an existing course) has finished.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.course.rerun.completed.v1")]
pub struct CourseRerunCompleted {
    /// The new course run.
    pub course: CourseData,
}
