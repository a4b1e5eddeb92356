//! Dead letters of a Kafka topic: the list (error kind, failed receivers, attempts, source
//! position), filtered by range, event type and error kind; a confirmation page of the letters
//! selected; their redrive (with actions on, the token and the CSRF token), through the
//! runtime's [`Redriver`], as `eventbus dead-letters redrive`.

use super::input::{given, number};
use super::redis::{connect, prefix_streams};
use super::{render, PageResult};
use crate::error::PageError;
use crate::security::CSRF_FIELD;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::Form;
use eventbus_runtime::consume::{DLQ_ATTEMPTS, DLQ_FAILED_RECEIVERS};
use eventbus_runtime::kafka::dead_letter::{
    ERROR, ERROR_KIND, FAILED_AT, SOURCE_OFFSET, SOURCE_PARTITION, SOURCE_TOPIC,
};
use eventbus_runtime::kafka::headers::EVENT_TYPE;
use eventbus_runtime::kafka::{
    DeadLetterReader, DeadLettersError, KafkaAdmin, LetterSelection, ReadRange, Redriver,
    StoredMessage,
};
use std::sync::Arc;

/// At most this many dead letters are listed.
const MAX_LETTERS: usize = 500;
/// At most this many dead letters are redriven at once.
const MAX_REDRIVE: usize = 100;

/// One dead letter's row.
struct LetterRow {
    position: String,
    event_type: String,
    error_kind: String,
    failed_receivers: String,
    attempts: String,
    source: String,
    failed_at: String,
    error: String,
}

impl LetterRow {
    fn of(letter: &StoredMessage) -> Self {
        let or_dash = |name: &str| letter.header(name).unwrap_or_else(|| "-".into());
        LetterRow {
            position: format!("{}/{}", letter.partition, letter.offset),
            event_type: or_dash(EVENT_TYPE),
            error_kind: or_dash(ERROR_KIND),
            failed_receivers: or_dash(DLQ_FAILED_RECEIVERS),
            attempts: or_dash(DLQ_ATTEMPTS),
            source: format!(
                "{}/{}@{}",
                or_dash(SOURCE_TOPIC),
                or_dash(SOURCE_PARTITION),
                or_dash(SOURCE_OFFSET)
            ),
            failed_at: or_dash(FAILED_AT),
            error: or_dash(ERROR),
        }
    }
}

#[derive(Template)]
#[template(path = "dead_letter_topics.html")]
struct TopicsPage {
    actions: bool,
    topics: Vec<String>,
    /// Whether Redis is configured.
    redis: bool,
    /// The Redis streams with a dead-letter stream, or why they could not be listed.
    redis_topics: Result<Vec<String>, String>,
}

#[derive(Template)]
#[template(path = "dead_letters.html")]
struct ListPage {
    actions: bool,
    topic: String,
    dead_letter_topic: String,
    event_type: String,
    error_kind: String,
    partition: String,
    from_offset: String,
    to_offset: String,
    rows: Vec<LetterRow>,
    truncated: bool,
    other_sources: usize,
}

#[derive(Template)]
#[template(path = "dead_letters_confirm.html")]
struct ConfirmPage {
    actions: bool,
    topic: String,
    source_topic: String,
    rows: Vec<LetterRow>,
    csrf_field: &'static str,
    csrf: String,
}

/// The outcome of a redrive (Kafka or Redis): each letter's result, and the way back to the list.
#[derive(Template)]
#[template(path = "dead_letters_redriven.html")]
pub(crate) struct RedrivenPage {
    pub(crate) actions: bool,
    pub(crate) topic: String,
    pub(crate) source_topic: String,
    /// (dead letter, where it went or why not, whether it was redriven).
    pub(crate) results: Vec<(String, String, bool)>,
    pub(crate) redriven: usize,
    /// The list of the dead letters.
    pub(crate) back: String,
}

/// The query of the list: a range of the dead-letter topic and header filters.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListQuery {
    partition: Option<String>,
    from_offset: Option<String>,
    to_offset: Option<String>,
    event_type: Option<String>,
    error_kind: Option<String>,
}

fn reader_error(error: DeadLettersError) -> PageError {
    match error {
        DeadLettersError::NoTopic { .. } | DeadLettersError::NoPartition { .. } => {
            PageError::NotFound(error.to_string())
        }
        DeadLettersError::Kafka(error) => PageError::Upstream(error.to_string()),
    }
}

