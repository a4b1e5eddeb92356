//! `eventbus consume`: read a topic as a member of a consumer group and print each event as a
//! JSON line on standard output, as edx-event-bus-kafka's and edx-event-bus-redis'
//! `consume_events` (which send them to the receivers of a Django process instead).

use super::bus::{
    backend, block_on, event_line, redis_settings_from_env, settings_from_env, Connected,
};
use super::CliError;
use crate::cli::{Backend, ConsumeArgs};
use crate::stdout::{noteln, outln};
use base64::prelude::{Engine, BASE64_STANDARD};
use chrono::{DateTime, Utc};
use eventbus_runtime::consume::{
    cancel_on_signal, CancellationToken, ConsumeSummary, MessageOrigin, StopConsuming,
    UnknownEvent, UnknownHandler,
};
use eventbus_runtime::kafka::KafkaConsumer;
use eventbus_runtime::redis::{RedisConsumer, StartFrom};
use eventbus_runtime::registry::AnyReceiver;
use eventbus_runtime::signal::ReceiverError;
use eventbus_runtime::telemetry::TelemetryServer;
use eventbus_runtime::time::parse_isoformat;
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The options `--extra` may hold.
#[derive(Debug, Default, PartialEq)]
struct Extra {
    offset_time: Option<String>,
    max_messages: Option<u64>,
    check_backlog: bool,
    last_read_msg_id: Option<String>,
    claim_msgs_older_than: Option<u64>,
}

