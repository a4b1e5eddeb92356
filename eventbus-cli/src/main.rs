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

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if let Err(error) = init_logs(cli.log_level.as_deref(), cli.log_format) {
        stdout::noteln!("error: {error}");
        return ExitCode::from(2);
    }
    openedx_events::link();
    match commands::run(cli) {
        Ok(code) => code,
        Err(commands::CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(error) => {
            stdout::noteln!("error: {error}");
            error.exit_code()
        }
    }
}

/// Logs on standard error: the filter `--log-level`, else `RUST_LOG`, else `EVENTBUS_LOG`, else
/// `warn`; text (coloured only on a terminal) or JSON lines.
fn init_logs(level: Option<&str>, format: cli::LogFormat) -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let filter = match level {
        Some(filter) => EnvFilter::try_new(filter)
            .map_err(|e| format!("--log-level `{filter}` is not a log filter: {e}"))?,
        None => EnvFilter::try_from_env("RUST_LOG")
            .or_else(|_| EnvFilter::try_from_env("EVENTBUS_LOG"))
            .unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        cli::LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        cli::LogFormat::Json => builder.json().init(),
    }
    Ok(())
}
