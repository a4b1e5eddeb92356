//! The trait of Open edX events, implemented by `#[derive(OpenEdxEvent)]`.

use crate::avro::{self, EventData, EventSchema, Example, SchemaNames};
use crate::data_error::DataError;
use crate::key::{KeyPathError, KeyValue};
use crate::metadata::EventsMetadata;
use crate::registry::{AnyEvent, AnyReceiver, BusOps, EventDescriptor};
use crate::signal::{
    AnyEnvelope, BoxFuture, Envelope, ReceiverError, ReceiverId, SendError, SendReport, Signal,
};
use serde_json::Value;
use std::any::Any;
use std::sync::{Arc, OnceLock};

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

impl<E: OpenEdxEvent + EventData> AnyEvent for E {
    fn descriptor(&self) -> &'static EventDescriptor {
        E::descriptor()
    }
    fn encode(&self) -> Vec<u8> {
        avro::encode_event(self)
    }
    fn to_json(&self) -> Value {
        EventData::to_json(self)
    }
    fn key_at(&self, path: &str) -> Result<KeyValue, KeyPathError> {
        let segments: Vec<&str> = path.split('.').collect();
        EventData::key_at(self, &segments)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An envelope is its event for a type-erased receiver: the receiver gets the envelope it shares
/// with the others (`Arc<dyn AnyEvent>`), not a copy of the event; `as_any` gives the event.
impl<E: OpenEdxEvent + EventData> AnyEvent for Envelope<E> {
    fn descriptor(&self) -> &'static EventDescriptor {
        E::descriptor()
    }
    fn encode(&self) -> Vec<u8> {
        avro::encode_event(&self.data)
    }
    fn to_json(&self) -> Value {
        EventData::to_json(&self.data)
    }
    fn key_at(&self, path: &str) -> Result<KeyValue, KeyPathError> {
        let segments: Vec<&str> = path.split('.').collect();
        EventData::key_at(&self.data, &segments)
    }
    fn as_any(&self) -> &dyn Any {
        &self.data
    }
}

/// An event type that can travel on the bus: its operations for the registry. Implemented for
/// every `Clone` event with event data; `#[derive(OpenEdxEvent)]` asks for it at the struct.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` must implement `Clone` to travel on the event bus",
    label = "add `#[derive(Clone)]` to `{Self}`",
    note = "each receiver of an event gets its own copy; an event that is only sent in-process can be declared `#[openedx_event(in_process_only)]` instead"
)]
pub trait BusEvent {
    /// The event type's operations.
    const OPS: BusOps;
}

impl<E: OpenEdxEvent + EventData + Clone> BusEvent for E {
    const OPS: BusOps = BusOps {
        decode: ops::decode::<E>,
        from_json: ops::from_json::<E>,
        example: ops::example::<E>,
        envelope: ops::envelope::<E>,
        dispatch: ops::dispatch::<E>,
        send: ops::send::<E>,
        connect: ops::connect::<E>,
        disconnect: ops::disconnect::<E>,
        schema: ops::schema::<E>,
    };
}

impl EventDescriptor {
    /// The entry of an event type that can travel on the bus, with its
    /// [`BusEvent::OPS`]. Used by `#[derive(OpenEdxEvent)]`.
    #[doc(hidden)]
    pub const fn bus<E: OpenEdxEvent>(
        description: &'static str,
        rust_type: &'static str,
        ops: BusOps,
    ) -> Self {
        EventDescriptor {
            event_type: E::EVENT_TYPE,
            minor_version: E::MINOR_VERSION,
            default_key_field: E::DEFAULT_KEY_FIELD,
            description,
            rust_type,
            bus: Some(ops),
            schema: OnceLock::new(),
        }
    }

    /// The entry of an in-process-only event type. Used by `#[derive(OpenEdxEvent)]`.
    #[doc(hidden)]
    pub const fn in_process<E: OpenEdxEvent>(
        description: &'static str,
        rust_type: &'static str,
    ) -> Self {
        EventDescriptor {
            event_type: E::EVENT_TYPE,
            minor_version: E::MINOR_VERSION,
            default_key_field: E::DEFAULT_KEY_FIELD,
            description,
            rust_type,
            bus: None,
            schema: OnceLock::new(),
        }
    }
}

mod ops {
    use super::*;

