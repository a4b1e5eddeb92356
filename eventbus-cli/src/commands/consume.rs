//! `eventbus consume`: read a topic as a member of a consumer group and print each event as a
//! JSON line on standard output, as edx-event-bus-kafka's and edx-event-bus-redis'
//! `consume_events` (which send them to the receivers of a Django process instead).

use super::bus::{
    backend, block_on, event_line, redis_settings_from_env, settings_from_env, Connected,
};
use super::CliError;
use crate::cli::{Backend, ConsumeArgs};
use crate::stdout::{noteln, outln};
use chrono::{DateTime, Utc};
use eventbus_runtime::avro::parse_isoformat;
use eventbus_runtime::consume::{
    cancel_on_signal, CancellationToken, ConsumeSummary, StopConsuming,
};
use eventbus_runtime::kafka::KafkaConsumer;
use eventbus_runtime::redis::{RedisConsumer, StartFrom};
use eventbus_runtime::registry::AnyReceiver;
use serde_json::Value;
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
    let shutdown = CancellationToken::new();
    let printer = Printer::new(shutdown.clone(), max_messages);
    let receiver = printer.receiver.clone();
    let _connected = Connected::everywhere("eventbus consume", receiver);
    if max_messages == Some(0) {
        return Ok(ExitCode::SUCCESS);
    }
    let watched = async {
        let watcher = tokio::spawn(cancel_on_signal(shutdown.clone()));
        let result = match backend {
            Backend::Kafka => consume_kafka(&args, offset_time, shutdown).await,
            Backend::Redis => consume_redis(&args, &extra, shutdown).await,
        };
        watcher.abort();
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

/// The receiver that prints each event as a JSON line on standard output (`consume` and
/// `worker`). Once standard output cannot be written it cancels `shutdown` and stops the consumer
/// with the event in hand neither committed nor dead-lettered.
pub(super) struct Printer {
    /// The receiver, to connect to the signals.
    pub receiver: AnyReceiver,
    closed: Arc<Mutex<Option<CliError>>>,
}

impl Printer {
    /// A printer that cancels `shutdown` after `max_messages` events (if given).
    pub fn new(shutdown: CancellationToken, max_messages: Option<u64>) -> Self {
        let seen = Arc::new(AtomicU64::new(0));
        // Why standard output could not be written, once it could not.
        let closed: Arc<Mutex<Option<CliError>>> = Arc::default();
        let receiver: AnyReceiver = {
            let closed = closed.clone();
            Arc::new(move |event, metadata, _from_bus| {
                let line = event_line(event.as_ref(), &metadata).to_string();
                let (shutdown, seen, closed) = (shutdown.clone(), seen.clone(), closed.clone());
                Box::pin(async move {
                    if let Err(error) = outln!("{line}") {
                        let reason = error.to_string();
                        closed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(error);
                        shutdown.cancel();
                        return Err(StopConsuming::new(reason).into());
                    }
                    let count = seen.fetch_add(1, Ordering::SeqCst) + 1;
                    if max_messages.is_some_and(|max| count >= max) {
                        shutdown.cancel();
                    }
                    Ok(())
                })
            })
        };
        Printer { receiver, closed }
    }

    /// The error that closed standard output, if it was.
    pub fn closed(&self) -> Result<(), CliError> {
        match self.closed.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

async fn consume_kafka(
    args: &ConsumeArgs,
    offset_time: Option<DateTime<Utc>>,
    shutdown: CancellationToken,
) -> Result<ConsumeSummary, CliError> {
    let settings = settings_from_env()?;
    let mut consumer = KafkaConsumer::new(&settings, &args.topic, &args.group_id)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(time) = offset_time {
        consumer = consumer.offset_time(time);
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
    noteln!(
        "consuming {} as group {}, consumer {name} (Ctrl-C to stop)",
        consumer.full_topic(),
        args.group_id
    );
    consumer.consume(shutdown).await.map_err(CliError::bus)
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
