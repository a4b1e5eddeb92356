//! The dead letters of a Redis stream, read-only: the newest entries of its dead-letter stream
//! (as the runtime's Redis consumer writes them: the entry's fields, then `dlq_error`,
//! `dlq_error_kind`, `dlq_source_stream`, `dlq_source_id`, `dlq_consumer_group`,
//! `dlq_failed_at` and the failure's details), filtered by event type and error kind. The
//! runtime has no redrive of Redis dead letters (the command line's
//! `eventbus dead-letters redrive --backend redis` has its own), so the page has none.

use super::input::{given, number};
use super::redis::{connect, field, newest_entries};
use super::{render, PageResult};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use eventbus_runtime::consume::{DLQ_ATTEMPTS, DLQ_FAILED_RECEIVERS};
use eventbus_runtime::redis::entry::{StreamEntry, NAMES};
use eventbus_runtime::redis::{
    DLQ_CONSUMER_GROUP, DLQ_ERROR, DLQ_ERROR_KIND, DLQ_FAILED_AT, DLQ_SOURCE_ID, DLQ_SOURCE_STREAM,
};
use std::sync::Arc;

/// Letters shown when no limit is asked for.
const DEFAULT_LIMIT: i64 = 100;
/// At most this many letters are read.
const MAX_LIMIT: i64 = 500;

/// The query of the list.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListQuery {
    limit: Option<String>,
    event_type: Option<String>,
    error_kind: Option<String>,
}

/// One dead letter's row.
struct LetterRow {
    id: String,
    event_type: String,
    error_kind: String,
    failed_receivers: String,
    attempts: String,
    source: String,
    consumer_group: String,
    failed_at: String,
    error: String,
}

impl LetterRow {
    fn of(entry: &StreamEntry) -> Self {
        let or_dash = |name: &str| field(entry, name).unwrap_or_else(|| "-".into());
        LetterRow {
            id: entry.id.clone(),
            event_type: or_dash(NAMES.event_type),
            error_kind: or_dash(DLQ_ERROR_KIND),
            failed_receivers: or_dash(DLQ_FAILED_RECEIVERS),
            attempts: or_dash(DLQ_ATTEMPTS),
            source: format!("{}@{}", or_dash(DLQ_SOURCE_STREAM), or_dash(DLQ_SOURCE_ID)),
            consumer_group: or_dash(DLQ_CONSUMER_GROUP),
            failed_at: or_dash(DLQ_FAILED_AT),
            error: or_dash(DLQ_ERROR),
        }
    }
}

#[derive(Template)]
#[template(path = "redis_dead_letters.html")]
struct ListPage {
    actions: bool,
    topic: String,
    stream: String,
    full_stream: String,
    limit: i64,
    event_type: String,
    error_kind: String,
    read: usize,
    rows: Vec<LetterRow>,
}

/// `GET /redis-dead-letters/{topic}`: the newest dead letters of the topic's Redis stream.
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let limit = number("limit", &query.limit)?
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let (streams, settings) = connect(&state).await?;
    let stream = settings.dead_letter_stream(&topic);
    let full = settings.full_topic(&stream);
    let newest = newest_entries(&state, &streams, "the dead-letter stream", &full, limit).await?;
    let event_type = given(&query.event_type).map(str::to_owned);
    let error_kind = given(&query.error_kind).map(str::to_owned);
    let rows = newest
        .iter()
        .map(LetterRow::of)
        .filter(|r| event_type.as_ref().is_none_or(|t| &r.event_type == t))
        .filter(|r| error_kind.as_ref().is_none_or(|k| &r.error_kind == k))
        .collect();
    render(&ListPage {
        actions: state.security.actions(),
        topic,
        stream,
        full_stream: full,
        limit,
        event_type: event_type.unwrap_or_default(),
        error_kind: error_kind.unwrap_or_default(),
        read: newest.len(),
        rows,
    })
}
