//! What the console is configured with and what its pages share.

use crate::history::History;
use crate::security::Security;
use eventbus_runtime::kafka::{KafkaAdmin, TopicInfo};
use eventbus_runtime::settings::{KafkaSettings, RedisSettings, Secret};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// At most this many topics are described (their watermarks read) on the overview and by the
/// sampler.
pub(crate) const MAX_TOPICS: usize = 100;
/// At most this many consumer groups are asked for their committed offsets.
pub(crate) const MAX_GROUPS: usize = 40;

/// How a console is started.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Where it listens (default 127.0.0.1:8088 in the command line).
    pub addr: SocketAddr,
    /// Whether actions (redrive) are allowed.
    pub actions: bool,
    /// The token every request needs, if any.
    pub token: Option<Secret>,
    /// The Kafka and schema registry settings.
    pub kafka: KafkaSettings,
    /// The Redis settings, when Redis is configured.
    pub redis: Option<RedisSettings>,
    /// The outbox database URL, when an outbox is configured.
    pub outbox_url: Option<String>,
    /// How long a page waits for each service.
    pub timeout: Duration,
    /// How often the topics' end offsets and the groups' lags are sampled for the overview's
    /// charts of the last hour (default 30 s).
    pub sample_interval: Duration,
}

impl ConsoleConfig {
    /// A read-only console on `addr` over `kafka`, nothing else configured, waiting 10 s per
    /// service, sampling every 30 s.
    pub fn new(addr: SocketAddr, kafka: KafkaSettings) -> Self {
        ConsoleConfig {
            addr,
            actions: false,
            token: None,
            kafka,
            redis: None,
            outbox_url: None,
            timeout: Duration::from_secs(10),
            sample_interval: Duration::from_secs(30),
        }
    }
}

/// The state every page reads.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) config: ConsoleConfig,
    pub(crate) security: Security,
    /// The samples of the last hour (see [`crate::sampler`]).
    history: Mutex<History>,
}

impl AppState {
    pub(crate) fn new(config: ConsoleConfig, security: Security) -> Self {
        AppState {
            config,
            security,
            history: Mutex::default(),
        }
    }

    /// The history of the samples (a panic while it was held left it whole: every change is
    /// one call of [`History::record`]).
    pub(crate) fn history(&self) -> MutexGuard<'_, History> {
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The full topic `full` without the configured prefix.
    pub(crate) fn short_name(&self, full: &str) -> String {
        match self.config.kafka.topic_prefix() {
            Some(prefix) => full
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('-'))
                .unwrap_or(full)
                .to_owned(),
            None => full.to_owned(),
        }
    }

    /// The topics of the configured prefix (every topic when there is none), listed by `admin`
    /// within the console's timeout.
    pub(crate) async fn prefix_topics(&self, admin: &KafkaAdmin) -> Result<Vec<TopicInfo>, String> {
        let all = self
            .bounded("listing the topics", admin.list_topics())
            .await?;
        let prefix = self.config.kafka.topic_prefix().map(|p| format!("{p}-"));
        Ok(all
            .into_iter()
            .filter(|t| {
                prefix
                    .as_ref()
                    .is_none_or(|p| t.name.starts_with(p.as_str()))
            })
            .collect())
    }

    /// The topics of the prefix, described with their watermarks, at most [`MAX_TOPICS`]; how
    /// many more there are.
    pub(crate) async fn described_topics(&self) -> Result<(Vec<TopicInfo>, usize), String> {
        let admin = KafkaAdmin::new(&self.config.kafka).map_err(|e| e.to_string())?;
        let mine = self.prefix_topics(&admin).await?;
        let more = mine.len().saturating_sub(MAX_TOPICS);
        let mut described = Vec::new();
        for topic in mine.into_iter().take(MAX_TOPICS) {
            if let Some(info) = self
                .bounded("describing a topic", admin.describe_topic(&topic.name))
                .await?
            {
                described.push(info);
            }
        }
        Ok((described, more))
    }

    /// Run `future` within the console's timeout; `what` names it in the error.
    pub(crate) async fn bounded<T, E: std::fmt::Display>(
        &self,
        what: &str,
        future: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        match tokio::time::timeout(self.config.timeout, future).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!(
                "{what}: no answer within {} s",
                self.config.timeout.as_secs()
            )),
        }
    }
}