impl Extra {
    /// The Redis-only options given, by name.
    fn redis_options(&self) -> Vec<&'static str> {
        [
            (self.check_backlog, "check_backlog"),
            (self.last_read_msg_id.is_some(), "last_read_msg_id"),
            (
                self.claim_msgs_older_than.is_some(),
                "claim_msgs_older_than",
            ),
        ]
        .into_iter()
        .filter_map(|(given, name)| given.then_some(name))
        .collect()
    }
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
            "check_backlog" => {
                extra.check_backlog = value.as_bool().ok_or_else(|| {
                    usage(format!("check_backlog must be true or false, not {value}"))
                })?;
            }
            "last_read_msg_id" => {
                let id = value.as_str().ok_or_else(|| {
                    usage(format!(
                        "last_read_msg_id must be a stream entry id string, not {value}"
                    ))
                })?;
                extra.last_read_msg_id = Some(id.to_owned());
            }
            "claim_msgs_older_than" => {
                let ms = value.as_u64().ok_or_else(|| {
                    usage(format!(
                        "claim_msgs_older_than must be a number of milliseconds, not {value}"
                    ))
                })?;
                extra.claim_msgs_older_than = Some(ms);
            }
            other => {
                return Err(usage(format!(
                    "unknown option `{other}` (known: offset_time, max_messages, check_backlog, \
                     last_read_msg_id, claim_msgs_older_than)"
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
        .as_ref()
        .or(extra.offset_time.as_ref())
        .map(|t| {
            parse_isoformat(t)
                .map_err(|e| CliError::Usage(format!("offset time `{t}` is not ISO 8601: {e}")))
        })
        .transpose()?;
    let max_messages = args.max_messages.or(extra.max_messages);
    let backend = backend(args.backend, "EVENT_BUS_CONSUMER");
    match backend {
        Backend::Kafka if !extra.redis_options().is_empty() => {
            return Err(CliError::Usage(format!(
                "{} only apply to the redis backend",
                extra.redis_options().join(", ")
            )))
        }
        Backend::Redis if offset_time.is_some() => {
            return Err(CliError::Usage(
                "offset_time only applies to the kafka backend (redis: last_read_msg_id)".into(),
            ))
        }
        _ => {}
    }
    if let Some(signal) = &args.signal {
        // Checked, then ignored: every event type is printed.
        super::events::find_signal(signal)?;
    }
    let shutdown = CancellationToken::new();
    let printer = Printer::new(shutdown.clone(), max_messages);
    let receiver = printer.receiver();
    let on_unknown = (!args.no_print_unknown).then(|| printer.unknown_handler());
    let _connected = Connected::everywhere("eventbus consume", receiver);
    if max_messages == Some(0) {
        return Ok(ExitCode::SUCCESS);
    }
    let watched = async {
        let server = match args.metrics {
            Some(addr) => {
                let server = TelemetryServer::start(addr).await.map_err(|e| {
                    CliError::Usage(format!("cannot serve the metrics on {addr}: {e}"))
                })?;
                noteln!(
                    "consume: /metrics, /livez and /readyz on http://{}",
                    server.local_addr()
                );
                Some(server)
            }
            None => None,
        };
        let watcher = tokio::spawn(cancel_on_signal(shutdown.clone()));
        let result = match backend {
            Backend::Kafka => consume_kafka(&args, offset_time, on_unknown, shutdown).await,
            Backend::Redis => consume_redis(&args, &extra, on_unknown, shutdown).await,
        };
        watcher.abort();
        if let Some(server) = server {
            server.stop().await;
        }
        result
    };
    let summary = block_on(watched)??;
    printer.closed()?;
    noteln!(
        "{} event(s) processed, {} dead-lettered",
        summary.processed,
        summary.dead_lettered
    );
    Ok(ExitCode::SUCCESS)
}

async fn consume_kafka(
    args: &ConsumeArgs,
    offset_time: Option<DateTime<Utc>>,
    on_unknown: Option<UnknownHandler>,
    shutdown: CancellationToken,
) -> Result<ConsumeSummary, CliError> {
    let settings = settings_from_env()?;
    let mut consumer = KafkaConsumer::new(&settings, &args.topic, &args.group_id)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(time) = offset_time {
        consumer = consumer.offset_time(time);
    }
    if let Some(handler) = on_unknown {
        consumer = consumer.on_unknown(handler);
    }
    noteln!(
        "consuming {} as group {} (Ctrl-C to stop)",
        consumer.full_topic(),
        args.group_id
    );
    consumer.consume(shutdown).await.map_err(CliError::bus)
}

async fn consume_redis(
    args: &ConsumeArgs,
    extra: &Extra,
    on_unknown: Option<UnknownHandler>,
    shutdown: CancellationToken,
) -> Result<ConsumeSummary, CliError> {
    let settings = redis_settings_from_env()?;
    let name = match &args.consumer_name {
        Some(name) => name.clone(),
        None => eventbus_runtime::metadata::host_name(),
    };
    let mut consumer = RedisConsumer::new(&settings, &args.topic, &args.group_id, &name)
        .await
        .map_err(CliError::bus)?
        .start_from(match (&extra.last_read_msg_id, extra.check_backlog) {
            (Some(id), _) => StartFrom::Id(id.clone()),
            (None, true) => StartFrom::Beginning,
            (None, false) => StartFrom::End,
        });
    if let Some(ms) = extra.claim_msgs_older_than {
        consumer = consumer.claim_pending_older_than(std::time::Duration::from_millis(ms));
    }
    if let Some(handler) = on_unknown {
        consumer = consumer.on_unknown(handler);
    }
    noteln!(
        "consuming {} as group {}, consumer {name} (Ctrl-C to stop)",
        consumer.full_topic(),
        args.group_id
    );
    consumer.consume(shutdown).await.map_err(CliError::bus)
}
/// Prints the event lines (`eventbus consume` and `eventbus worker`); once standard output
/// cannot be written, it records why and stops the consumer with the message in hand neither
/// committed nor dead-lettered.
#[derive(Clone)]
pub(super) struct Printer {
    shutdown: CancellationToken,
    seen: Arc<AtomicU64>,
    closed: Arc<Mutex<Option<CliError>>>,
    max_messages: Option<u64>,
}

impl Printer {
    /// A printer that cancels `shutdown` after `max_messages` events (if given).
    pub fn new(shutdown: CancellationToken, max_messages: Option<u64>) -> Self {
        Printer {
            shutdown,
            seen: Arc::default(),
            closed: Arc::default(),
            max_messages,
        }
    }

    /// The receiver that prints each event with where it was read from, to connect to the
    /// signals.
    pub fn receiver(&self) -> AnyReceiver {
        let printer = self.clone();
        Arc::new(move |event, metadata, _from_bus| {
            let mut line = event_line(event.as_ref(), &metadata);
            add_origin(&mut line, MessageOrigin::current());
            let printer = printer.clone();
            Box::pin(async move { printer.print(&line) })
        })
    }

    /// The handler that prints the events of types this build does not know.
    pub fn unknown_handler(&self) -> UnknownHandler {
        let printer = self.clone();
        Arc::new(move |event| {
            let line = unknown_line(&event);
            let printer = printer.clone();
            Box::pin(async move { printer.print(&line) })
        })
    }

    /// The error that closed standard output, if it was.
    pub fn closed(&self) -> Result<(), CliError> {
        match self.closed.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn print(&self, line: &Value) -> Result<(), ReceiverError> {
        if let Err(error) = outln!("{line}") {
            let reason = error.to_string();
            self.closed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(error);
            self.shutdown.cancel();
            return Err(StopConsuming::new(reason).into());
        }
        let count = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
        if self.max_messages.is_some_and(|max| count >= max) {
            self.shutdown.cancel();
        }
        Ok(())
    }
}

/// Where the event was read from, beside it in its line: Kafka `topic`, `partition`, `offset`
/// and `key` (decoded: a string or a number); Redis `stream` and `entry_id`.
fn add_origin(line: &mut Value, origin: Option<MessageOrigin>) {
    let Value::Object(line) = line else { return };
    match origin {
        Some(MessageOrigin::Kafka {
            topic,
            partition,
            offset,
            key,
            decoded_key,
        }) => {
            line.insert("topic".into(), json!(topic));
            line.insert("partition".into(), json!(partition));
            line.insert("offset".into(), json!(offset));
            // A key that cannot be decoded is shown as its bytes (Latin-1), not hidden.
            let key = decoded_key
                .or_else(|| key.map(|k| Value::String(k.iter().map(|&b| char::from(b)).collect())));
            line.insert("key".into(), key.unwrap_or(Value::Null));
        }
        Some(MessageOrigin::Redis { stream, entry_id }) => {
            line.insert("stream".into(), json!(stream));
            line.insert("entry_id".into(), json!(entry_id));
        }
        Some(_) | None => {}
    }
}

/// The line of an event of a type this build does not know: `"unknown": true`, its metadata,
/// its data decoded with the writer schema (Kafka), or in base64 with why not (Redis, or data
/// that does not decode), and where it was read from.
fn unknown_line(event: &UnknownEvent) -> Value {
    let mut line = json!({
        "event_type": event.event_type,
        "unknown": true,
        "metadata": event.metadata.to_json(),
    });
    match event.data_json() {
        Some(Ok(data)) => line["data"] = data,
        failed => {
            line["data"] = Value::Null;
            line["data_base64"] = json!(BASE64_STANDARD.encode(&event.data));
            line["data_error"] = json!(match failed {
                Some(Err(error)) => format!("cannot decode with the writer schema: {error}"),
                _ => "no writer schema: Redis entries carry the Avro data alone".to_owned(),
            });
        }
    }
    if let Some(writer) = &event.writer_schema {
        line["schema_id"] = json!(writer.id);
    }
    add_origin(&mut line, Some(event.origin.clone()));
    line
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
                max_messages: Some(3),
                ..Extra::default()
            }
        );
        let redis = parse_extra(
            r#"{"check_backlog": true, "last_read_msg_id": "1-0", "claim_msgs_older_than": 500}"#,
        )
        .unwrap();
        assert_eq!(
            redis.redis_options(),
            ["check_backlog", "last_read_msg_id", "claim_msgs_older_than"]
        );
        for (text, message) in [
            ("[1]", "expected a JSON object"),
            ("{", "not JSON"),
            (r#"{"from_start": true}"#, "unknown option `from_start`"),
            (
                r#"{"check_backlog": 1}"#,
                "check_backlog must be true or false",
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
