//! An event's page: its headers, its data as a tree (decoded with the writer schema the
//! registry holds for its schema id), its catalog entry, the raw bytes and the schema id.

use super::{describe, read};
use crate::error::PageError;
use crate::hex::hex;
use crate::pages::input::number;
use crate::pages::{render, PageResult};
use crate::state::AppState;
use crate::tree::{nodes, Node};
use askama::Template;
use axum::extract::{Path, State};
use eventbus_runtime::avro::avro_to_json;
use eventbus_runtime::kafka::framing::{display_key, unframe};
use eventbus_runtime::kafka::headers::{EVENT_TYPE, ID};
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::{ReadRange, StoredMessage};
use eventbus_runtime::registry;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "explorer_event.html")]
struct EventPage {
    actions: bool,
    topic: String,
    full_topic: String,
    partition: i32,
    offset: i64,
    timestamp: String,
    event_type: String,
    key: String,
    headers: Vec<(String, String)>,
    schema_id: Option<u32>,
    data: Vec<Node>,
    data_error: Option<String>,
    value_hex: String,
    key_hex: String,
    description: Option<&'static str>,
    signal: Option<&'static str>,
}

/// `GET /explorer/{topic}/{partition}/{offset}`: one event.
pub(crate) async fn event(
    State(state): State<Arc<AppState>>,
    Path((topic, partition, offset)): Path<(String, String, String)>,
) -> PageResult {
    let partition = number("partition", &Some(partition))?
        .and_then(|p| i32::try_from(p).ok())
        .ok_or_else(|| PageError::BadRequest("the partition is missing or too large".into()))?;
    let offset = number("offset", &Some(offset))?
        .ok_or_else(|| PageError::BadRequest("the offset is missing".into()))?;
    let info = describe(&state, &topic).await?;
    let range = ReadRange {
        partition: Some(partition),
        from_offset: Some(offset),
        to_offset: Some(offset),
    };
    if !info.partitions.iter().any(|p| p.id == partition) {
        return Err(PageError::NotFound(format!(
            "{} has no partition {partition}",
            info.name
        )));
    }
    let message = read(&state, &info, &range)
        .await?
        .into_iter()
        .find(|m| m.offset == offset)
        .ok_or_else(|| {
            PageError::NotFound(format!(
                "no event at offset {offset} of {}/{partition} (deleted, or not written yet)",
                info.name
            ))
        })?;
    let (schema_id, data, data_error) = decode(&state, &message).await;
    let headers = message
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                value
                    .as_deref()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or_else(|| "(null)".into()),
            )
        })
        .collect();
    render(&EventPage {
        actions: state.security.actions(),
        full_topic: info.name.clone(),
        topic,
        partition,
        offset,
        timestamp: message
            .timestamp_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "-".into()),
        event_type: message.header(EVENT_TYPE).unwrap_or_else(|| "-".into()),
        key: display_key(message.key.as_deref()),
        headers,
        schema_id,
        data: nodes(&data),
        data_error,
        description: message
            .header(EVENT_TYPE)
            .and_then(|t| registry::find(&t))
            .map(|d| d.description),
        signal: message
            .header(EVENT_TYPE)
            .and_then(|t| openedx_events::python_signal(&t)),
        value_hex: hex(message.value.as_deref().unwrap_or_default()),
        key_hex: hex(message.key.as_deref().unwrap_or_default()),
    })
    .inspect(|_| tracing::debug!(id = ?message.header(ID), "event shown"))
}

/// The schema id of the value's framing and the data decoded with the registry's writer schema,
/// or why it could not be.
pub(super) async fn decode(
    state: &AppState,
    message: &StoredMessage,
) -> (Option<u32>, serde_json::Value, Option<String>) {
    let null = serde_json::Value::Null;
    let Some(value) = message.value.as_deref() else {
        return (None, null, Some("the message has no value".into()));
    };
    let (id, avro) = match unframe(value) {
        Ok(framed) => framed,
        Err(error) => return (None, null, Some(error.to_string())),
    };
    let client = match SchemaRegistryClient::from_settings(&state.config.kafka) {
        Ok(client) => client,
        Err(error) => return (Some(id), null, Some(error.to_string())),
    };
    let schema = match state
        .bounded("reading the writer schema", client.schema_by_id(id))
        .await
    {
        Ok(schema) => schema,
        Err(error) => return (Some(id), null, Some(error)),
    };
    match avro_to_json(&schema.parsed, avro) {
        Ok(data) => (Some(id), data, None),
        Err(error) => (Some(id), null, Some(error.to_string())),
    }
}
