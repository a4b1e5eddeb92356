//! The registry of every event type linked into the program.
//!
//! `#[derive(OpenEdxEvent)]` registers each event type (through `inventory`), so the runtime can
//! list all events, find one by its type string, and decode, encode and dispatch events it only
//! knows by that string: what a consumer and the configured producer need.
//!
//! One event type must be declared by one Rust type. `#[derive(OpenEdxEvent)]` refuses two
//! declarations in one crate at compile time; across crates, the registry refuses the program when
//! it is first used: [`check`] returns [`DuplicateEventTypes`], naming the event type and both Rust
//! types, and [`all`] and [`find`] panic with that message (no answer of theirs would be right, and
//! they are infallible). Programs that want the error as a value call [`check`] at start-up.

use crate::avro::{self, EventSchema, Example};
use crate::data_error::DataError;
use crate::key::{KeyPathError, KeyValue};
use crate::metadata::EventsMetadata;
use crate::signal::{AnyEnvelope, BoxFuture, ReceiverError, ReceiverId, SendError, SendReport};
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// An event of a type known only at run time.
pub trait AnyEvent: Any + Send + Sync {
    /// The event type's registry entry.
    fn descriptor(&self) -> &'static EventDescriptor;
    /// The Avro encoding of the event data.
    fn encode(&self) -> Vec<u8>;
    /// The JSON form of the event data (Python's `to_dict`).
    fn to_json(&self) -> Value;
    /// The key value at a dotted path.
    fn key_at(&self, path: &str) -> Result<KeyValue, KeyPathError>;
    /// For downcasting to the concrete event type.
    fn as_any(&self) -> &dyn Any;
}

impl std::fmt::Debug for dyn AnyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.descriptor().event_type, self.to_json())
    }
}

/// A type-erased receiver: gets the event, its metadata and whether it came from the bus.
pub type AnyReceiver = Arc<
    dyn Fn(Arc<dyn AnyEvent>, EventsMetadata, bool) -> BoxFuture<'static, Result<(), ReceiverError>>
        + Send
        + Sync,
>;

/// An event type that cannot travel on the bus.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event type {event_type} is in-process only and cannot be sent over the event bus")]
pub struct NotSerializable {
    /// The event type.
    pub event_type: &'static str,
}

/// Failure to turn bytes or JSON into an event of a registered type.
#[derive(Debug, thiserror::Error)]
pub enum EventDataError {
    /// The event type cannot travel on the bus.
    #[error(transparent)]
    NotSerializable(#[from] NotSerializable),
    /// The data is invalid.
    #[error("{event_type}: {source}")]
    Data {
        /// The event type.
        event_type: &'static str,
        /// What is wrong, with the field.
        #[source]
        source: DataError,
    },
}

pub(crate) type Decoded = Result<Arc<dyn AnyEvent>, DataError>;
pub(crate) type Dispatched = BoxFuture<'static, Result<SendReport, SendError>>;
/// Send an envelope read from the bus to the signal's receivers (those in the list only, when
/// given).
type DispatchFn = fn(AnyEnvelope, uuid::Uuid, Option<Vec<ReceiverId>>) -> Dispatched;

/// The operations on an event type that can travel on the bus.
#[doc(hidden)]
pub struct BusOps {
    pub(crate) decode: fn(&[u8]) -> Decoded,
    pub(crate) from_json: fn(&Value) -> Decoded,
    pub(crate) example: fn(Example) -> Arc<dyn AnyEvent>,
    pub(crate) envelope: fn(Arc<dyn AnyEvent>, EventsMetadata, bool) -> AnyEnvelope,
    pub(crate) dispatch: DispatchFn,
    pub(crate) send: fn(Arc<dyn AnyEvent>) -> Dispatched,
    pub(crate) connect: fn(String, AnyReceiver) -> ReceiverId,
    pub(crate) disconnect: fn(ReceiverId) -> bool,
    pub(crate) schema: fn() -> &'static EventSchema,
}

/// One registered event type.
pub struct EventDescriptor {
    /// The event type string.
    pub event_type: &'static str,
    /// The minor version.
    pub minor_version: u32,
    /// The default key field, if the event declares one.
    pub default_key_field: Option<&'static str>,
    /// What the event means and when it is sent (the struct's doc comment).
    pub description: &'static str,
    /// The Rust type's path.
    pub rust_type: &'static str,
    pub(crate) bus: Option<BusOps>,
    pub(crate) schema: OnceLock<EventSchema>,
}

/// The bus operations of an event's type: an `AnyEvent` is always of a serializable type (only
/// those are decoded, built from JSON or made as examples).
fn bus_ops_of(event: &Arc<dyn AnyEvent>) -> &'static BusOps {
    event
        .descriptor()
        .bus
        .as_ref()
        .expect("an AnyEvent is always of a serializable type")
}

