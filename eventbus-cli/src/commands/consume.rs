//! `eventbus consume`: read a topic as a member of a consumer group and print each event as a
//! JSON line on standard output, as edx-event-bus-kafka's `consume_events` (which sends them to
//! the receivers of a Django process instead).

use super::bus::{block_on, event_line, settings_from_env, Connected};
use super::CliError;
use crate::cli::ConsumeArgs;
use eventbus_runtime::avro::parse_isoformat;
use eventbus_runtime::kafka::{cancel_on_signal, CancellationToken, KafkaConsumer};
use eventbus_runtime::registry::AnyReceiver;
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The options `--extra` may hold.
#[derive(Debug, Default, PartialEq)]
struct Extra {
    offset_time: Option<String>,
    max_messages: Option<u64>,
}

fn parse_extra(text: &str) -> Result<Extra, CliError> {
    let usage = |m: String| CliError::Usage(format!("--extra: {m}"));
    let value: Value = serde_json::from_str(text).map_err(|e| usage(format!("not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(usage("expected a JSON object".into()));
    };
    let mut extra = Extra::default();
    for (key, value) in map {
        match key.as_str() {
            "offset_time" => {
                let time = value.as_str().ok_or_else(|| {
                    usage(format!(
                        "offset_time must be an ISO 8601 string, not {value}"
                    ))
                })?;
                extra.offset_time = Some(time.to_owned());
            }
            "max_messages" => {
                let n = value.as_u64().ok_or_else(|| {
                    usage(format!(
                        "max_messages must be a non-negative integer, not {value}"
                    ))
                })?;
                extra.max_messages = Some(n);
            }
            other => {
                return Err(usage(format!(
                    "unknown option `{other}` (known: offset_time, max_messages)"
                )))
            }
        }
    }
    Ok(extra)
}

pub fn run(args: ConsumeArgs) -> Result<ExitCode, CliError> {
    let extra = args
        .extra
        .as_deref()
        .map(parse_extra)
        .transpose()?
        .unwrap_or_default();
    let offset_time = args
        .offset_time
        .or(extra.offset_time)
        .map(|t| {
            parse_isoformat(&t)
                .map_err(|e| CliError::Usage(format!("offset time `{t}` is not ISO 8601: {e}")))
        })
        .transpose()?;
    let max_messages = args.max_messages.or(extra.max_messages);
    let settings = settings_from_env()?;
    let shutdown = CancellationToken::new();
    let seen = Arc::new(AtomicU64::new(0));
    let receiver: AnyReceiver = {
        let (shutdown, seen) = (shutdown.clone(), seen.clone());
        Arc::new(move |event, metadata, _from_bus| {
            let line = event_line(event.as_ref(), &metadata).to_string();
            let count = seen.fetch_add(1, Ordering::SeqCst) + 1;
            if max_messages.is_some_and(|max| count >= max) {
                shutdown.cancel();
            }
            Box::pin(async move {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}").and_then(|()| out.flush())?;
                Ok(())
            })
        })
    };
    let _connected = Connected::everywhere("eventbus consume", receiver);
    let result = block_on(async {
        // The consumer needs the async runtime to be created.
        let mut consumer = KafkaConsumer::new(&settings, &args.topic, &args.group_id)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        if let Some(time) = offset_time {
            consumer = consumer.offset_time(time);
        }
        eprintln!(
            "consuming {} as group {} (Ctrl-C to stop)",
            consumer.full_topic(),
            args.group_id
        );
        if max_messages == Some(0) {
            return Ok(Ok(Default::default()));
        }
        let watcher = tokio::spawn(cancel_on_signal(shutdown.clone()));
        let result = consumer.consume(shutdown).await;
        watcher.abort();
        Ok(result)
    })??;
    let summary = result.map_err(|e| CliError::Bus(e.to_string()))?;
    eprintln!(
        "{} event(s) processed, {} dead-lettered",
        summary.processed, summary.dead_lettered
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_options() {
        assert_eq!(
            parse_extra(r#"{"offset_time": "2026-01-02T03:04:05Z", "max_messages": 3}"#).unwrap(),
            Extra {
                offset_time: Some("2026-01-02T03:04:05Z".into()),
                max_messages: Some(3)
            }
        );
        for (text, message) in [
            ("[1]", "expected a JSON object"),
            ("{", "not JSON"),
            (
                r#"{"check_backlog": true}"#,
                "unknown option `check_backlog`",
            ),
            (
                r#"{"offset_time": 5}"#,
                "offset_time must be an ISO 8601 string",
            ),
            (
                r#"{"max_messages": -1}"#,
                "max_messages must be a non-negative integer",
            ),
        ] {
            let err = parse_extra(text).unwrap_err();
            assert!(matches!(err, CliError::Usage(_)), "{err}");
            assert!(err.to_string().contains(message), "{text}: {err}");
        }
    }
}
