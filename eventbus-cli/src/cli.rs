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
    /// Topics: create them (services run with topic auto-creation off), list them, describe
    /// one (Kafka; `list` and `describe` also show Redis streams with --backend redis).
    #[command(subcommand)]
    Topics(TopicsCommand),
    /// Dead letters: the messages a consumer could not process, in the dead-letter topic (Kafka)
    /// or stream (Redis) beside their source. List them, show one, redrive them to their source.
    #[command(subcommand)]
    DeadLetters(DeadLettersCommand),
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
    /// The operator console in the browser: connections' health, topics and consumer groups'
    /// lag, the event catalog, the outbox, and the events of a topic. Read-only unless
    /// --actions; listens on 127.0.0.1:8088 by default.
    Console(ConsoleArgs),
}

/// `eventbus console ...`
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Where to listen. Anything but loopback exposes the console to the network: actions then
    /// need a token (--token-env).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8088")]
    pub addr: std::net::SocketAddr,
    /// Allow actions (redriving dead letters); without it the console is read-only.
    #[arg(long)]
    pub actions: bool,
    /// The environment variable holding the token every request then needs (as a bearer token
    /// or the basic-auth password). Read from the environment so that it is not on the command
    /// line.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
}

/// `eventbus worker ...`
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The configuration file (TOML, YAML or JSON): `metrics = "127.0.0.1:9100"` and one
    /// `[[consumers]]` entry per consumer (`transport` kafka|redis, `topic`, `group`, options);
    /// optionally a `[relay]`, and a `[console]` (the operator console on the metrics address).
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
    /// With --env, also the connections' settings of the environment. Exit 1 when there are
    /// problems.
    Check {
        /// Configuration files (TOML, YAML or JSON), merged in order (later ones win per topic).
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Merge EVENT_BUS_PRODUCER_CONFIG (JSON) last, as a service does at start-up; and check
        /// the Kafka, registry and Redis settings of the environment (EVENT_BUS_KAFKA_*,
        /// EVENT_BUS_REDIS_*), printing the effective security of each connection with every
        /// secret masked.
        #[arg(long)]
        env: bool,
        /// Print the merged configuration as JSON.
        #[arg(long)]
        json: bool,
        /// Read the configuration out of settings files: the value of this setting (e.g.
        /// EVENT_BUS_PRODUCER_CONFIG) in a Django settings file (`.py`: its last top-level
        /// assignment, a Python literal, read without running Python) or a YAML or JSON mapping
        /// (Tutor), instead of files holding the configuration alone.
        #[arg(long, value_name = "NAME")]
        setting: Option<String>,
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
    #[arg(long, required_unless_present = "signal", conflicts_with = "signal")]
    pub event_type: Option<String>,
    /// The event by its Python signal, as `produce_event --signal` takes it, e.g.
    /// openedx_events.learning.signals.CERTIFICATE_CREATED (`eventbus events list` shows them).
    #[arg(long, value_name = "PYTHON_PATH")]
    pub signal: Option<String>,
    /// The topic, without EVENT_BUS_TOPIC_PREFIX.
    #[arg(long)]
    pub topic: String,
    /// The dotted path of the key field (default: the event's default key field).
    #[arg(long, value_name = "a.b")]
    pub key_field: Option<String>,
    /// The service the event comes from: its metadata's source is `openedx/NAME/web` (default:
    /// EVENTS_SERVICE_NAME, else SERVICE_VARIANT; with neither, `SERVICE_NAME_UNSET` as Python
    /// sends it, with a warning).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
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
    /// The topic, without EVENT_BUS_TOPIC_PREFIX (`-t`, as `consume_events`).
    #[arg(short = 't', long)]
    pub topic: String,
    /// The consumer group id (`-g` or `--group_id`, as `consume_events`).
    #[arg(short = 'g', long, visible_alias = "group_id")]
    pub group_id: String,
    /// Accepted for compatibility with older `consume_events` commands, which took the signal
    /// and ignored it (openedx-events 11.2.0's takes none): it must name a known signal, and
    /// events of every type are printed all the same.
    #[arg(long, value_name = "PYTHON_PATH")]
    pub signal: Option<String>,
    /// Print the events of types this build does not know, decoded with their writer schema from
    /// the registry (Kafka; Redis entries carry no schema: their data is printed in base64), and
    /// settle them as processed. On by default: this command inspects a topic.
    #[arg(long, overrides_with = "no_print_unknown")]
    pub print_unknown: bool,
    /// Fail the events of unknown types as a service's consumer does (dead-lettered, or the
    /// consumer stops, by EVENT_BUS_KAFKA_CONSUMER_ON_ERROR or EVENT_BUS_REDIS_CONSUMER_ON_ERROR).
    #[arg(long, overrides_with = "print_unknown")]
    pub no_print_unknown: bool,
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
    /// Serve /metrics (Prometheus), /livez and /readyz on this address while consuming (as
    /// `eventbus worker --metrics`).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
}

