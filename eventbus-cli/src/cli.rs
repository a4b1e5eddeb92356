//! The command-line grammar (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The Open edX event bus: events, schemas, producer configuration, producing and consuming.
#[derive(Debug, Parser)]
#[command(name = "eventbus", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Which logs to show on standard error: a level (error, warn, info, debug, trace) or a
    /// filter such as `info,librdkafka=warn` (default: RUST_LOG, else EVENTBUS_LOG, else warn).
    #[arg(long, global = true, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// How logs are written: text (coloured only when standard error is a terminal) or json
    /// (one JSON object per line).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// JSON lines.
    Json,
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
    /// The producer configuration (`EVENT_BUS_PRODUCER_CONFIG`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Produce one event to a topic (like edx-event-bus-kafka's and -redis' `produce_event`).
    Produce(ProduceArgs),
    /// Consume a topic and print each event as a JSON line (like `consume_events`).
    ///
    /// Where it starts: a new consumer group starts at the END of the topic, as Python's
    /// consumer does, so it prints only events produced after it joined (and nothing until
    /// then). To read what the topic already holds, give a time before it: --offset-time
    /// 2020-01-01T00:00:00Z (Kafka), or --extra '{"check_backlog": true}' (Redis). An existing
    /// group resumes after its last committed event.
    Consume(ConsumeArgs),
    /// The transactional outbox (openedx-events ADR 15): create its tables, relay its rows to the
    /// bus, show its backlog, purge published rows. The database is --url or EVENT_BUS_OUTBOX_URL.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// The main job: produce catalog events by configuration and consume them back into
    /// receivers. With no EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS it runs on an embedded default (a mock
    /// Kafka cluster and an in-memory schema registry, in this process).
    Demo(DemoArgs),
    /// Run several consumers (Kafka and/or Redis) in one process from a configuration file,
    /// printing each event as a JSON line as `consume` does. SIGTERM or Ctrl-C: every consumer
    /// finishes the event in hand, commits and leaves its group; exit 0. Exit 3 names the
    /// consumer that failed (the others are stopped gracefully).
    Worker(WorkerArgs),
}

/// `eventbus worker ...`
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The configuration file (TOML, YAML or JSON): `metrics = "127.0.0.1:9100"` and one
    /// `[[consumers]]` entry per consumer (`transport` kafka|redis, `topic`, `group`, options).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Serve /metrics (Prometheus), /livez and /readyz on this address (overrides the file's).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
}

/// `eventbus config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a producer configuration: every problem, each naming its event type and topic.
    /// Exit 1 when there are problems.
    Check {
        /// Configuration files (TOML, YAML or JSON), merged in order (later ones win per topic).
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Merge EVENT_BUS_PRODUCER_CONFIG (JSON) last, as a service does at start-up.
        #[arg(long)]
        env: bool,
        /// Print the merged configuration as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// Kafka and a schema registry (`EVENT_BUS_KAFKA_*`), as edx-event-bus-kafka.
    Kafka,
    /// Redis streams (`EVENT_BUS_REDIS_*`), as edx-event-bus-redis.
    Redis,
}

/// `eventbus produce ...`
#[derive(Debug, Args)]
pub struct ProduceArgs {
    /// The transport (default: redis when EVENT_BUS_PRODUCER names edx_event_bus_redis, else
    /// kafka).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The event type, e.g. org.openedx.learning.course.enrollment.created.v1.
    #[arg(long)]
    pub event_type: String,
    /// The topic, without EVENT_BUS_TOPIC_PREFIX.
    #[arg(long)]
    pub topic: String,
    /// The dotted path of the key field (default: the event's default key field).
    #[arg(long, value_name = "a.b")]
    pub key_field: Option<String>,
    /// The event data as JSON (the `to_dict` form: the event's fields at the top level), or
    /// `@FILE` to read it from a file, or `-` for standard input.
    #[arg(long, value_name = "JSON")]
    pub data: String,
}

