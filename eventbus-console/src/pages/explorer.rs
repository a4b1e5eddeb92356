//! The explorer of a Kafka topic: the newest events (a bounded page per partition, never a scan),
//! decoded by event type, filtered by event type and key, or the events from an offset, shown
//! or exported as JSON lines (`format=jsonl`); an
//! event's page with its headers, its data as a tree (decoded with the writer schema the
//! registry holds for its schema id), the raw bytes and the schema id.

use super::{render, PageResult};
use crate::error::PageError;
use crate::state::AppState;
use crate::tree::{nodes, Node};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use eventbus_runtime::avro::avro_to_json;
use eventbus_runtime::kafka::framing::{display_key, unframe};
use eventbus_runtime::kafka::headers::{EVENT_TYPE, ID, SOURCE, TIME};
use eventbus_runtime::kafka::{KafkaAdmin, ReadRange, StoredMessage, TopicInfo, TopicReader};
use eventbus_runtime::registry;
use eventbus_runtime::schema_registry::SchemaRegistryClient;
use serde::Deserialize;
use std::sync::Arc;

/// Events shown when no limit is asked for.
const DEFAULT_LIMIT: i64 = 50;
/// The largest page: at most this many events are read per partition.
const MAX_LIMIT: i64 = 500;

/// The explorer's query: every field optional, empty fields (as forms send them) ignored.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExplorerQuery {
    limit: Option<String>,
    event_type: Option<String>,
    key: Option<String>,
    partition: Option<String>,
    offset: Option<String>,
    format: Option<String>,
}

/// A field given and not empty.
pub(crate) fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A number field, or a 400 naming it.
pub(crate) fn number(name: &str, field: &Option<String>) -> Result<Option<i64>, PageError> {
    given(field)
        .map(|text| {
            text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                PageError::BadRequest(format!(
                    "{name} {text:?} is not a number (a whole number, 0 or more)"
                ))
            })
        })
        .transpose()
}

/// One event of the list.
struct Row {
    partition: i32,
    offset: i64,
    time: String,
    event_type: String,
    key: String,
    source: String,
}

#[derive(Template)]
#[template(path = "explorer_topics.html")]
struct TopicsPage {
    actions: bool,
    topics: Vec<String>,
}

#[derive(Template)]
#[template(path = "explorer_events.html")]
struct EventsPage {
    actions: bool,
    topic: String,
    full_topic: String,
    partitions: Vec<(i32, i64, i64)>,
    limit: i64,
    event_type: String,
    key: String,
    partition: String,
    offset: String,
    read: usize,
    rows: Vec<Row>,
    export: String,
}

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

/// `GET /explorer`: the topics of the prefix.
pub(crate) async fn topics(State(state): State<Arc<AppState>>) -> PageResult {
    let kafka = &state.config.kafka;
    let admin = KafkaAdmin::new(kafka).map_err(|e| PageError::Upstream(e.to_string()))?;
    let topics = state
        .prefix_topics(&admin)
        .await
        .map_err(PageError::Upstream)?
        .iter()
        .map(|t| state.short_name(&t.name))
        .collect();
    render(&TopicsPage {
        actions: state.security.actions(),
        topics,
    })
}

/// The topic `topic` (without the prefix) described, or a 404.
async fn describe(state: &AppState, topic: &str) -> Result<TopicInfo, PageError> {
    let kafka = &state.config.kafka;
    let full = kafka.full_topic(topic);
    let admin = KafkaAdmin::new(kafka).map_err(|e| PageError::Upstream(e.to_string()))?;
    state
        .bounded("describing the topic", admin.describe_topic(&full))
        .await
        .map_err(PageError::Upstream)?
        .ok_or_else(|| {
            PageError::NotFound(format!(
                "topic {full} does not exist on the Kafka brokers {}",
                kafka.bootstrap_servers()
            ))
        })
}

/// Read `range` of the topic, within the console's timeout.
async fn read(
    state: &AppState,
    info: &TopicInfo,
    range: &ReadRange,
) -> Result<Vec<StoredMessage>, PageError> {
    state
        .bounded("reading the topic", async {
            let mut reader = TopicReader::open(&state.config.kafka, info, range)?;
            let mut messages = Vec::new();
            while let Some(message) = reader.next().await? {
                messages.push(message);
            }
            Ok::<_, eventbus_runtime::kafka::KafkaError>(messages)
        })
        .await
        .map_err(PageError::Upstream)
}

