//! The explorer of Redis streams: the newest entries of a stream decoded by event type (time,
//! type, key-less: Redis has no key; source, entry id), filtered by event type; an entry's page
//! with its fields, the data as a tree (decoded with this build's schema of its type: a Redis
//! entry carries no schema id) and the raw bytes.

use super::input::{given, number};
use super::{render, PageResult};
use crate::error::PageError;
use crate::hex::hex;
use crate::state::AppState;
use crate::tree::{nodes, Node};
use askama::Template;
use axum::extract::{Path, Query, State};
use eventbus_runtime::redis::entry::{StreamEntry, EVENT_DATA, NAMES};
use eventbus_runtime::redis::RedisStreams;
use eventbus_runtime::registry;
use eventbus_runtime::settings::RedisSettings;
use std::sync::Arc;

/// Entries shown when no limit is asked for.
const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
const MAX_LIMIT: i64 = 500;

/// The query of a stream's page.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct StreamQuery {
    limit: Option<String>,
    event_type: Option<String>,
}

/// One entry of the list.
struct Row {
    id: String,
    time: String,
    event_type: String,
    source: String,
}

#[derive(Template)]
#[template(path = "redis_streams.html")]
struct StreamsPage {
    actions: bool,
    streams: Vec<(String, u64)>,
}

#[derive(Template)]
#[template(path = "redis_entries.html")]
struct EntriesPage {
    actions: bool,
    stream: String,
    full_stream: String,
    limit: i64,
    event_type: String,
    read: usize,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "redis_entry.html")]
struct EntryPage {
    actions: bool,
    stream: String,
    full_stream: String,
    id: String,
    event_type: String,
    fields: Vec<(String, String)>,
    data: Vec<Node>,
    data_error: Option<String>,
    data_hex: String,
}

/// The Redis connection, or a 404 saying Redis is not configured.
pub(crate) async fn connect(state: &AppState) -> Result<(RedisStreams, &RedisSettings), PageError> {
    let settings = state.config.redis.as_ref().ok_or_else(|| {
        PageError::NotFound("Redis is not configured: set EVENT_BUS_REDIS_CONNECTION_URL".into())
    })?;
    let streams = state
        .bounded("connecting to Redis", RedisStreams::connect(settings))
        .await
        .map_err(PageError::Upstream)?;
    Ok((streams, settings))
}

/// The last value of the field `name` of `entry`, as text.
pub(crate) fn field(entry: &StreamEntry, name: &str) -> Option<String> {
    entry.fields.as_ref().and_then(|fields| {
        fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    })
}

/// The streams of the prefix (every stream when there is none) with their lengths, by name
/// without the prefix.
pub(crate) async fn prefix_streams(
    state: &AppState,
    streams: &RedisStreams,
    settings: &RedisSettings,
) -> Result<Vec<(String, u64)>, String> {
    let pattern = settings.full_topic("*");
    let prefix = settings.topic_prefix().map(|p| format!("{p}-"));
    let mut found = state
        .bounded("listing the streams", streams.list(&pattern))
        .await?;
    if let Some(prefix) = &prefix {
        for (name, _) in &mut found {
            if let Some(short) = name.strip_prefix(prefix.as_str()) {
                *name = short.to_owned();
            }
        }
    }
    Ok(found)
}

/// The newest `limit` entries of the stream `full` (named `what` in the errors: a missing stream
/// is "not found", an unreachable Redis "upstream").
pub(crate) async fn newest_entries(
    state: &AppState,
    streams: &RedisStreams,
    what: &str,
    full: &str,
    limit: i64,
) -> Result<Vec<StreamEntry>, PageError> {
    let exists = state
        .bounded("describing the stream", streams.describe(full))
        .await
        .map_err(PageError::Upstream)?;
    if exists.is_none() {
        return Err(PageError::NotFound(format!(
            "{what} {full} does not exist on Redis"
        )));
    }
    state
        .bounded(
            "reading the stream",
            streams.newest(full, usize::try_from(limit).unwrap_or(50)),
        )
        .await
        .map_err(PageError::Upstream)
}