/// `eventbus topics ...`
#[derive(Debug, Subcommand)]
pub enum TopicsCommand {
    /// Create a Kafka topic, and by default its dead-letter topic beside it (the name the
    /// consumer uses: EVENT_BUS_KAFKA_DEAD_LETTER_TOPIC, else TOPIC-dead-letter, with
    /// EVENT_BUS_TOPIC_PREFIX). A topic that already exists is an error unless --if-not-exists.
    /// Kafka only: a Redis stream is created by its first entry.
    Create(TopicsCreateArgs),
    /// List the topics (with EVENT_BUS_TOPIC_PREFIX set, those with the prefix) and their
    /// partition counts, marking the dead-letter topics; Redis: the streams and their lengths.
    List {
        /// The transport (default: redis when EVENT_BUS_PRODUCER names edx_event_bus_redis,
        /// else kafka).
        #[arg(long, value_enum)]
        backend: Option<Backend>,
    },
    /// Delete a Kafka topic and every message in it, and by default its dead-letter topic.
    /// Refused without --yes; a topic that does not exist is an error unless --if-exists.
    /// Kafka only.
    Delete(TopicsDeleteArgs),
    /// Describe a topic: each partition's leader, replicas, in-sync replicas and low/high
    /// watermarks (messages), and its dead-letter topic if it exists; Redis: the stream's
    /// length, first and last ids and consumer groups.
    Describe {
        /// The transport (default: redis when EVENT_BUS_PRODUCER names edx_event_bus_redis,
        /// else kafka).
        #[arg(long, value_enum)]
        backend: Option<Backend>,
        /// The topic, without EVENT_BUS_TOPIC_PREFIX.
        topic: String,
    },
}

/// `eventbus topics delete ...`
#[derive(Debug, Args)]
pub struct TopicsDeleteArgs {
    /// The transport: kafka (redis is refused).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The topic, without EVENT_BUS_TOPIC_PREFIX.
    pub topic: String,
    /// Confirm: the topic's messages are lost for good.
    #[arg(long)]
    pub yes: bool,
    /// Keep the dead-letter topic (by default it is deleted with its topic).
    #[arg(long)]
    pub keep_dead_letter: bool,
    /// Succeed when the topic does not exist.
    #[arg(long)]
    pub if_exists: bool,
}

/// `eventbus topics create ...`
#[derive(Debug, Args)]
pub struct TopicsCreateArgs {
    /// The transport: kafka (redis is refused: its streams need no creation).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The topic, without EVENT_BUS_TOPIC_PREFIX.
    pub topic: String,
    /// Partitions of the topic: the most consumers of one group that can share it. The default
    /// (1) suits a single broker and keeps every event in order.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub partitions: i32,
    /// Copies of each partition on different brokers, for the topic and its dead-letter topic.
    /// Default: what the cluster can hold, min(3, live brokers): 1 on a single broker, 3 on a
    /// production cluster (with min.insync.replicas=2).
    #[arg(long, value_name = "N")]
    pub replication_factor: Option<i32>,
    /// Partitions of the dead-letter topic. The default (1) keeps dead letters in the order
    /// they failed, each at one offset.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub dead_letter_partitions: i32,
    /// Do not create the dead-letter topic.
    #[arg(long)]
    pub no_dead_letter: bool,
    /// Accept a topic that already exists (left as it is) instead of failing.
    #[arg(long)]
    pub if_not_exists: bool,
}