impl EventDescriptor {
    #[doc(hidden)]
    pub fn schema_cell(&self) -> &OnceLock<EventSchema> {
        &self.schema
    }

    fn bus_ops(&self) -> Result<&BusOps, NotSerializable> {
        self.bus.as_ref().ok_or(NotSerializable {
            event_type: self.event_type,
        })
    }

    /// Whether the event type can travel on the bus.
    pub fn is_serializable(&self) -> bool {
        self.bus.is_some()
    }

    /// The event's Avro schema.
    pub fn schema(&self) -> Result<&'static EventSchema, NotSerializable> {
        Ok((self.bus_ops()?.schema)())
    }

    /// Decode event data written with this event's schema, or, given the writer's schema, with
    /// another version of it (resolved to this one).
    pub fn decode(
        &self,
        bytes: &[u8],
        writer_schema: Option<&apache_avro::Schema>,
    ) -> Result<Arc<dyn AnyEvent>, EventDataError> {
        let ops = self.bus_ops()?;
        let data_error = |source| EventDataError::Data {
            event_type: self.event_type,
            source,
        };
        let reader_schema = (ops.schema)().parsed();
        match writer_schema {
            Some(writer) if writer != reader_schema => {
                let resolved =
                    avro::resolve_to_reader(writer, reader_schema, bytes).map_err(data_error)?;
                (ops.decode)(&resolved).map_err(data_error)
            }
            _ => (ops.decode)(bytes).map_err(data_error),
        }
    }

    /// Read the JSON form of the event data; errors name the field.
    pub fn from_json(&self, value: &Value) -> Result<Arc<dyn AnyEvent>, EventDataError> {
        (self.bus_ops()?.from_json)(value).map_err(|source| EventDataError::Data {
            event_type: self.event_type,
            source,
        })
    }

    /// An example event.
    pub fn example(&self, kind: Example) -> Result<Arc<dyn AnyEvent>, NotSerializable> {
        Ok((self.bus_ops()?.example)(kind))
    }

    /// Send an event read from the bus to its signal's receivers, with the metadata it came with
    /// (`send_event_with_custom_metadata`: receivers see `from_event_bus == true`).
    pub async fn dispatch_from_bus(
        event: Arc<dyn AnyEvent>,
        metadata: EventsMetadata,
    ) -> Result<SendReport, SendError> {
        let (descriptor, event_id) = (event.descriptor(), metadata.id);
        let envelope = EventDescriptor::envelope(event, metadata, true);
        descriptor.dispatch_envelope(envelope, event_id, None).await
    }

    /// An event with its metadata as receivers get it: an `Arc<Envelope<E>>` of its type,
    /// type-erased (the event is moved into it, copied only if shared).
    pub(crate) fn envelope(
        event: Arc<dyn AnyEvent>,
        metadata: EventsMetadata,
        from_event_bus: bool,
    ) -> AnyEnvelope {
        (bus_ops_of(&event).envelope)(event, metadata, from_event_bus)
    }

    /// Send an envelope read from the bus (made by [`EventDescriptor::envelope`] for this
    /// descriptor's type) to the signal's receivers, only to those in `only` when given (a retry of
    /// those that failed).
    pub(crate) fn dispatch_envelope(
        &self,
        envelope: AnyEnvelope,
        event_id: uuid::Uuid,
        only: Option<Vec<ReceiverId>>,
    ) -> Dispatched {
        match &self.bus {
            Some(ops) => (ops.dispatch)(envelope, event_id, only),
            None => Box::pin(std::future::ready(Ok(SendReport {
                event_type: self.event_type,
                ..SendReport::default()
            }))),
        }
    }

    /// Send an event that happens now to its signal's receivers, with new metadata, as
    /// [`Signal::send_event`](crate::Signal::send_event) does for a typed event: receivers see
    /// `from_event_bus == false`, so configured producing sends it to the bus.
    pub async fn send_event(event: Arc<dyn AnyEvent>) -> Result<SendReport, SendError> {
        let ops = bus_ops_of(&event);
        (ops.send)(event).await
    }

    /// Connect a type-erased receiver to this event type's signal.
    pub fn connect(
        &self,
        name: impl Into<String>,
        receiver: AnyReceiver,
    ) -> Result<ReceiverId, NotSerializable> {
        Ok((self.bus_ops()?.connect)(name.into(), receiver))
    }

    /// Disconnect a receiver connected with [`EventDescriptor::connect`].
    pub fn disconnect(&self, id: ReceiverId) -> bool {
        self.bus.as_ref().is_some_and(|ops| (ops.disconnect)(id))
    }
}

impl std::fmt::Debug for EventDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventDescriptor")
            .field("event_type", &self.event_type)
            .field("minor_version", &self.minor_version)
            .field("default_key_field", &self.default_key_field)
            .field("serializable", &self.is_serializable())
            .finish_non_exhaustive()
    }
}

