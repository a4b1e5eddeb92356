//! The catalog: every event type this build knows, with its key field, minor version, Python
//! signal; an event's page with its documentation, Avro schema and example data, and whether
//! the registry's latest version of its subject on each topic is compatible with this build's.

use super::{render, PageResult};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use eventbus_runtime::avro::{check_compatibility, Example};
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::value_subject;
use eventbus_runtime::kafka::KafkaAdmin;
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
    registry: Vec<Subject>,
}

/// The registry's latest version of the event's value subject on one topic.
struct Subject {
    subject: String,
    schema_id: Option<u32>,
    compatible: bool,
    detail: String,
}

/// At most this many topics are looked at for the event's subjects.
const MAX_SUBJECT_TOPICS: usize = 50;

/// For each topic of the prefix (at most [`MAX_SUBJECT_TOPICS`]) whose value subject of this
/// event type the registry holds, whether its latest version and this build's schema read each
/// other's data (`TopicRecordNameStrategy`: one subject per topic and event type).
async fn compatibility(
    state: &AppState,
    event_type: &str,
    ours: &apache_avro::Schema,
) -> Vec<Subject> {
    let kafka = &state.config.kafka;
    let failed = |detail: String| {
        vec![Subject {
            subject: "-".into(),
            schema_id: None,
            compatible: false,
            detail,
        }]
    };
    let topics = match KafkaAdmin::new(kafka) {
        Ok(admin) => match state.prefix_topics(&admin).await {
            Ok(topics) => topics,
            Err(error) => return failed(error),
        },
        Err(error) => return failed(error.to_string()),
    };
    let client = match SchemaRegistryClient::from_settings(kafka) {
        Ok(client) => client,
        Err(error) => return failed(error.to_string()),
    };
    let mut subjects = Vec::new();
    for topic in topics
        .iter()
        .filter(|t| !t.name.ends_with("-dead-letter"))
        .take(MAX_SUBJECT_TOPICS)
    {
        let subject = value_subject(&topic.name, event_type);
        let latest = match tokio::time::timeout(state.config.timeout, client.latest(&subject)).await
        {
            Ok(Ok(latest)) => latest,
            Ok(Err(error)) if error.is_not_found() => continue,
            Ok(Err(error)) => return failed(error.to_string()),
            Err(_) => return failed("the schema registry did not answer in time".into()),
        };
        let (compatible, detail) = match check_compatibility(&latest.parsed, ours) {
            Ok(()) => (
                true,
                "compatible both ways with this build's schema".to_owned(),
            ),
            Err(problems) => (
                false,
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        subjects.push(Subject {
            subject,
            schema_id: Some(latest.id),
            compatible,
            detail,
        });
    }
    subjects
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
    let registry = match schema {
        Some(schema) => compatibility(&state, d.event_type, schema.parsed()).await,
        None => Vec::new(),
    };
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
        registry,
    })
}
