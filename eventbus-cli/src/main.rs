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
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EVENTBUS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    openedx_events::link();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(commands::CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(error) => {
            stdout::noteln!("error: {error}");
            error.exit_code()
        }
    }
}