/// `eventbus consume ...`
#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// The transport (default: redis when EVENT_BUS_CONSUMER names edx_event_bus_redis, else
    /// kafka).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The topic, without EVENT_BUS_TOPIC_PREFIX.
    #[arg(long)]
    pub topic: String,
    /// The consumer group id.
    #[arg(long)]
    pub group_id: String,
    /// Redis: this consumer's name in the group; its pending entries are its own, so keep it
    /// stable across restarts (default: the host name).
    #[arg(long)]
    pub consumer_name: Option<String>,
    /// Kafka: start the group from the first message at or after this time (ISO 8601, e.g.
    /// 2026-01-02T03:04:05Z), then keep consuming; a time in the past reads the topic from its
    /// beginning. Without it a new group starts at the end of the topic.
    #[arg(long, value_name = "ISO")]
    pub offset_time: Option<String>,
    /// Extra consumer options as a JSON object, as `consume_events --extra`: `max_messages`
    /// (integer); Kafka: `offset_time` (ISO string); Redis: `check_backlog` (bool: a new group
    /// starts at the beginning of the stream), `last_read_msg_id` (string: start after this
    /// entry), `claim_msgs_older_than` (milliseconds: take over other consumers' idle pending
    /// entries).
    #[arg(long, value_name = "JSON")]
    pub extra: Option<String>,
    /// Stop after this many events (default: run until SIGTERM or Ctrl-C).
    #[arg(long, value_name = "N")]
    pub max_messages: Option<u64>,
}

/// `eventbus outbox ...`
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Create the outbox tables and index when missing (safe to run again).
    Migrate(OutboxDb),
    /// Publish the outbox rows through the bus until SIGTERM or Ctrl-C (the batch in hand is
    /// finished and marked first). Tuned by EVENT_BUS_OUTBOX_RELAY_* (batch size, poll interval,
    /// lease, backoff, relay id); the transport by the Kafka or Redis settings.
    Relay(RelayArgs),
    /// Rows pending (with the oldest one's age and the failing ones, by topic) and published.
    Status {
        /// The outbox database.
        #[command(flatten)]
        db: OutboxDb,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete the rows published more than DURATION ago (e.g. 7d, 12h, 30m).
    Purge {
        /// The outbox database.
        #[command(flatten)]
        db: OutboxDb,
        /// Age of the published rows to delete.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        older_than: std::time::Duration,
    },
}

/// The outbox database.
#[derive(Debug, Args)]
pub struct OutboxDb {
    /// The database URL: sqlite://FILE, mysql://USER:PASSWORD@HOST/DB, postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        env = "EVENT_BUS_OUTBOX_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub url: String,
}

/// `eventbus outbox relay ...`
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The outbox database.
    #[command(flatten)]
    pub db: OutboxDb,
    /// The transport (default: redis when EVENT_BUS_PRODUCER names edx_event_bus_redis, else
    /// kafka).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Stop after a pass that finds nothing to publish: no pending row left, or only rows this
    /// program cannot read (default: run until SIGTERM or Ctrl-C).
    #[arg(long)]
    pub until_empty: bool,
}

/// `eventbus demo ...`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Producer configuration files (default: a built-in configuration of three event types,
    /// one of its topics disabled). EVENT_BUS_PRODUCER_CONFIG is merged last when set.
    #[arg(long = "config", value_name = "FILE")]
    pub config: Vec<PathBuf>,
    /// How many events of each configured event type to send.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub events: u32,
    /// Give up when the consumers have not read every event back after this many seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
    /// Print each event received as a JSON line.
    #[arg(long)]
    pub verbose: bool,
    /// The outbox database of the topics in `outbox` mode (default: a SQLite file of the run in
    /// the temporary folder, deleted at the end). Every event is sent in a transaction of it.
    #[arg(
        long,
        env = "EVENT_BUS_OUTBOX_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub outbox: Option<String>,
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
