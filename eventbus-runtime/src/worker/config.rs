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
//! ```
//!
//! The transports' settings come from the same environment variables as a Django service's
//! (`EVENT_BUS_KAFKA_*`, `EVENT_BUS_REDIS_*`, `EVENT_BUS_TOPIC_PREFIX`...).

use serde::Deserialize;
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

/// The worker's configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Where to serve `/metrics`, `/livez` and `/readyz` (none when absent).
    pub metrics: Option<SocketAddr>,
    /// The consumers, at least one.
    pub consumers: Vec<ConsumerConfig>,
}

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

    fn check(&self, path: &Path) -> Result<(), WorkerConfigError> {
        if self.consumers.is_empty() {
            return Err(WorkerConfigError::Invalid {
                path: path.to_owned(),
                message: "no consumers: give at least one [[consumers]] entry".into(),
            });
        }
        let mut names = std::collections::HashSet::new();
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
                return Err(fail("two consumers have this name".into()));
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
        assert!(err.to_string().contains("no consumers"), "{err}");
    }
}
