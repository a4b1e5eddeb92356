//! The explorer's selection exported as JSON lines (`format=jsonl`).

use super::event::decode;
use super::{ExplorerQuery, Row};
use crate::error::PageError;
use crate::pages::input::given;
use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use eventbus_runtime::kafka::headers::ID;
use eventbus_runtime::kafka::StoredMessage;

/// The query of the page with `format=jsonl`, its fields percent-encoded.
pub(super) fn export_query(query: &ExplorerQuery) -> String {
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
        ("from", &query.from),
        ("to", &query.to),
    ] {
        if let Some(value) = given(value) {
            fields.push(format!("{name}={}", encode(value)));
        }
    }
    fields.join("&")
}

/// The selected events as JSON lines: position, metadata headers, key, schema id and the data
/// decoded with the writer schema (or why it could not be).
pub(super) async fn json_lines(
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
