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

/// The spans seen so far, by id.
#[derive(Clone, Default)]
pub struct Spans(Arc<Mutex<HashMap<u64, SeenSpan>>>);

impl Spans {
    /// The spans named `name` whose field `field` is `value`.
    pub fn find(&self, name: &str, field: &str, value: &str) -> Vec<SeenSpan> {
        self.0
            .lock()
            .unwrap()
            .values()
            .filter(|s| s.name == name && s.fields.get(field).map(String::as_str) == Some(value))
            .cloned()
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
        self.0.lock().unwrap().insert(id.into_u64(), span);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(span) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}
