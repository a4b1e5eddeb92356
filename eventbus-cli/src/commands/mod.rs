//! The commands, one module each.

mod bus;
mod config;
mod console;
mod consume;
mod data_errors;
mod dead_letters;
mod demo;
mod events;
mod json_text;
mod outbox;
mod produce;
mod python_literal;
mod schemas;
mod settings_file;
mod topics;
mod worker;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Why a command failed, and so its exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or settings (exit 2).
    Usage(String),
    /// Input refused or a check failed (exit 1).
    Refused(String),
    /// The bus failed (exit 3).
    Bus(String),
    /// Standard output was closed (a reader such as `head` went away): exit 0, quietly.
    StdoutClosed,
    /// Standard output could not be written for another reason (exit 1).
    Output(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::StdoutClosed => ExitCode::SUCCESS,
            CliError::Refused(_) | CliError::Output(_) => ExitCode::from(1),
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Bus(_) => ExitCode::from(3),
        }
    }
}

impl CliError {
    /// The bus failed (exit 3), for `map_err`.
    pub fn bus(error: impl std::fmt::Display) -> Self {
        CliError::Bus(error.to_string())
    }

    /// The error of a failed write to standard output.
    pub fn from_stdout(error: std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::StdoutClosed,
            _ => CliError::Output(error.to_string()),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Refused(m) | CliError::Bus(m) => f.write_str(m),
            CliError::StdoutClosed => f.write_str("standard output is closed"),
            CliError::Output(m) => write!(f, "cannot write to standard output: {m}"),
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Events(command) => events::run(command),
        Command::Schemas(command) => schemas::run(command),
        Command::Config(command) => config::run(command),
        Command::Produce(args) => produce::run(args),
        Command::Consume(args) => consume::run(args),
        Command::Topics(command) => topics::run(command),
        Command::DeadLetters(command) => dead_letters::run(command),
        Command::Outbox(command) => outbox::run(command),
        Command::Demo(args) => demo::run(args),
        Command::Worker(args) => worker::run(args),
        Command::Console(args) => console::run(args),
    }
}