/// `eventbus dead-letters ...`
#[derive(Debug, Subcommand)]
pub enum DeadLettersCommand {
    /// One line per dead letter of TOPIC: its offset (Kafka) or id (Redis), event type, error
    /// kind, source (topic/partition@offset or stream@id), when it failed and the error,
    /// shortened. Reads the dead-letter topic up to its end at the start, outside any consumer
    /// group: no group's offsets move.
    List(DeadLettersListArgs),
    /// Everything about one dead letter: every header (dlq_* included), the key, and the value
    /// decoded as the event when this build knows its type (else hex).
    Show(DeadLettersShowArgs),
    /// Send dead letters back to their source topic with their original key, value and headers
    /// (not the dlq_* ones), each acknowledged by the brokers (acks=all) before the next; a
    /// keyed message goes to the partition its key chooses, as a new event with that key would.
    ///
    /// Kafka cannot delete messages: the dead letters stay in the dead-letter topic, and
    /// running redrive again over the same offsets sends them again. The range redriven is
    /// printed: start the next redrive after it (--from-offset). Redis: --delete removes each
    /// redriven entry from the dead-letter stream once its copy is in the source stream.
    Redrive(DeadLettersRedriveArgs),
}

/// Which dead letters.
#[derive(Debug, Args)]
pub struct DeadLetterSelection {
    /// The transport (default: redis when EVENT_BUS_CONSUMER names edx_event_bus_redis, else
    /// kafka).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The source topic, without EVENT_BUS_TOPIC_PREFIX; its dead-letter topic is the
    /// consumer's (EVENT_BUS_KAFKA_DEAD_LETTER_TOPIC / EVENT_BUS_REDIS_DEAD_LETTER_STREAM, else
    /// TOPIC-dead-letter).
    pub topic: String,
    /// Kafka: only this partition of the dead-letter topic (default: all).
    #[arg(long, value_name = "P")]
    pub partition: Option<i32>,
    /// Kafka: from this offset of the dead-letter topic (inclusive).
    #[arg(long, value_name = "OFFSET")]
    pub from_offset: Option<i64>,
    /// Kafka: up to this offset of the dead-letter topic (inclusive).
    #[arg(long, value_name = "OFFSET")]
    pub to_offset: Option<i64>,
    /// Redis: from this entry id of the dead-letter stream (inclusive).
    #[arg(long, value_name = "ID")]
    pub from_id: Option<String>,
    /// Redis: up to this entry id of the dead-letter stream (inclusive).
    #[arg(long, value_name = "ID")]
    pub to_id: Option<String>,
    /// Only dead letters of this event type (the ce_type header; Redis: the type field).
    #[arg(long, value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only dead letters with this error kind (dlq_error_kind: e.g. receiver-error, decode,
    /// unknown-event-type, wrong-magic-byte, invalid-header).
    #[arg(long, value_name = "KIND")]
    pub error_kind: Option<String>,
}

/// `eventbus dead-letters list ...`
#[derive(Debug, Args)]
pub struct DeadLettersListArgs {
    /// Which dead letters.
    #[command(flatten)]
    pub selection: DeadLetterSelection,
    /// Print JSON lines with every header instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `eventbus dead-letters show ...`
#[derive(Debug, Args)]
pub struct DeadLettersShowArgs {
    /// The transport (default: redis when EVENT_BUS_CONSUMER names edx_event_bus_redis, else
    /// kafka).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The source topic, without EVENT_BUS_TOPIC_PREFIX.
    pub topic: String,
    /// Kafka: the dead letter's offset in the dead-letter topic.
    #[arg(long, value_name = "OFFSET")]
    pub offset: Option<i64>,
    /// Kafka: its partition (needed when the dead-letter topic has several).
    #[arg(long, value_name = "P")]
    pub partition: Option<i32>,
    /// Redis: the dead letter's entry id in the dead-letter stream.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
}

/// `eventbus dead-letters redrive ...`
#[derive(Debug, Args)]
pub struct DeadLettersRedriveArgs {
    /// Which dead letters.
    #[command(flatten)]
    pub selection: DeadLetterSelection,
    /// List what would be redriven; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Redis: delete (XDEL) each redriven entry from the dead-letter stream once Redis added
    /// its copy to the source stream.
    #[arg(long)]
    pub delete: bool,
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
