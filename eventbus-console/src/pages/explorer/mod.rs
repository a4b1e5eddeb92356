//! The explorer of a Kafka topic: the newest events (a bounded page per partition, never a scan),
//! decoded by event type, filtered by event type, key and time range (the brokers' timestamps);
//! the events from an offset, from a time (jump to a time: the brokers' offsets for it) or
//! before a time; shown or exported as JSON lines ([`export`]); an event's page ([`event`]).

mod event;
mod export;

pub(crate) use event::event;

use super::input::{given, number, time, Bound};
use super::{render, PageResult};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use eventbus_runtime::kafka::framing::display_key;
use eventbus_runtime::kafka::headers::{EVENT_TYPE, SOURCE, TIME};
use eventbus_runtime::kafka::{
    offsets_for_time, KafkaAdmin, ReadRange, StoredMessage, TopicInfo, TopicReader,
};
use export::{export_query, json_lines};
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
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// One event of the list.
pub(super) struct Row {
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
    from: String,
    to: String,
    read: usize,
    rows: Vec<Row>,
    summary: String,
    export: String,
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

/// Where the page starts reading each partition.
enum Start {
    /// The newest `limit` events of each partition.
    Newest,
    /// From an offset of one partition.
    Offset(i32, i64),
    /// From the first event at or after a time (ms), each partition (jump to a time).
    Time(i64),
    /// The newest `limit` events before a time (ms, excluded), each partition.
    Before(i64),
}

/// The ranges to read for `start`, at most `limit` events per partition (`only`: one partition).
async fn ranges(
    state: &AppState,
    info: &TopicInfo,
    start: &Start,
    only: Option<i32>,
    limit: i64,
) -> Result<Vec<ReadRange>, PageError> {
    let kafka = &state.config.kafka;
    let at_time = |time_ms: i64| async move {
        state
            .bounded(
                "looking up the offsets for the time",
                offsets_for_time(kafka, info, time_ms),
            )
            .await
            .map_err(PageError::Upstream)
    };
    let offsets = match start {
        Start::Offset(partition, offset) => {
            return Ok(vec![ReadRange {
                partition: Some(*partition),
                from_offset: Some(*offset),
                to_offset: Some(offset.saturating_add(limit - 1)),
            }])
        }
        Start::Time(time_ms) | Start::Before(time_ms) => Some(at_time(*time_ms).await?),
        Start::Newest => None,
    };
    let mut ranges = Vec::new();
    for p in &info.partitions {
        if only.is_some_and(|wanted| wanted != p.id) {
            continue;
        }
        let Some((low, high)) = p.watermarks else {
            continue;
        };
        let found = offsets.as_ref().and_then(|o| o.get(&p.id).copied());
        let (from, to) = match (start, found) {
            (Start::Time(_), Some(first)) => (first, first.saturating_add(limit - 1)),
            (Start::Before(_), Some(end)) => ((end - limit).max(low), end - 1),
            _ => ((high - limit).max(low), high - 1),
        };
        if from <= to {
            ranges.push(ReadRange {
                partition: Some(p.id),
                from_offset: Some(from),
                to_offset: Some(to),
            });
        }
    }
    Ok(ranges)
}

/// `GET /explorer/{topic}`: the newest events, those from an offset or a time, or before a
/// time, filtered by event type, key and time range.
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
    let from = time("from", &query.from, Bound::Start)?;
    let to = time("to", &query.to, Bound::End)?;
    if offset.is_some() && from.is_some() {
        return Err(PageError::BadRequest(
            "give either an offset or a from time to start at, not both".into(),
        ));
    }
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
    let start = match (offset, from, to) {
        (Some(offset), _, _) => {
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
            Start::Offset(partition, offset)
        }
        (None, Some(from), _) => Start::Time(from),
        (None, None, Some(to)) => Start::Before(to),
        (None, None, None) => Start::Newest,
    };
    let mut messages = Vec::new();
    for range in ranges(&state, &info, &start, partition, limit).await? {
        messages.extend(read(&state, &info, &range).await?);
    }
    let read_count = messages.len();
    let event_type = given(&query.event_type).map(str::to_owned);
    let key = given(&query.key).map(str::to_owned);
    let in_time = |m: &StoredMessage| {
        (from.is_none() && to.is_none())
            || m.timestamp_ms
                .is_some_and(|t| from.is_none_or(|from| t >= from) && to.is_none_or(|to| t < to))
    };
    let mut rows: Vec<(&StoredMessage, Row)> = messages
        .iter()
        .filter(|m| in_time(m))
        .map(|m| (m, row(m)))
        .filter(|(_, r)| event_type.as_ref().is_none_or(|t| &r.event_type == t))
        .filter(|(_, r)| key.as_ref().is_none_or(|k| &r.key == k))
        .collect();
    match start {
        // Oldest first from a time.
        Start::Time(_) => rows.sort_by_key(|(m, r)| (m.timestamp_ms, r.partition, r.offset)),
        Start::Offset(..) => {}
        // Newest first.
        Start::Newest | Start::Before(_) => rows.sort_by(|(ma, a), (mb, b)| {
            (mb.timestamp_ms, b.offset, b.partition).cmp(&(ma.timestamp_ms, a.offset, a.partition))
        }),
    }
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if given(&query.format) == Some("jsonl") {
        return json_lines(&state, &info.name, &rows).await;
    }
    let summary = match start {
        Start::Newest => format!("the newest {limit} per partition"),
        Start::Offset(p, o) => format!("from offset {o} of partition {p}"),
        Start::Time(_) => format!("the first {limit} per partition from {}", text(&query.from)),
        Start::Before(_) => format!("the newest {limit} per partition up to {}", text(&query.to)),
    };
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
        from: text(&query.from),
        to: text(&query.to),
        read: read_count,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        summary,
        export,
    })?
    .into_response())
}

/// A field as typed (trimmed), or empty.
fn text(field: &Option<String>) -> String {
    given(field).unwrap_or_default().to_owned()
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
