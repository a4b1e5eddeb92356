//! The Open edX event catalog: every event that `openedx-events` 11.2.0 defines, as Rust types.
//!
//! Organised by domain as the Python package is. Each event is a struct deriving
//! [`OpenEdxEvent`](eventbus_runtime::OpenEdxEvent) whose fields are the signal's data, in the
//! same order and with the same types, so that its Avro schema is identical to the one Python
//! generates. Data types are structs deriving [`EventData`](eventbus_runtime::EventData); attrs
//! inheritance is flattened (parent fields first); an attribute whose default is `None` is an
//! `Option`.
//!
//! Linking this crate registers every event type in [`eventbus_runtime::registry`]; call
//! [`link`] from a binary that only uses the registry, so the linker keeps the catalog.
//!
//! Two events travel in-process only: the certificate configuration events carry a signature
//! image (`BinaryIO` in Python), which Python cannot serialize and no Python consumer could read.
//! `org.openedx.learning.external_grader.score.submitted.v1` is listed by Python as unserializable
//! too, but its data is plain and Python does generate its schema and encode it, so here it travels
//! on the bus like any other event, with that schema.

pub mod analytics;
pub mod authz;
pub mod content_authoring;
pub mod enterprise;
pub mod learning;
mod python_signals;

pub use python_signals::{event_type_of_signal, python_signal, PYTHON_SIGNALS};

/// Make sure the catalog is linked into the program, so that its events are in the registry.
///
/// Events register themselves in a link-time table; a binary that never names a type of this crate
/// could let the linker drop the crate. Naming one event per domain keeps every domain's table
/// entries in the program.
pub fn link() {
    use eventbus_runtime::OpenEdxEvent;
    std::hint::black_box([
        <analytics::TrackingEventEmitted as OpenEdxEvent>::EVENT_TYPE,
        <authz::RoleAssignmentCreated as OpenEdxEvent>::EVENT_TYPE,
        <content_authoring::CourseCatalogInfoChanged as OpenEdxEvent>::EVENT_TYPE,
        <enterprise::SubsidyRedeemed as OpenEdxEvent>::EVENT_TYPE,
        <learning::StudentRegistrationCompleted as OpenEdxEvent>::EVENT_TYPE,
    ]);
}
