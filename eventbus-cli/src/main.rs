//! `eventbus`: the command line of the Open edX event bus in Rust.
//!
//! Exit codes: 0 success; 1 a check found problems (schemas, configuration) or an event was
//! refused; 2 bad usage (unknown command, missing or invalid argument, invalid setting); 3 the bus
//! failed (broker or registry unreachable, delivery failed). A closed standard output (`| head`)
//! ends any command quietly with 0; `consume` then stops without committing what it did not print.

mod cli;
mod commands;
mod stdout;

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

/// jemalloc for the Rust side and, as it replaces `malloc`, for librdkafka: glibc's per-thread
/// arenas made the consumer thread wait on the lock of the arena of librdkafka's broker thread
/// when freeing each message (see `tests/benches/kafka_throughput.rs`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let otlp = match init_logs(cli.log_level.as_deref(), cli.log_format) {
        Ok(otlp) => otlp,
        Err(error) => {
            stdout::noteln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    openedx_events::link();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(commands::CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(error) => {
            stdout::noteln!("error: {error}");
            error.exit_code()
        }
    };
    flush(otlp);
    code
}

/// Logs on standard error: the filter `--log-level`, else `RUST_LOG`, else `EVENTBUS_LOG`, else
/// `warn`; text (coloured only on a terminal) or JSON lines. With the `otlp` feature and
/// `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are also exported (the pipeline is returned, to be
/// flushed at exit).
fn init_logs(level: Option<&str>, format: cli::LogFormat) -> Result<Option<Otlp>, String> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::EnvFilter;
    let filter = match level {
        Some(filter) => EnvFilter::try_new(filter)
            .map_err(|e| format!("--log-level `{filter}` is not a log filter: {e}"))?,
        None => EnvFilter::try_from_env("RUST_LOG")
            .or_else(|_| EnvFilter::try_from_env("EVENTBUS_LOG"))
            .unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    let text = (format == cli::LogFormat::Text).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
    });
    let json = (format == cli::LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
    });
    let otlp = otlp_from_env()?;
    let registry = tracing_subscriber::registry().with(text).with(json);
    #[cfg(feature = "otlp")]
    let registry = registry.with(otlp.as_ref().map(|o| o.layer()));
    registry.with(filter).init();
    Ok(otlp)
}

#[cfg(feature = "otlp")]
type Otlp = eventbus_runtime::telemetry::otlp::Otlp;

/// Without the `otlp` feature there is no pipeline.
#[cfg(not(feature = "otlp"))]
#[derive(Debug)]
enum Otlp {}

#[cfg(feature = "otlp")]
fn otlp_from_env() -> Result<Option<Otlp>, String> {
    let service = std::env::var("EVENTS_SERVICE_NAME").unwrap_or_else(|_| "eventbus".into());
    Otlp::from_env(&service).map_err(|e| e.to_string())
}

#[cfg(not(feature = "otlp"))]
fn otlp_from_env() -> Result<Option<Otlp>, String> {
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
        tracing::debug!("OTEL_EXPORTER_OTLP_ENDPOINT is set but this build has no otlp feature");
    }
    Ok(None)
}

/// Send the buffered spans before exiting.
fn flush(otlp: Option<Otlp>) {
    #[cfg(feature = "otlp")]
    if let Some(Err(error)) = otlp.map(Otlp::shutdown) {
        stdout::noteln!("warning: {error}");
    }
    #[cfg(not(feature = "otlp"))]
    let _ = otlp;
}
