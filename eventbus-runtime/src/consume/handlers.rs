//! Receivers of one consumer: typed handlers that only this consumer calls, instead of the global
//! signals.
//!
//! A consumer with no handlers sends each event to its signal's receivers, as openedx-events does
//! (so a receiver also runs for events sent in-process). A consumer given handlers with
//! [`OnEvent::on`] calls only them: two consumers (or two tests) of one event type do not see
//! each other's events, and nothing sent in-process reaches them. An event type without a handler
//! is then processed with no receiver, as a signal without receivers is.

use crate::avro::EventData;
use crate::event::BusEvent;
use crate::event::OpenEdxEvent;
use crate::signal::{
    run_receivers, AnyEnvelope, Envelope, Receiver, ReceiverError, ReceiverId, SendError,
    SendReport,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// The handlers of one consumer, by event type, each type's in the order they were added.
#[derive(Clone, Default)]
pub struct Handlers {
    by_type: HashMap<&'static str, Vec<Arc<Receiver>>>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (event_type, handlers) in &self.by_type {
            let names: Vec<&str> = handlers.iter().map(|h| h.name.as_str()).collect();
            map.entry(event_type, &names);
        }
        map.finish()
    }
}

impl Handlers {
    /// No handlers: the consumer sends events to the global signals.
    pub fn new() -> Self {
        Handlers::default()
    }

    /// Whether no handler was added.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// Add a handler of `E`, named `name` (in logs and dead letters). It gets the event with its
    /// metadata, `from_event_bus` set.
    pub fn add<E, F, Fut>(&mut self, name: impl Into<String>, handler: F)
    where
        E: OpenEdxEvent + EventData + BusEvent + Clone + Send + Sync + 'static,
        F: Fn(Arc<Envelope<E>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ReceiverError>> + Send + 'static,
    {
        self.by_type
            .entry(E::EVENT_TYPE)
            .or_default()
            .push(Arc::new(Receiver::typed(name.into(), handler)));
    }

    /// Run the handlers of `event_type` (those in `only`, when given) on `envelope`, every one
    /// even when some fail, as a robust signal runs its receivers.
    pub(crate) async fn dispatch(
        &self,
        event_type: &'static str,
        envelope: &AnyEnvelope,
        event_id: uuid::Uuid,
        only: Option<&[ReceiverId]>,
    ) -> Result<SendReport, SendError> {
        let handlers: Vec<Arc<Receiver>> = self
            .by_type
            .get(event_type)
            .into_iter()
            .flatten()
            .filter(|h| only.is_none_or(|only| only.contains(&h.id)))
            .cloned()
            .collect();
        run_receivers(event_type, envelope, event_id, &handlers, true).await
    }
}

/// Consumers that take handlers of their own ([`Handlers`]): `consumer.on::<E>(name, handler)`.
pub trait OnEvent: Sized {
    /// The consumer's handlers.
    #[doc(hidden)]
    fn handlers_mut(&mut self) -> &mut Handlers;

    /// Send events of type `E` to `handler` (named `name` in logs and dead letters), and no
    /// longer to the global signals: once a consumer has a handler, it calls only its handlers.
    #[must_use]
    fn on<E, F, Fut>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        E: OpenEdxEvent + EventData + BusEvent + Clone + Send + Sync + 'static,
        F: Fn(Arc<Envelope<E>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ReceiverError>> + Send + 'static,
    {
        self.handlers_mut().add::<E, F, Fut>(name, handler);
        self
    }
}