/// Read the dead letters `selection` picks, at most `max`; whether there were more, and how many
/// of other sources were passed over.
async fn read(
    state: &AppState,
    topic: &str,
    selection: LetterSelection,
    max: usize,
) -> Result<(Vec<StoredMessage>, bool, usize), PageError> {
    let kafka = &state.config.kafka;
    let reading = async {
        let mut reader = DeadLetterReader::open(kafka, topic, selection)
            .await
            .map_err(reader_error)?;
        let mut letters = Vec::new();
        while let Some(letter) = reader
            .next()
            .await
            .map_err(|e| PageError::Upstream(e.to_string()))?
        {
            if letters.len() == max {
                return Ok((letters, true, reader.other_sources()));
            }
            letters.push(letter);
        }
        Ok((letters, false, reader.other_sources()))
    };
    match tokio::time::timeout(state.config.timeout, reading).await {
        Ok(result) => result,
        Err(_) => Err(PageError::Upstream(format!(
            "reading the dead letters: no answer within {} s",
            state.config.timeout.as_secs()
        ))),
    }
}

/// The Redis streams of the prefix that have a dead-letter stream (`STREAM-dead-letter`).
async fn redis_topics(state: &AppState) -> Result<Vec<String>, String> {
    let (streams, settings) = connect(state).await.map_err(|e| e.to_string())?;
    Ok(prefix_streams(state, &streams, settings)
        .await?
        .into_iter()
        .filter_map(|(name, _)| name.strip_suffix("-dead-letter").map(str::to_owned))
        .collect())
}

/// `GET /dead-letters`: the dead-letter topics of the prefix, by source topic, and the Redis
/// streams with a dead-letter stream.
pub(crate) async fn topics(State(state): State<Arc<AppState>>) -> PageResult {
    let kafka = &state.config.kafka;
    let admin = KafkaAdmin::new(kafka).map_err(|e| PageError::Upstream(e.to_string()))?;
    let topics = state
        .prefix_topics(&admin)
        .await
        .map_err(PageError::Upstream)?
        .iter()
        .filter_map(|t| {
            state
                .short_name(&t.name)
                .strip_suffix("-dead-letter")
                .map(str::to_owned)
        })
        .collect();
    let redis = state.config.redis.is_some();
    let redis_topics = if redis {
        redis_topics(&state).await
    } else {
        Ok(Vec::new())
    };
    render(&TopicsPage {
        actions: state.security.actions(),
        topics,
        redis,
        redis_topics,
    })
}

/// `GET /dead-letters/{topic}`.
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let partition = number("partition", &query.partition)?
        .map(|p| {
            i32::try_from(p)
                .map_err(|_| PageError::BadRequest(format!("partition {p} is too large")))
        })
        .transpose()?;
    let selection = LetterSelection {
        range: ReadRange {
            partition,
            from_offset: number("from offset", &query.from_offset)?,
            to_offset: number("to offset", &query.to_offset)?,
        },
        event_type: given(&query.event_type).map(str::to_owned),
        error_kind: given(&query.error_kind).map(str::to_owned),
    };
    let (letters, truncated, other_sources) =
        read(&state, &topic, selection.clone(), MAX_LETTERS).await?;
    let kafka = &state.config.kafka;
    render(&ListPage {
        actions: state.security.actions(),
        dead_letter_topic: kafka.full_topic(&kafka.dead_letter_topic(&topic)),
        topic,
        event_type: selection.event_type.unwrap_or_default(),
        error_kind: selection.error_kind.unwrap_or_default(),
        partition: partition.map(|p| p.to_string()).unwrap_or_default(),
        from_offset: selection
            .range
            .from_offset
            .map(|o| o.to_string())
            .unwrap_or_default(),
        to_offset: selection
            .range
            .to_offset
            .map(|o| o.to_string())
            .unwrap_or_default(),
        rows: letters.iter().map(LetterRow::of).collect(),
        truncated,
        other_sources,
    })
}

