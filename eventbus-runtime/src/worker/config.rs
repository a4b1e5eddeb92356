//! The worker's configuration file (TOML, YAML or JSON): the operations address and one entry per
//! consumer.
//!
//! ```toml
//! metrics = "127.0.0.1:9100"          # optional: /metrics, /livez, /readyz
//!
//! [[consumers]]
//! name = "enrollments"                # optional, default "{transport}:{topic}/{group}"
//! transport = "kafka"                 # or "redis"
//! topic = "learning-course-enrollment-lifecycle"
//! group = "enrollment-worker"
//! offset_time = "2026-01-01T00:00:00Z"  # Kafka only: replay from this time
//!
//! [[consumers]]
//! transport = "redis"
//! topic = "learning-certificate-lifecycle"
//! group = "certificates"
//! consumer_name = "worker-1"          # Redis only, default: the host name
//! check_backlog = true                # Redis only: a new group starts at the beginning
//! claim_msgs_older_than_ms = 60000    # Redis only: take over idle pending entries
//!
//! [relay]                             # optional: publish the transactional outbox too
//! transport = "kafka"                 # or "redis"
//! name = "outbox"                     # optional, default "outbox relay"
//!
//! [console]                           # optional: the operator console on `metrics`
//! actions = false                     # default false: read-only; true allows redrives
//! token_env = "EVENTBUS_CONSOLE_TOKEN"  # optional: the variable holding its token
//! ```
//!
//! With a `[console]` table, `eventbus worker` serves the operator console (`eventbus console`'s
//! pages) on the operations address, beside `/metrics`, `/livez` and `/readyz`; the file must give
//! that address (`metrics`; `--metrics` may then move it). Its security is `eventbus console`'s
//! for that address: actions on anything but loopback need a token, read from the environment
//! variable `token_env` names (never from the file); the console reads Kafka with the worker's
//! Kafka settings, Redis when `EVENT_BUS_REDIS_CONNECTION_URL` is set and the outbox of
//! `EVENT_BUS_OUTBOX_URL` when set.
//!
//! The relay reads the database of `EVENT_BUS_OUTBOX_URL` (a secret: it stays in the
//! environment) with the `EVENT_BUS_OUTBOX_RELAY_*` settings, as `eventbus outbox relay` does. A
//! file may have a relay and no consumers.
//!
//! The transports' settings come from the same environment variables as a Django service's
//! (`EVENT_BUS_KAFKA_*`, `EVENT_BUS_REDIS_*`, `EVENT_BUS_TOPIC_PREFIX`...). A `[kafka]` table may
//! hold the Kafka ones too, named in lower case without the `EVENT_BUS_KAFKA_` prefix, and any
//! librdkafka property in `[kafka.options]` (a setting given both in the file and in the
//! environment is refused, so neither silently wins; keep secrets in the environment):
//!
//! ```toml
//! [kafka]
//! security_protocol = "SASL_SSL"
//! sasl_mechanism = "SCRAM-SHA-512"
//! ssl_ca_location = "/etc/eventbus/ca.pem"
//!
//! [kafka.options]
//! "session.timeout.ms" = 10000
//! "partition.assignment.strategy" = "cooperative-sticky"
//! ```

use crate::settings::{names, option_property, option_variable};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The transport of a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Kafka and a schema registry.
    Kafka,
    /// Redis streams.
    Redis,
}

impl Transport {
    /// `kafka` or `redis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Kafka => "kafka",
            Transport::Redis => "redis",
        }
    }
}