/// A registered descriptor, as `inventory` collects them.
#[doc(hidden)]
pub struct Registration(pub &'static EventDescriptor);

inventory::collect!(Registration);

/// Two or more Rust types linked into the program declare the same event type, so the registry
/// could not tell which one an event of that type is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateEventType {
    /// The event type.
    pub event_type: &'static str,
    /// The paths of the Rust types that declare it, sorted.
    pub rust_types: Vec<&'static str>,
}

impl std::fmt::Display for DuplicateEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event type {} is declared by ", self.event_type)?;
        let (last, rest) = self.rust_types.split_last().expect("two types or more");
        for (i, rust_type) in rest.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}`{rust_type}`")?;
        }
        write!(f, " and `{last}`")
    }
}

/// The registry refuses a program in which one event type is declared by more than one Rust type
/// (`#[derive(OpenEdxEvent)]` refuses it at compile time within one crate; this is the check across
/// crates).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the event registry refuses this program: {}; each event type must be declared by one Rust type",
    .duplicates.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
)]
pub struct DuplicateEventTypes {
    /// Each duplicated event type with its Rust types, sorted by event type.
    pub duplicates: Vec<DuplicateEventType>,
}

type Registry = Result<BTreeMap<&'static str, &'static EventDescriptor>, DuplicateEventTypes>;

/// The registry, built on first use from every registration linked into the program.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut types: BTreeMap<&'static str, Vec<&'static EventDescriptor>> = BTreeMap::new();
        for Registration(descriptor) in inventory::iter::<Registration> {
            types
                .entry(descriptor.event_type)
                .or_default()
                .push(descriptor);
        }
        let duplicates: Vec<DuplicateEventType> = types
            .iter()
            .filter(|(_, descriptors)| descriptors.len() > 1)
            .map(|(event_type, descriptors)| {
                let mut rust_types: Vec<&str> = descriptors.iter().map(|d| d.rust_type).collect();
                rust_types.sort_unstable();
                DuplicateEventType {
                    event_type,
                    rust_types,
                }
            })
            .collect();
        if duplicates.is_empty() {
            Ok(types
                .into_iter()
                .map(|(event_type, descriptors)| (event_type, descriptors[0]))
                .collect())
        } else {
            let error = DuplicateEventTypes { duplicates };
            tracing::error!(%error, "the event registry refuses this program");
            Err(error)
        }
    })
}

/// Check that every event type linked into the program is declared by one Rust type only. Call it
/// at start-up to get, as an error, what [`all`] and [`find`] would panic with.
pub fn check() -> Result<(), DuplicateEventTypes> {
    registry().as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The registry, or the panic that refuses a program with a duplicated event type: an event of that
/// type could not be decoded or dispatched to the right type, and no result of [`find`] would be
/// right.
fn by_type() -> &'static BTreeMap<&'static str, &'static EventDescriptor> {
    match registry() {
        Ok(map) => map,
        Err(error) => panic!("{error}"),
    }
}

/// Every registered event type, sorted by event type.
///
/// # Panics
///
/// If an event type is declared by more than one Rust type (see [`check`]).
pub fn all() -> impl Iterator<Item = &'static EventDescriptor> {
    by_type().values().copied()
}

/// The event type registered under `event_type`.
///
/// # Panics
///
/// If an event type is declared by more than one Rust type (see [`check`]).
pub fn find(event_type: &str) -> Option<&'static EventDescriptor> {
    by_type().get(event_type).copied()
}

/// The registered event types closest to `event_type` (a typo, or a short form such as
/// `certificate.create.v1` for `org.openedx.learning.certificate.created.v1`), best first, at most
/// `n`: each is compared whole and by its last segments, as many as `event_type` has.
pub fn similar(event_type: &str, n: usize) -> Vec<&'static str> {
    let segments = event_type.split('.').count();
    let limit = 2 + event_type.chars().count() / 10;
    let mut scored: Vec<(usize, &'static str)> = all()
        .map(|d| {
            let parts: Vec<&str> = d.event_type.split('.').collect();
            let tail = parts[parts.len().saturating_sub(segments)..].join(".");
            let distance = crate::suggest::edit_distance(event_type, d.event_type)
                .min(crate::suggest::edit_distance(event_type, &tail));
            (distance, d.event_type)
        })
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_names_every_rust_type() {
        let error = DuplicateEventTypes {
            duplicates: vec![
                DuplicateEventType {
                    event_type: "org.openedx.a.b.v1",
                    rust_types: vec!["a::A", "b::A"],
                },
                DuplicateEventType {
                    event_type: "org.openedx.c.d.v1",
                    rust_types: vec!["a::C", "b::C", "c::C"],
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "the event registry refuses this program: event type org.openedx.a.b.v1 is declared by \
             `a::A` and `b::A`; event type org.openedx.c.d.v1 is declared by `a::C`, `b::C` and \
             `c::C`; each event type must be declared by one Rust type"
        );
    }
}
