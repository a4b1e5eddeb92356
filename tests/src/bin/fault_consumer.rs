//! The consumer process of the fault tests (see `eventbus_tests::fault::ConsumerProcess`): the
//! runtime's Kafka or Redis consumer with one receiver, on the fault tests' event type, that
//! appends `{seq}\t{metadata id}` to OUTPUT before it returns (after waiting
//! `FAULT_CONSUMER_RECEIVER_WAIT_MS` milliseconds, if set), and when it ran to
//! `FAULT_CONSUMER_SPANS`, if set (see `eventbus_tests::fault::spans`). Runs until SIGTERM/SIGINT (then
//! finishes the event in hand, commits or acknowledges it, prints a summary and exits 0) or an
//! error (exit 3). A receiver that cannot write stops the consumer (`on_error = stop`).
//!
//! ```text
//! fault_consumer kafka TOPIC GROUP OUTPUT [LIBRDKAFKA_KEY=VALUE]...
//!     EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS, EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL,
//!     EVENT_BUS_KAFKA_CONSUMER_MAX_IN_FLIGHT (default 1), and the group settings
//!     (EVENT_BUS_KAFKA_CONSUMER_GROUP_PROTOCOL, _ASSIGNMENT_STRATEGY, _SESSION_TIMEOUT, ...)
//! fault_consumer redis STREAM GROUP OUTPUT CONSUMER_NAME
//!     EVENT_BUS_REDIS_CONNECTION_URL, EVENT_BUS_REDIS_CONSUMER_MAX_IN_FLIGHT (default 1),
//!     FAULT_CONSUMER_CLAIM_IDLE_MS (claim idle entries of the group; default: no claiming)
//! ```
//!
//! Logs (`tracing`, `RUST_LOG`, default `warn`) go to stderr.

use eventbus_runtime::kafka::KafkaConsumer;
use eventbus_runtime::redis::{RedisConsumer, StartFrom};
use eventbus_runtime::settings::{GroupMembership, KafkaSettings, OnError, RedisSettings};
use eventbus_runtime::OpenEdxEvent;
use eventbus_tests::fault::consumer::RECEIVER_WAIT_MS;
use eventbus_tests::fault::events::sequence;
use eventbus_tests::fault::processed::{Processed, ProcessedWriter};
use eventbus_tests::fault::spans::{now_us, Span, SpanWriter, SPANS_FILE};
use openedx_events::learning::SessionLoginCompleted;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "usage: fault_consumer kafka TOPIC GROUP OUTPUT [KEY=VALUE]... | \
                     fault_consumer redis STREAM GROUP OUTPUT CONSUMER_NAME";

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn env(name: &str) -> Result<String, Failure> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

/// A number from the environment, or `default`.
fn env_number(name: &str, default: u64) -> Result<u64, Failure> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|e| format!("{name}={value:?}: {e}").into()),
        Err(_) => Ok(default),
    }
}

/// Connect the receiver that records each event in `output`.
fn record_into(output: &Path) -> Result<(), Failure> {
    let writer = Arc::new(
        ProcessedWriter::open(output).map_err(|e| format!("opening {}: {e}", output.display()))?,
    );
    let spans = match std::env::var(SPANS_FILE) {
        Ok(path) => Some(Arc::new(
            SpanWriter::open(Path::new(&path)).map_err(|e| format!("opening {path}: {e}"))?,
        )),
        Err(_) => None,
    };
    let wait = Duration::from_millis(env_number(RECEIVER_WAIT_MS, 0)?);
    let pid = std::process::id();
    SessionLoginCompleted::signal().connect_async("fault-consumer", move |envelope| {
        let (writer, spans) = (writer.clone(), spans.clone());
        async move {
            let start_us = now_us();
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let seq = sequence(&envelope.data)?;
            if let Some(spans) = spans {
                spans.record(Span {
                    seq,
                    pid,
                    start_us,
                    end_us: now_us(),
                })?;
            }
            writer.record(Processed {
                seq,
                id: envelope.metadata.id,
            })?;
            Ok(())
        }
    });
    Ok(())
}

async fn run(args: &[String]) -> Result<String, Failure> {
    match args {
        [transport, topic, group, output, rest @ ..] if transport == "kafka" => {
            let max_in_flight =
                usize::try_from(env_number("EVENT_BUS_KAFKA_CONSUMER_MAX_IN_FLIGHT", 1)?)?;
            let membership = GroupMembership::from_lookup(|name| std::env::var(name).ok())?;
            let mut builder = KafkaSettings::builder(
                env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS")?,
                env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL")?,
            )
            .service_name("fault-consumer")
            .common(|c| {
                c.poll_timeout = Duration::from_millis(200);
                c.poll_failure_sleep = Duration::from_millis(200);
                c.audit_logging_enabled = false;
                c.on_error = OnError::Stop;
                c.max_in_flight = max_in_flight;
            })
            .group(|g| *g = membership)
            .client_option("auto.offset.reset", "earliest");
            for option in rest {
                let (key, value) = option
                    .split_once('=')
                    .ok_or_else(|| format!("{option:?} is not KEY=VALUE; {USAGE}"))?;
                builder = builder.client_option(key, value);
            }
            record_into(Path::new(output))?;
            let consumer = KafkaConsumer::new(&builder.build()?, topic, group)?;
            let summary = consumer.consume_until_signal().await?;
            Ok(format!("{summary:?}"))
        }
        [transport, stream, group, output, name] if transport == "redis" => {
            let max_in_flight =
                usize::try_from(env_number("EVENT_BUS_REDIS_CONSUMER_MAX_IN_FLIGHT", 1)?)?;
            let claim_idle = std::env::var("FAULT_CONSUMER_CLAIM_IDLE_MS")
                .ok()
                .map(|ms| ms.parse::<u64>().map(Duration::from_millis))
                .transpose()
                .map_err(|e| format!("FAULT_CONSUMER_CLAIM_IDLE_MS: {e}"))?;
            let settings = RedisSettings::builder(env("EVENT_BUS_REDIS_CONNECTION_URL")?)
                .service_name("fault-consumer")
                .common(|c| {
                    c.poll_timeout = Duration::from_millis(500);
                    c.poll_failure_sleep = Duration::from_millis(200);
                    c.audit_logging_enabled = false;
                    c.on_error = OnError::Stop;
                    c.max_in_flight = max_in_flight;
                })
                .build()?;
            record_into(Path::new(output))?;
            let mut consumer = RedisConsumer::new(&settings, stream, group, name)
                .await?
                .start_from(StartFrom::Beginning);
            if let Some(idle) = claim_idle {
                consumer = consumer.claim_pending_older_than(idle);
            }
            let summary = consumer.consume_until_signal().await?;
            Ok(format!("{summary:?}"))
        }
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    openedx_events::link();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fault_consumer: cannot start the runtime: {error}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(summary) => {
            println!("fault_consumer: stopped: {summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("fault_consumer: {error}");
            ExitCode::from(3)
        }
    }
}