/// One consumer of the worker.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
    /// Its name in logs, readiness and the exit report (default `{transport}:{topic}/{group}`).
    pub name: Option<String>,
    /// The transport.
    pub transport: Transport,
    /// The topic (or stream), without `EVENT_BUS_TOPIC_PREFIX`.
    pub topic: String,
    /// The consumer group.
    pub group: String,
    /// Kafka: replay the group from this time (ISO 8601), then go on consuming.
    pub offset_time: Option<String>,
    /// Redis: the consumer's name in its group (default: the host name).
    pub consumer_name: Option<String>,
    /// Redis: a new group starts at the beginning of the stream.
    #[serde(default)]
    pub check_backlog: bool,
    /// Redis: start after this entry id.
    pub last_read_msg_id: Option<String>,
    /// Redis: take over the pending entries other consumers left idle this long (ms).
    pub claim_msgs_older_than_ms: Option<u64>,
}

impl ConsumerConfig {
    /// Its name: the one given, else `{transport}:{topic}/{group}`.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}:{}/{}", self.transport.as_str(), self.topic, self.group))
    }
}

/// The outbox relay of a worker (the `[relay]` table).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    /// Its name in logs and the exit report (default `outbox relay`).
    pub name: Option<String>,
    /// Where it publishes.
    pub transport: Transport,
}

impl RelayConfig {
    /// Its name: the one given, else `outbox relay`.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| "outbox relay".into())
    }
}

/// The operator console on the worker's operations address (the `[console]` table).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleTable {
    /// Whether actions (redriving dead letters) are allowed; read-only when false (the default).
    #[serde(default)]
    pub actions: bool,
    /// The environment variable holding the token every console request then needs.
    pub token_env: Option<String>,
}

/// The worker's configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Where to serve `/metrics`, `/livez` and `/readyz` (none when absent).
    pub metrics: Option<SocketAddr>,
    /// Kafka settings beside the environment's (the `[kafka]` table).
    #[serde(default)]
    pub kafka: KafkaFileSettings,
    /// The consumers; at least one unless there is a relay.
    #[serde(default)]
    pub consumers: Vec<ConsumerConfig>,
    /// The outbox relay, if the worker runs one.
    pub relay: Option<RelayConfig>,
    /// The operator console on the operations address (`metrics`), if served.
    pub console: Option<ConsoleTable>,
}

impl WorkerConfig {
    /// Whether a consumer or the relay uses `transport`.
    pub fn uses(&self, transport: Transport) -> bool {
        self.consumers.iter().any(|c| c.transport == transport)
            || self
                .relay
                .as_ref()
                .is_some_and(|r| r.transport == transport)
    }
}

/// A scalar of the file: a text, a number or a boolean, used as its text.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum FileValue {
    /// A text.
    Text(String),
    /// An integer.
    Integer(i64),
    /// A number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl FileValue {
    /// The value as a setting's text.
    pub fn to_text(&self) -> String {
        match self {
            FileValue::Text(text) => text.clone(),
            FileValue::Integer(n) => n.to_string(),
            FileValue::Float(x) => x.to_string(),
            FileValue::Bool(b) => b.to_string(),
        }
    }
}

/// Never shows a value: the file may hold a secret.
impl std::fmt::Debug for FileValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The `[kafka]` table: named settings (`security_protocol = "SASL_SSL"` is
/// `EVENT_BUS_KAFKA_SECURITY_PROTOCOL`) and librdkafka properties (`[kafka.options]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct KafkaFileSettings {
    /// librdkafka properties by their own names.
    #[serde(default)]
    pub options: BTreeMap<String, FileValue>,
    /// Named settings, in lower case without the `EVENT_BUS_KAFKA_` prefix.
    #[serde(flatten)]
    pub settings: BTreeMap<String, FileValue>,
}

/// The prefix of the Kafka settings' variables, left out in the `[kafka]` table.
const KAFKA_PREFIX: &str = "EVENT_BUS_KAFKA_";

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WorkerConfigError {
    /// The file cannot be read.
    #[error("cannot read the worker configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, YAML or JSON of this shape.
    #[error("invalid worker configuration {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's message (naming the field).
        message: String,
    },
    /// A consumer entry is wrong.
    #[error("invalid worker configuration {path}: consumer {consumer}: {message}")]
    Consumer {
        /// The file.
        path: PathBuf,
        /// The consumer's name.
        consumer: String,
        /// What is wrong.
        message: String,
    },
}