/// `GET /explorer/{topic}`: the newest events, or those from `offset`, filtered.
pub(crate) async fn events(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Query(query): Query<ExplorerQuery>,
) -> Result<Response, PageError> {
    let limit = number("limit", &query.limit)?
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let offset = number("offset", &query.offset)?;
    let partition = number("partition", &query.partition)?
        .map(|p| {
            i32::try_from(p)
                .map_err(|_| PageError::BadRequest(format!("partition {p} is too large")))
        })
        .transpose()?;
    let info = describe(&state, &topic).await?;
    if let Some(p) = partition {
        if !info.partitions.iter().any(|i| i.id == p) {
            return Err(PageError::NotFound(format!(
                "{} has no partition {p} (it has {})",
                info.name,
                info.partitions.len()
            )));
        }
    }
    let mut messages = Vec::new();
    match offset {
        Some(offset) => {
            let partition = match (partition, info.partitions.len()) {
                (Some(p), _) => p,
                (None, 1) => info.partitions[0].id,
                (None, _) => {
                    return Err(PageError::BadRequest(format!(
                        "{} has several partitions: give the partition with the offset",
                        info.name
                    )))
                }
            };
            let range = ReadRange {
                partition: Some(partition),
                from_offset: Some(offset),
                to_offset: Some(offset.saturating_add(limit - 1)),
            };
            messages = read(&state, &info, &range).await?;
        }
        None => {
            for p in &info.partitions {
                if partition.is_some_and(|wanted| wanted != p.id) {
                    continue;
                }
                let Some((low, high)) = p.watermarks else {
                    continue;
                };
                let range = ReadRange {
                    partition: Some(p.id),
                    from_offset: Some((high - limit).max(low)),
                    to_offset: Some(high - 1),
                };
                messages.extend(read(&state, &info, &range).await?);
            }
        }
    }
    let read_count = messages.len();
    let event_type = given(&query.event_type).map(str::to_owned);
    let key = given(&query.key).map(str::to_owned);
    let mut rows: Vec<(&StoredMessage, Row)> = messages
        .iter()
        .map(|m| (m, row(m)))
        .filter(|(_, r)| event_type.as_ref().is_none_or(|t| &r.event_type == t))
        .filter(|(_, r)| key.as_ref().is_none_or(|k| &r.key == k))
        .collect();
    if offset.is_none() {
        // Newest first.
        rows.sort_by(|(ma, a), (mb, b)| {
            (mb.timestamp_ms, b.offset, b.partition).cmp(&(ma.timestamp_ms, a.offset, a.partition))
        });
    }
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if given(&query.format) == Some("jsonl") {
        return json_lines(&state, &info.name, &rows).await;
    }
    let export = export_query(&query);
    Ok(render(&EventsPage {
        actions: state.security.actions(),
        full_topic: info.name.clone(),
        partitions: info
            .partitions
            .iter()
            .map(|p| {
                let (low, high) = p.watermarks.unwrap_or((0, 0));
                (p.id, low, high)
            })
            .collect(),
        topic,
        limit,
        event_type: event_type.unwrap_or_default(),
        key: key.unwrap_or_default(),
        partition: partition.map(|p| p.to_string()).unwrap_or_default(),
        offset: offset.map(|o| o.to_string()).unwrap_or_default(),
        read: read_count,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        export,
    })?
    .into_response())
}

/// The query of the page with `format=jsonl`, its fields percent-encoded.
fn export_query(query: &ExplorerQuery) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    let mut fields = vec!["format=jsonl".to_owned()];
    for (name, value) in [
        ("limit", &query.limit),
        ("event_type", &query.event_type),
        ("key", &query.key),
        ("partition", &query.partition),
        ("offset", &query.offset),
    ] {
        if let Some(value) = given(value) {
            fields.push(format!("{name}={}", encode(value)));
        }
    }
    fields.join("&")
}

/// The selected events as JSON lines: position, metadata headers, key, schema id and the data
/// decoded with the writer schema (or why it could not be).
async fn json_lines(
    state: &AppState,
    topic: &str,
    rows: &[(&StoredMessage, Row)],
) -> Result<Response, PageError> {
    let mut body = String::new();
    for (message, row) in rows {
        let (schema_id, data, data_error) = decode(state, message).await;
        let line = serde_json::json!({
            "topic": topic,
            "partition": message.partition,
            "offset": message.offset,
            "timestamp_ms": message.timestamp_ms,
            "event_type": row.event_type,
            "id": message.header(ID),
            "source": row.source,
            "time": row.time,
            "key": row.key,
            "schema_id": schema_id,
            "data": data,
            "data_error": data_error,
        });
        body.push_str(&line.to_string());
        body.push('\n');
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/x-ndjson; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{topic}.jsonl\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn row(message: &StoredMessage) -> Row {
    let or_dash = |name: &str| message.header(name).unwrap_or_else(|| "-".into());
    Row {
        partition: message.partition,
        offset: message.offset,
        time: or_dash(TIME),
        event_type: or_dash(EVENT_TYPE),
        key: display_key(message.key.as_deref()),
        source: or_dash(SOURCE),
    }
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
async fn decode(
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

/// At most this many bytes of a key or value are shown in hex.
const MAX_HEX: usize = 64 * 1024;

/// Bytes as hex lines of 16, each with its offset (the first [`MAX_HEX`] bytes).
pub(crate) fn hex(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(MAX_HEX)];
    let mut text = shown
        .chunks(16)
        .enumerate()
        .map(|(line, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            format!("{:06x}  {}", line * 16, hex.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    if bytes.len() > MAX_HEX {
        text.push_str(&format!(
            "\n… {} more bytes not shown ({} in all)",
            bytes.len() - MAX_HEX,
            bytes.len()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lines_and_the_cap() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0, 1, 255]), "000000  00 01 ff");
        let two = hex(&[7u8; 17]);
        assert_eq!(two.lines().nth(1), Some("000010  07"));
        let big = hex(&vec![0u8; MAX_HEX + 5]);
        assert!(
            big.ends_with("… 5 more bytes not shown (65541 in all)"),
            "{}",
            &big[big.len() - 60..]
        );
    }
}