    /// The event as its concrete type, copied only if it is shared; ops are only called through
    /// the event's own descriptor.
    fn owned<E: Clone + Send + Sync + 'static>(event: Arc<dyn AnyEvent>) -> E {
        let concrete: &dyn Any = &*event;
        if concrete.is::<E>() {
            let event: Arc<dyn Any + Send + Sync> = event;
            if let Ok(event) = event.downcast::<E>() {
                return Arc::unwrap_or_clone(event);
            }
        } else if let Some(event) = event.as_any().downcast_ref::<E>() {
            // An envelope that a type-erased receiver was given: its event.
            return event.clone();
        }
        unreachable!("called with the descriptor of the event's own type")
    }

    pub fn decode<E: OpenEdxEvent + EventData>(
        bytes: &[u8],
    ) -> Result<Arc<dyn AnyEvent>, DataError> {
        avro::decode_event::<E>(bytes).map(|e| Arc::new(e) as Arc<dyn AnyEvent>)
    }
    pub fn from_json<E: OpenEdxEvent + EventData>(
        value: &Value,
    ) -> Result<Arc<dyn AnyEvent>, DataError> {
        E::from_json(value).map(|e| Arc::new(e) as Arc<dyn AnyEvent>)
    }
    pub fn example<E: OpenEdxEvent + EventData>(kind: Example) -> Arc<dyn AnyEvent> {
        Arc::new(E::example(kind))
    }
    pub fn schema<E: OpenEdxEvent + EventData>() -> &'static EventSchema {
        E::schema()
    }
    /// The envelope of a decoded event (no copy of the event: it is not shared yet).
    pub fn envelope<E: OpenEdxEvent + EventData + Clone>(
        event: Arc<dyn AnyEvent>,
        metadata: EventsMetadata,
        from_event_bus: bool,
    ) -> AnyEnvelope {
        Arc::new(crate::Envelope {
            data: owned::<E>(event),
            metadata,
            from_event_bus,
        })
    }
    pub fn dispatch<E: OpenEdxEvent + EventData + Clone>(
        envelope: AnyEnvelope,
        event_id: uuid::Uuid,
        only: Option<Vec<ReceiverId>>,
    ) -> BoxFuture<'static, Result<SendReport, SendError>> {
        E::signal().dispatch_envelope(envelope, event_id, true, only)
    }
    pub fn send<E: OpenEdxEvent + EventData + Clone>(
        event: Arc<dyn AnyEvent>,
    ) -> BoxFuture<'static, Result<SendReport, SendError>> {
        let metadata = EventsMetadata::new(E::EVENT_TYPE, E::MINOR_VERSION);
        E::signal().dispatch(owned::<E>(event), metadata, false, None)
    }
    pub fn connect<E: OpenEdxEvent + EventData + Clone>(
        name: String,
        receiver: AnyReceiver,
    ) -> ReceiverId {
        E::signal().connect_envelope(name, erased(E::EVENT_TYPE, open::<E>, receiver))
    }
    /// The event of an envelope of `E`, type-erased.
    /// The envelope of `E` as a type-erased receiver gets it: shared, not copied.
    fn open<E: OpenEdxEvent + EventData + Clone>(envelope: AnyEnvelope) -> Opened {
        envelope.downcast::<Envelope<E>>().ok().map(|envelope| {
            let (metadata, from_bus) = (envelope.metadata.clone(), envelope.from_event_bus);
            (envelope as Arc<dyn AnyEvent>, metadata, from_bus)
        })
    }
    pub fn disconnect<E: OpenEdxEvent>(id: ReceiverId) -> bool {
        E::signal().disconnect(id)
    }
}

/// What a type-erased receiver gets from an envelope: the event, its metadata and whether it came
/// from the bus; `None` for an envelope of another type.
type Opened = Option<(Arc<dyn AnyEvent>, EventsMetadata, bool)>;

/// Reads an envelope for a type-erased receiver (one small function per event type).
type Opener = fn(AnyEnvelope) -> Opened;

/// The envelope handler of a type-erased receiver of `event_type` (not generic: all of it but
/// `open` is compiled once for every event type).
fn erased(
    event_type: &'static str,
    open: Opener,
    receiver: AnyReceiver,
) -> impl Fn(AnyEnvelope) -> BoxFuture<'static, Result<(), ReceiverError>> + Send + Sync + 'static {
    move |envelope: AnyEnvelope| match open(envelope) {
        Some((event, metadata, from_bus)) => receiver(event, metadata, from_bus),
        None => Box::pin(std::future::ready(Err(format!(
            "internal error: a receiver of {event_type} got another event type"
        )
        .into()))),
    }
}
