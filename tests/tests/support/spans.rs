//! A `tracing` layer that keeps the fields of the spans it sees, for tests of the spans the
//! producers and consumers open.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

/// One span: its name and fields (as text).
#[derive(Debug, Clone, Default)]
pub struct SeenSpan {
    /// The span's name.
    pub name: String,
    /// Its fields.
    pub fields: HashMap<String, String>,
}

impl SeenSpan {
    /// A field's value; panics naming it when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("span {} has no field {name}: {:?}", self.name, self.fields))
    }
}

/// One event (a log line): its fields (`message` among them) and the span it was in.
#[derive(Debug, Clone, Default)]
pub struct SeenEvent {
    /// Its fields.
    pub fields: HashMap<String, String>,
    /// The span it was logged in, if any.
    pub span: Option<SeenSpan>,
}

/// Every span seen (a closed span's id is reused by a later one: `live` maps the ids of the open
/// spans to their entries), and the events with the entry of their span.
#[derive(Default)]
struct Seen {
    spans: Vec<SeenSpan>,
    live: HashMap<u64, usize>,
    events: Vec<(HashMap<String, String>, Option<usize>)>,
}

/// The spans and events seen so far.
#[derive(Clone, Default)]
pub struct Spans(Arc<Mutex<Seen>>);

impl Spans {
    /// The spans named `name` whose field `field` is `value`.
    pub fn find(&self, name: &str, field: &str, value: &str) -> Vec<SeenSpan> {
        self.0
            .lock()
            .unwrap()
            .spans
            .iter()
            .filter(|s| s.name == name && s.fields.get(field).map(String::as_str) == Some(value))
            .cloned()
            .collect()
    }

    /// The events whose field `field` is `value`, with their spans as they are now.
    pub fn events(&self, field: &str, value: &str) -> Vec<SeenEvent> {
        let seen = self.0.lock().unwrap();
        seen.events
            .iter()
            .filter(|(fields, _)| fields.get(field).map(String::as_str) == Some(value))
            .map(|(fields, span)| SeenEvent {
                fields: fields.clone(),
                span: span.map(|entry| seen.spans[entry].clone()),
            })
            .collect()
    }
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut span = SeenSpan {
            name: attrs.metadata().name().to_owned(),
            ..SeenSpan::default()
        };
        attrs.record(&mut Fields(&mut span.fields));
        let mut seen = self.0.lock().unwrap();
        seen.spans.push(span);
        let entry = seen.spans.len() - 1;
        seen.live.insert(id.into_u64(), entry);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        if let Some(&entry) = seen.live.get(&id.into_u64()) {
            values.record(&mut Fields(&mut seen.spans[entry].fields));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let mut seen = self.0.lock().unwrap();
        let span = ctx
            .event_span(event)
            .and_then(|s| seen.live.get(&s.id().into_u64()).copied());
        seen.events.push((fields, span));
    }
}
