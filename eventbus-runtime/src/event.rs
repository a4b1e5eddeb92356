//! The trait of Open edX events, implemented by `#[derive(OpenEdxEvent)]`.

use crate::avro::{EventData, EventSchema, SchemaNames};
use crate::registry::EventDescriptor;
use crate::signal::Signal;

/// An Open edX event: a struct whose fields are the data the event carries, with an event type, a
/// minor version, an optional default key field and a [`Signal`] to send it in-process.
///
/// Implemented by `#[derive(OpenEdxEvent)]`, which also implements [`EventData`] (the event's Avro
/// schema and encoding) unless the event is declared `in_process_only`.
pub trait OpenEdxEvent: Sized + Send + Sync + 'static {
    /// The event type, e.g. `org.openedx.content_authoring.xblock.published.v1`.
    const EVENT_TYPE: &'static str;
    /// The minor version of the event type (schema changes that keep compatibility).
    const MINOR_VERSION: u32;
    /// The dotted path of the field that keys the event on the bus by default.
    const DEFAULT_KEY_FIELD: Option<&'static str>;

    /// The in-process signal of this event type.
    fn signal() -> &'static Signal<Self>;

    /// This event type's entry in the [registry](crate::registry).
    fn descriptor() -> &'static EventDescriptor;

    /// The event's Avro schema, built once, identical to what openedx-events generates.
    fn schema() -> &'static EventSchema
    where
        Self: EventData,
    {
        cached_schema(Self::descriptor(), Self::avro_schema)
    }
}

/// The schema of `descriptor`'s event type, built by `build` on first use (not generic: one
/// function for every event type).
fn cached_schema(
    descriptor: &'static EventDescriptor,
    build: fn(&mut SchemaNames) -> serde_json::Value,
) -> &'static EventSchema {
    descriptor
        .schema_cell()
        .get_or_init(|| EventSchema::new(build(&mut SchemaNames::default())))
}