/// The `letter` fields of a redrive form, each read by `parse` (`None`: not `what`), or a 400;
/// at least one and at most [`MAX_REDRIVE`] (the Kafka and Redis pages share it).
pub(crate) fn selected_letters<T>(
    fields: &[(String, String)],
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, PageError> {
    let selected: Vec<T> = fields
        .iter()
        .filter(|(name, _)| name == "letter")
        .map(|(_, value)| {
            parse(value)
                .ok_or_else(|| PageError::BadRequest(format!("letter {value:?} is not {what}")))
        })
        .collect::<Result<_, _>>()?;
    if selected.is_empty() {
        return Err(PageError::BadRequest(
            "no dead letter selected: tick the letters to redrive".into(),
        ));
    }
    if selected.len() > MAX_REDRIVE {
        return Err(PageError::BadRequest(format!(
            "{} dead letters selected: at most {MAX_REDRIVE} at once",
            selected.len()
        )));
    }
    Ok(selected)
}

/// The positions (`partition/offset`) of the `letter` fields, or a 400.
fn positions(fields: &[(String, String)]) -> Result<Vec<(i32, i64)>, PageError> {
    selected_letters(
        fields,
        "a position PARTITION/OFFSET of the dead-letter topic",
        |value| {
            value
                .split_once('/')
                .and_then(|(p, o)| Some((p.parse::<i32>().ok()?, o.parse::<i64>().ok()?)))
                .filter(|(p, o)| *p >= 0 && *o >= 0)
        },
    )
}

/// The dead letters at `positions`, each read at its position; a 404 for one that is not there.
async fn letters_at(
    state: &AppState,
    topic: &str,
    positions: &[(i32, i64)],
) -> Result<Vec<StoredMessage>, PageError> {
    let mut letters = Vec::new();
    for &(partition, offset) in positions {
        let selection = LetterSelection {
            range: ReadRange {
                partition: Some(partition),
                from_offset: Some(offset),
                to_offset: Some(offset),
            },
            ..LetterSelection::default()
        };
        let (found, _, _) = read(state, topic, selection, 1).await?;
        let letter = found
            .into_iter()
            .find(|l| l.offset == offset)
            .ok_or_else(|| {
                PageError::NotFound(format!("no dead letter of {topic} at {partition}/{offset}"))
            })?;
        letters.push(letter);
    }
    Ok(letters)
}

/// `GET /dead-letters/{topic}/confirm?letter=P/O...`: the letters to redrive and the form.
pub(crate) async fn confirm(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Query(fields): Query<Vec<(String, String)>>,
) -> PageResult {
    let positions = positions(&fields)?;
    let letters = letters_at(&state, &topic, &positions).await?;
    render(&ConfirmPage {
        actions: state.security.actions(),
        source_topic: state.config.kafka.full_topic(&topic),
        topic,
        rows: letters.iter().map(LetterRow::of).collect(),
        csrf_field: CSRF_FIELD,
        csrf: state.security.csrf_token().to_owned(),
    })
}

/// `POST /dead-letters/{topic}/redrive` (`csrf`, `letter=P/O`...): redrive the letters.
pub(crate) async fn redrive(
    State(state): State<Arc<AppState>>,
    Path(topic): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    if let Err(refused) = state.security.check_form(&fields) {
        tracing::warn!(topic, "dead-letter redrive refused: {refused}");
        return Err(refused);
    }
    let positions = positions(&fields)?;
    let letters = letters_at(&state, &topic, &positions).await?;
    let redriver = Redriver::new(&state.config.kafka, &topic)
        .map_err(|e| PageError::Upstream(e.to_string()))?;
    let mut results = Vec::new();
    for letter in &letters {
        let sent = state
            .bounded(
                "redriving a dead letter",
                redriver.redrive(
                    letter.key.as_deref(),
                    letter.value.as_deref(),
                    &letter.headers,
                ),
            )
            .await;
        let position = format!("{}/{}", letter.partition, letter.offset);
        results.push(match sent {
            Ok(delivery) => (
                position,
                format!("{}/{}", delivery.topic, delivery.position),
                true,
            ),
            Err(error) => (position, error, false),
        });
    }
    let redriven = results.iter().filter(|(_, _, ok)| *ok).count();
    tracing::info!(
        topic,
        redriven,
        selected = results.len(),
        "dead letters redriven from the console"
    );
    render(&RedrivenPage {
        actions: state.security.actions(),
        source_topic: redriver.source_topic().to_owned(),
        back: format!("/dead-letters/{topic}"),
        topic,
        results,
        redriven,
    })
}