/// `GET /redis`: the streams of the prefix with their lengths.
pub(crate) async fn streams(State(state): State<Arc<AppState>>) -> PageResult {
    let (streams, settings) = connect(&state).await?;
    let found = prefix_streams(&state, &streams, settings)
        .await
        .map_err(PageError::Upstream)?;
    render(&StreamsPage {
        actions: state.security.actions(),
        streams: found,
    })
}

/// `GET /redis/{stream}`: the newest entries, filtered by event type.
pub(crate) async fn entries(
    State(state): State<Arc<AppState>>,
    Path(stream): Path<String>,
    Query(query): Query<StreamQuery>,
) -> PageResult {
    let limit = number("limit", &query.limit)?
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let (streams, settings) = connect(&state).await?;
    let full = settings.full_topic(&stream);
    let newest = newest_entries(&state, &streams, "stream", &full, limit).await?;
    let event_type = given(&query.event_type).map(str::to_owned);
    let or_dash =
        |entry: &StreamEntry, name: &str| field(entry, name).unwrap_or_else(|| "-".into());
    let rows = newest
        .iter()
        .map(|entry| Row {
            id: entry.id.clone(),
            time: or_dash(entry, NAMES.time),
            event_type: or_dash(entry, NAMES.event_type),
            source: or_dash(entry, NAMES.source),
        })
        .filter(|row| event_type.as_ref().is_none_or(|t| &row.event_type == t))
        .collect();
    render(&EntriesPage {
        actions: state.security.actions(),
        full_stream: full,
        stream,
        limit,
        event_type: event_type.unwrap_or_default(),
        read: newest.len(),
        rows,
    })
}

/// Whether `id` is a stream entry id (`MS-SEQ`).
fn is_entry_id(id: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    id.split_once('-')
        .is_some_and(|(ms, seq)| digits(ms) && digits(seq))
}

/// `GET /redis/{stream}/{id}`: one entry.
pub(crate) async fn entry(
    State(state): State<Arc<AppState>>,
    Path((stream, id)): Path<(String, String)>,
) -> PageResult {
    if !is_entry_id(&id) {
        return Err(PageError::BadRequest(format!(
            "{id:?} is not a stream entry id (MILLISECONDS-SEQUENCE, e.g. 1700000000000-0)"
        )));
    }
    let (streams, settings) = connect(&state).await?;
    let full = settings.full_topic(&stream);
    let entry = state
        .bounded("reading the entry", streams.entry(&full, &id))
        .await
        .map_err(PageError::Upstream)?
        .ok_or_else(|| PageError::NotFound(format!("no entry {id} in the stream {full}")))?;
    let event_type = field(&entry, NAMES.event_type).unwrap_or_else(|| "-".into());
    let bytes = entry
        .fields
        .as_ref()
        .and_then(|f| f.iter().find(|(n, _)| n == EVENT_DATA))
        .and_then(|(_, v)| v.clone())
        .unwrap_or_default();
    let (data, data_error) = match registry::find(&event_type) {
        None => (
            serde_json::Value::Null,
            Some(format!(
                "{event_type} is not an event type of this build's catalog, and a Redis entry carries no schema"
            )),
        ),
        Some(descriptor) => match descriptor.decode(&bytes, None) {
            Ok(event) => (event.to_json(), None),
            Err(error) => (serde_json::Value::Null, Some(error.to_string())),
        },
    };
    let fields = entry
        .fields
        .iter()
        .flatten()
        .filter(|(name, _)| name != EVENT_DATA)
        .map(|(name, value)| {
            (
                name.clone(),
                value
                    .as_deref()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    render(&EntryPage {
        actions: state.security.actions(),
        stream,
        full_stream: full,
        id,
        event_type,
        fields,
        data: nodes(&data),
        data_error,
        data_hex: hex(&bytes),
    })
}
