//! The command-line grammar (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The Open edX event bus: events, schemas, producer configuration, producing and consuming.
#[derive(Debug, Parser)]
#[command(name = "eventbus", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The event types this build knows.
    #[command(subcommand)]
    Events(EventsCommand),
    /// The `.avsc` schema files.
    #[command(subcommand)]
    Schemas(SchemasCommand),
}

/// `eventbus events ...`
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List event types with their minor version and default key field.
    List {
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show an event type: description, fields, schema and an example payload.
    Show {
        /// The event type, e.g. org.openedx.learning.course.enrollment.created.v1.
        event_type: String,
    },
}

/// `eventbus schemas ...`
#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Write the `.avsc` of every serializable event.
    Generate(SchemasDir),
    /// Compare the `.avsc` files with the events: exit 1 on a missing, outdated or breaking schema.
    Check(SchemasDir),
}

/// The folder of `.avsc` files.
#[derive(Debug, Args)]
pub struct SchemasDir {
    /// The folder (default: the workspace's `schemas/`).
    #[arg(long = "dir", alias = "out", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
