//! The catalog: every event type this build knows, with its key field, minor version, Python
//! signal; an event's page with its documentation, Avro schema and example data.

use super::{render, PageResult};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use eventbus_runtime::avro::Example;
use eventbus_runtime::registry::{self, EventDescriptor};
use std::sync::Arc;

/// One row of the catalog.
struct Row {
    event_type: &'static str,
    minor_version: u32,
    key_field: &'static str,
    signal: &'static str,
    serializable: bool,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    actions: bool,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "catalog_event.html")]
struct EventPage {
    actions: bool,
    event_type: &'static str,
    description: &'static str,
    minor_version: u32,
    key_field: &'static str,
    rust_type: &'static str,
    signal: &'static str,
    schema: Option<String>,
    example: Option<String>,
}

fn key_field(d: &EventDescriptor) -> &'static str {
    match (d.default_key_field, d.is_serializable()) {
        (_, false) => "(in-process only)",
        (Some(key), true) => key,
        (None, true) => "-",
    }
}

/// `GET /catalog`.
pub(crate) async fn list(State(state): State<Arc<AppState>>) -> PageResult {
    let rows = registry::all()
        .map(|d| Row {
            event_type: d.event_type,
            minor_version: d.minor_version,
            key_field: key_field(d),
            signal: openedx_events::python_signal(d.event_type).unwrap_or("-"),
            serializable: d.is_serializable(),
        })
        .collect();
    render(&CatalogPage {
        actions: state.security.actions(),
        rows,
    })
}

/// `GET /catalog/{event_type}`.
pub(crate) async fn event(
    State(state): State<Arc<AppState>>,
    Path(event_type): Path<String>,
) -> PageResult {
    let d = registry::find(&event_type).ok_or_else(|| {
        let similar = registry::similar(&event_type, 3);
        PageError::NotFound(if similar.is_empty() {
            format!("unknown event type {event_type:?}")
        } else {
            format!(
                "unknown event type {event_type:?}; did you mean {}?",
                similar.join(", ")
            )
        })
    })?;
    let schema = d.schema().ok();
    let example = d
        .example(Example::Full)
        .ok()
        .and_then(|e| serde_json::to_string_pretty(&e.to_json()).ok());
    render(&EventPage {
        actions: state.security.actions(),
        event_type: d.event_type,
        description: d.description,
        minor_version: d.minor_version,
        key_field: key_field(d),
        rust_type: d.rust_type,
        signal: openedx_events::python_signal(d.event_type).unwrap_or("-"),
        schema: schema.map(|s| s.avsc_text()),
        example,
    })
}
