//! The dead letters of a Redis stream: the newest entries of its dead-letter stream (as the
//! runtime's Redis consumer writes them: the entry's fields, then `dlq_error`, `dlq_error_kind`,
//! `dlq_source_stream`, `dlq_source_id`, `dlq_consumer_group`, `dlq_failed_at` and the failure's
//! details), filtered by event type and error kind; a confirmation page of the letters selected;
//! their redrive (with actions on, the token and the CSRF token) through the runtime's
//! [`RedisRedriver`], as `eventbus dead-letters redrive --backend redis`, deleting each letter
//! once redriven when asked.

use super::dead_letters::{selected_letters, RedrivenPage};
use super::input::{given, number};
use super::redis::{connect, field, newest_entries};
use super::{render, PageResult};
use crate::error::PageError;
use crate::security::CSRF_FIELD;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::Form;
use eventbus_runtime::consume::{DLQ_ATTEMPTS, DLQ_FAILED_RECEIVERS};
use eventbus_runtime::redis::entry::{StreamEntry, NAMES};
use eventbus_runtime::redis::{
    RedisRedriver, RedisStreams, DLQ_CONSUMER_GROUP, DLQ_ERROR, DLQ_ERROR_KIND, DLQ_FAILED_AT,
    DLQ_SOURCE_ID, DLQ_SOURCE_STREAM,
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

#[derive(Template)]
#[template(path = "redis_dead_letters_confirm.html")]
struct ConfirmPage {
    actions: bool,
    topic: String,
    source_stream: String,
    dead_letter_stream: String,
    rows: Vec<LetterRow>,
    csrf_field: &'static str,
    csrf: String,
}

/// The entry ids of the `letter` fields (`<ms>-<seq>`), or a 400.
fn ids(fields: &[(String, String)]) -> Result<Vec<String>, PageError> {
    selected_letters(
        fields,
        "an entry id <ms>-<seq> of the dead-letter stream",
        |value| {
            let (ms, seq) = value.split_once('-')?;
            [ms, seq]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| value.to_owned())
        },
    )
}

/// The dead letters `ids` of `topic`'s dead-letter stream; a 404 for one that is not there.
async fn letters_at(
    state: &AppState,
    streams: &RedisStreams,
    redriver: &RedisRedriver,
    ids: &[String],
) -> Result<Vec<StreamEntry>, PageError> {
    let stream = redriver.dead_letter_stream();
    let mut letters = Vec::new();
    for id in ids {
        let letter = state
            .bounded("reading a dead letter", streams.entry(stream, id))
            .await
            .map_err(PageError::Upstream)?
            .ok_or_else(|| PageError::NotFound(format!("no dead letter {id} in {stream}")))?;
        letters.push(letter);
    }
    Ok(letters)
}

/// The redriver of `topic` and a connection.
async fn redriver(
    state: &AppState,
    topic: &str,
) -> Result<(RedisStreams, RedisRedriver), PageError> {
    let (streams, settings) = connect(state).await?;
    let redriver = RedisRedriver::new(streams.clone(), settings, topic);
    Ok((streams, redriver))
}

/// `GET /redis-dead-letters/{topic}/confirm?letter=ID...`: the letters to redrive and the form.
pub(crate) async fn confirm(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Query(fields): Query<Vec<(String, String)>>,
) -> PageResult {
    let ids = ids(&fields)?;
    let (streams, redriver) = redriver(&state, &topic).await?;
    let letters = letters_at(&state, &streams, &redriver, &ids).await?;
    render(&ConfirmPage {
        actions: state.security.actions(),
        source_stream: redriver.source_stream().to_owned(),
        dead_letter_stream: redriver.dead_letter_stream().to_owned(),
        topic,
        rows: letters.iter().map(LetterRow::of).collect(),
        csrf_field: CSRF_FIELD,
        csrf: state.security.csrf_token().to_owned(),
    })
}

/// `POST /redis-dead-letters/{topic}/redrive` (`csrf`, `letter=ID`..., `delete=1`): redrive the
/// letters, deleting each once redriven when asked.
pub(crate) async fn redrive(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    if let Err(refused) = state.security.check_form(&fields) {
        tracing::warn!(topic, "Redis dead-letter redrive refused: {refused}");
        return Err(refused);
    }
    let ids = ids(&fields)?;
    let delete = fields
        .iter()
        .any(|(name, value)| name == "delete" && value == "1");
    let (streams, redriver) = redriver(&state, &topic).await?;
    let letters = letters_at(&state, &streams, &redriver, &ids).await?;
    let mut results = Vec::new();
    for letter in &letters {
        let fields = letter.fields.as_deref().unwrap_or_default();
        let sent = state
            .bounded("redriving a dead letter", redriver.redrive(fields))
            .await;
        results.push(match sent {
            Ok(id) => {
                let mut result = format!("{}@{id}", redriver.source_stream());
                if delete {
                    match state
                        .bounded(
                            "deleting a redriven dead letter",
                            redriver.delete(&letter.id),
                        )
                        .await
                    {
                        Ok(_) => result.push_str("; deleted from the dead letters"),
                        Err(error) => result.push_str(&format!("; not deleted: {error}")),
                    }
                }
                (letter.id.clone(), result, true)
            }
            Err(error) => (letter.id.clone(), error, false),
        });
    }
    let redriven = results.iter().filter(|(_, _, ok)| *ok).count();
    tracing::info!(
        topic,
        redriven,
        selected = results.len(),
        delete,
        "Redis dead letters redriven from the console"
    );
    render(&RedrivenPage {
        actions: state.security.actions(),
        source_topic: redriver.source_stream().to_owned(),
        back: format!("/redis-dead-letters/{topic}"),
        topic,
        results,
        redriven,
    })
}