impl WorkerConfig {
    /// Read a TOML (`.toml`), YAML (`.yml`, `.yaml`) or JSON (other) file and check it.
    pub fn load(path: &Path) -> Result<Self, WorkerConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorkerConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |message: String| WorkerConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let config: WorkerConfig = match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => toml::from_str(&text).map_err(|e| invalid(e.to_string()))?,
            Some("yml" | "yaml") => {
                serde_norway::from_str(&text).map_err(|e| invalid(e.to_string()))?
            }
            _ => serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?,
        };
        config.check(path)?;
        Ok(config)
    }

    /// The variables the Kafka settings are read from ([`crate::settings::KafkaSettings::from_vars`]):
    /// `env` (the process environment) with the `[kafka]` table's settings and options added. A
    /// setting or property given both in the table and in `env` is refused, naming both.
    pub fn kafka_vars(
        &self,
        path: &Path,
        mut env: Vec<(String, String)>,
    ) -> Result<Vec<(String, String)>, WorkerConfigError> {
        let invalid = |message: String| WorkerConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let in_env = |name: &str, env: &[(String, String)]| {
            env.iter().any(|(n, v)| n == name && !v.trim().is_empty())
        };
        let env_property = |property: &str, env: &[(String, String)]| {
            env.iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .find(|(n, _)| option_property(n).as_deref() == Some(property))
                .map(|(n, _)| n.clone())
        };
        let mut added = Vec::new();
        for (key, value) in &self.kafka.settings {
            let name = format!("{KAFKA_PREFIX}{}", key.to_ascii_uppercase());
            let Some(name) = names::ALL.iter().find(|n| **n == name) else {
                return Err(invalid(format!(
                    "[kafka] {key}: not a Kafka setting (one of: {})",
                    names::ALL
                        .iter()
                        .map(|n| n.trim_start_matches(KAFKA_PREFIX).to_ascii_lowercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            if in_env(name, &env) {
                return Err(invalid(format!(
                    "[kafka] {key} is also set in the environment ({name}); keep one"
                )));
            }
            added.push((name.to_string(), value.to_text()));
        }
        for (property, value) in &self.kafka.options {
            if let Some(variable) = env_property(property, &env) {
                return Err(invalid(format!(
                    "[kafka.options] {property:?} is also set in the environment ({variable}); \
                     keep one"
                )));
            }
            added.push((option_variable(property), value.to_text()));
        }
        env.extend(added);
        Ok(env)
    }

    fn check(&self, path: &Path) -> Result<(), WorkerConfigError> {
        let invalid = |message: &str| WorkerConfigError::Invalid {
            path: path.to_owned(),
            message: message.into(),
        };
        if let Some(console) = &self.console {
            if self.metrics.is_none() {
                return Err(invalid(
                    "[console] is served on the operations address: give `metrics` too \
                     (metrics = \"127.0.0.1:9100\", say)",
                ));
            }
            if console
                .token_env
                .as_ref()
                .is_some_and(|var| var.trim().is_empty())
            {
                return Err(invalid("[console] token_env: an empty variable name"));
            }
        }
        if self.consumers.is_empty() && self.relay.is_none() {
            return Err(invalid(
                "nothing to run: give at least one [[consumers]] entry, or a [relay]",
            ));
        }
        let mut names: std::collections::HashSet<String> =
            self.relay.iter().map(RelayConfig::display_name).collect();
        for consumer in &self.consumers {
            let fail = |message: String| WorkerConfigError::Consumer {
                path: path.to_owned(),
                consumer: consumer.display_name(),
                message,
            };
            if consumer.topic.trim().is_empty() || consumer.group.trim().is_empty() {
                return Err(fail("topic and group must not be empty".into()));
            }
            if !names.insert(consumer.display_name()) {
                return Err(fail("another consumer or the relay has this name".into()));
            }
            let redis_only = [
                (consumer.consumer_name.is_some(), "consumer_name"),
                (consumer.check_backlog, "check_backlog"),
                (consumer.last_read_msg_id.is_some(), "last_read_msg_id"),
                (
                    consumer.claim_msgs_older_than_ms.is_some(),
                    "claim_msgs_older_than_ms",
                ),
            ];
            match consumer.transport {
                Transport::Kafka => {
                    if let Some((_, option)) = redis_only.iter().find(|(given, _)| *given) {
                        return Err(fail(format!("{option} applies to redis only")));
                    }
                }
                Transport::Redis if consumer.offset_time.is_some() => {
                    return Err(fail("offset_time applies to kafka only".into()));
                }
                Transport::Redis => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str) -> Result<WorkerConfig, WorkerConfigError> {
        let dir = std::env::temp_dir().join(format!("worker-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        WorkerConfig::load(&path)
    }

    #[test]
    fn toml_and_yaml_files_are_read_and_checked() {
        let config = load(
            "w.toml",
            "metrics = \"127.0.0.1:9100\"\n[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\n",
        )
        .unwrap();
        assert_eq!(config.metrics, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(config.consumers[0].display_name(), "kafka:t/g");
        let config = load(
            "w.yaml",
            "consumers:\n  - transport: redis\n    topic: s\n    group: g\n    check_backlog: true\n",
        )
        .unwrap();
        assert!(config.consumers[0].check_backlog);

        let err = load("bad.toml", "[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\ncheck_backlog = true\n").unwrap_err();
        assert_eq!(
            err.to_string()
                .split(": ")
                .skip(1)
                .collect::<Vec<_>>()
                .join(": "),
            "consumer kafka:t/g: check_backlog applies to redis only"
        );
        let err = load(
            "typo.toml",
            "[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngruop = \"g\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `gruop`"), "{err}");
        let err = load("none.toml", "consumers = []\n").unwrap_err();
        assert!(err.to_string().contains("nothing to run"), "{err}");
    }

    #[test]
    fn a_relay_runs_with_or_without_consumers_under_a_name_of_its_own() {
        let config = load("relay.toml", "[relay]\ntransport = \"redis\"\n").unwrap();
        let relay = config.relay.as_ref().expect("a relay");
        assert_eq!(
            (relay.transport, relay.display_name()),
            (Transport::Redis, "outbox relay".to_owned())
        );
        assert!(config.consumers.is_empty());
        assert!(config.uses(Transport::Redis) && !config.uses(Transport::Kafka));

        let text = "[relay]\ntransport = \"kafka\"\nname = \"k\"\n\
                    [[consumers]]\nname = \"k\"\ntransport = \"redis\"\ntopic = \"t\"\ngroup = \"g\"\n";
        let err = load("clash.toml", text).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("consumer k: another consumer or the relay has this name"),
            "{err}"
        );
        let err = load(
            "typo-relay.toml",
            "[relay]\ntransport = \"kafka\"\nurl = \"x\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `url`"), "{err}");
    }

    #[test]
    fn a_console_table_is_served_on_the_operations_address_only() {
        let consumer = "[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\n";
        let config = load(
            "console.toml",
            &format!("metrics = \"127.0.0.1:9100\"\n{consumer}[console]\n"),
        )
        .unwrap();
        assert_eq!(config.console, Some(ConsoleTable::default()));
        assert!(!ConsoleTable::default().actions);
        let config = load(
            "console-actions.yaml",
            "metrics: 127.0.0.1:9100\nconsole:\n  actions: true\n  token_env: OPS_TOKEN\n\
             consumers:\n  - transport: redis\n    topic: s\n    group: g\n",
        )
        .unwrap();
        assert_eq!(
            config.console,
            Some(ConsoleTable {
                actions: true,
                token_env: Some("OPS_TOKEN".into()),
            })
        );
        assert_eq!(load("plain.toml", consumer).unwrap().console, None);

        let err = load(
            "console-alone.toml",
            &format!("{consumer}[console]\nactions = true\n"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string()
                .split(": ")
                .skip(1)
                .collect::<Vec<_>>()
                .join(": "),
            "[console] is served on the operations address: give `metrics` too \
             (metrics = \"127.0.0.1:9100\", say)"
        );
        let err = load(
            "console-empty-var.toml",
            &format!("metrics = \"127.0.0.1:9100\"\n{consumer}[console]\ntoken_env = \" \"\n"),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .ends_with("[console] token_env: an empty variable name"),
            "{err}"
        );
        let err = load(
            "console-typo.toml",
            &format!("metrics = \"127.0.0.1:9100\"\n{consumer}[console]\ntoken = \"x\"\n"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `token`"), "{err}");
    }

    #[test]
    fn the_kafka_table_adds_settings_and_options_beside_the_environment() {
        let text =
            "[kafka]\nsecurity_protocol = \"SASL_SSL\"\nsasl_mechanism = \"SCRAM-SHA-512\"\n\
                    consumer_max_in_flight = 8\nconsumer_group_protocol = \"consumer\"\n\
                    consumer_group_instance_id = \"lms-worker-0\"\n[kafka.options]\n\"session.timeout.ms\" = 10000\n\
                    \"ssl.certificate.verify_cb\" = \"x\"\n\
                    [[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\n";
        let path = Path::new("w.toml");
        let config = load("kafka.toml", text).unwrap();
        let env = vec![
            (names::API_KEY.to_owned(), "u".to_owned()),
            (names::SSL_CA_LOCATION.to_owned(), String::new()),
        ];
        let vars = config.kafka_vars(path, env.clone()).unwrap();
        for (name, value) in [
            (names::SECURITY_PROTOCOL, "SASL_SSL"),
            (names::SASL_MECHANISM, "SCRAM-SHA-512"),
            (names::CONSUMER_MAX_IN_FLIGHT, "8"),
            (names::CONSUMER_GROUP_PROTOCOL, "consumer"),
            (names::CONSUMER_GROUP_INSTANCE_ID, "lms-worker-0"),
            ("EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS", "10000"),
            ("EVENT_BUS_KAFKA_OPTION_SSL_CERTIFICATE_VERIFY__CB", "x"),
            (names::API_KEY, "u"),
        ] {
            assert!(
                vars.contains(&(name.to_owned(), value.to_owned())),
                "{name}={value} in {:?}",
                vars.iter().map(|(n, _)| n).collect::<Vec<_>>()
            );
        }
        // The same setting in both places is refused, naming both.
        let mut both = env.clone();
        both.push((names::SASL_MECHANISM.to_owned(), "PLAIN".to_owned()));
        let err = config.kafka_vars(path, both).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid worker configuration w.toml: [kafka] sasl_mechanism is also set in the \
             environment (EVENT_BUS_KAFKA_SASL_MECHANISM); keep one"
        );
        let mut both = env.clone();
        both.push((
            "EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS".to_owned(),
            "6000".to_owned(),
        ));
        let err = config.kafka_vars(path, both).unwrap_err();
        assert!(
            err.to_string()
                .contains("EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS"),
            "{err}"
        );
        // An unknown name is refused with the known ones.
        let typo = load(
            "typo-kafka.toml",
            "[kafka]\nsecurity_protocl = \"SSL\"\n[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\n",
        )
        .unwrap();
        let err = typo.kafka_vars(path, Vec::new()).unwrap_err();
        assert!(
            err.to_string().contains(
                "[kafka] security_protocl: not a Kafka setting (one of: bootstrap_servers,"
            ),
            "{err}"
        );
        // Values never show in Debug.
        let secret = load(
            "secret.toml",
            "[kafka]\napi_secret = \"MARKER-pw\"\n[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\n",
        )
        .unwrap();
        assert!(!format!("{secret:?}").contains("MARKER"));
    }
}
