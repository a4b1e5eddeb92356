//! Settings of the Redis event bus, read from environment variables named as the Django settings
//! of `edx-event-bus-redis`, or built in code with [`RedisSettings::builder`].
//!
//! | Variable | Default | Meaning |
//! | --- | --- | --- |
//! | `EVENT_BUS_REDIS_CONNECTION_URL` | required | `redis://[[user]:password@]host[:port][/db]` |
//! | `EVENT_BUS_TOPIC_PREFIX` | none | streams become `{prefix}-{topic}` |
//! | `EVENTS_SERVICE_NAME` | `SERVICE_VARIANT` | metadata `source` |
//! | `EVENT_BUS_SOURCELIB` | `11.2.0` | metadata `sourcelib` |
//! | `EVENT_BUS_REDIS_STREAM_MAX_LEN` | `10000` | streams are trimmed to about this many entries (`MAXLEN ~`) |
//! | `EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT` | `60` | seconds a read blocks waiting for an entry |
//! | `EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP` | `1.0` | seconds to sleep after a failed read |
//! | `EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT` | none | stop after this many errors in a row (`0`: none) |
//! | `EVENT_BUS_REDIS_CONSUMERS_ENABLED` | `true` | kill switch: a disabled consumer exits at once |
//! | `EVENT_BUS_REDIS_AUDIT_LOGGING_ENABLED` | `true` | log every produced and consumed entry |
//! | `EVENT_BUS_REDIS_CONSUMER_ON_ERROR` | `dead-letter` | what a consumer does with an entry it cannot process: `dead-letter` or `stop` |
//! | `EVENT_BUS_REDIS_CONSUMER_RECEIVER_RETRIES` | `2` | how many times the receivers that failed on an event run again (only them) before it is dead-lettered; `0`: never, as the Python consumers |
//! | `EVENT_BUS_REDIS_CONSUMER_RETRY_BACKOFF` | `0.1` | seconds before the first retry; doubles after each |
//! | `EVENT_BUS_REDIS_CONSUMER_RETRY_BACKOFF_MAX` | `5` | the longest delay between two retries, seconds |
//! | `EVENT_BUS_REDIS_CONSUMER_MAX_IN_FLIGHT` | `1` | events processed at once; above 1, events of different keys run concurrently and the events of one key stay in order |
//! | `EVENT_BUS_REDIS_DEAD_LETTER_STREAM` | `{topic}-dead-letter` | dead-letter stream (the prefix is added) |
//!
//! The last two are this port's: the Python consumer acknowledges a failing entry after logging
//! it, so it is lost. The URL may hold a password: `Debug` shows it as `***`.

use super::{names, redact_url, CommonSettings, Secret, SettingsError};
use crate::settings::valid_topic;
use std::fmt;
use std::time::Duration;

/// Names of the Redis settings (the topic prefix and service name are shared with Kafka's:
/// [`names::TOPIC_PREFIX`], [`names::SERVICE_NAME`]).
pub mod redis_names {
    /// The Redis URL.
    pub const CONNECTION_URL: &str = "EVENT_BUS_REDIS_CONNECTION_URL";
    /// Approximate maximum length of a stream.
    pub const STREAM_MAX_LEN: &str = "EVENT_BUS_REDIS_STREAM_MAX_LEN";
    /// How long a read blocks, seconds.
    pub const CONSUMER_POLL_TIMEOUT: &str = "EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT";
    /// Sleep after a failed read, seconds.
    pub const CONSUMER_POLL_FAILURE_SLEEP: &str = "EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP";
    /// Consecutive errors before the consumer stops.
    pub const CONSUMER_CONSECUTIVE_ERRORS_LIMIT: &str =
        "EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT";
    /// Consumer kill switch.
    pub const CONSUMERS_ENABLED: &str = "EVENT_BUS_REDIS_CONSUMERS_ENABLED";
    /// Audit logging toggle.
    pub const AUDIT_LOGGING_ENABLED: &str = "EVENT_BUS_REDIS_AUDIT_LOGGING_ENABLED";
    /// How many times a consumer runs failing receivers again before dead-lettering.
    pub const CONSUMER_RECEIVER_RETRIES: &str = "EVENT_BUS_REDIS_CONSUMER_RECEIVER_RETRIES";
    /// Seconds before the first retry of failing receivers (doubling after each).
    pub const CONSUMER_RETRY_BACKOFF: &str = "EVENT_BUS_REDIS_CONSUMER_RETRY_BACKOFF";
    /// The longest delay between two retries, seconds.
    pub const CONSUMER_RETRY_BACKOFF_MAX: &str = "EVENT_BUS_REDIS_CONSUMER_RETRY_BACKOFF_MAX";
    /// How many events a consumer processes at once (events of one key stay in order).
    pub const CONSUMER_MAX_IN_FLIGHT: &str = "EVENT_BUS_REDIS_CONSUMER_MAX_IN_FLIGHT";
    /// Consumer failure policy.
    pub const CONSUMER_ON_ERROR: &str = "EVENT_BUS_REDIS_CONSUMER_ON_ERROR";
    /// Dead-letter stream.
    pub const DEAD_LETTER_STREAM: &str = "EVENT_BUS_REDIS_DEAD_LETTER_STREAM";
    /// The names of Redis' [`crate::settings::CommonSettings`].
    pub const COMMON: crate::settings::CommonNames = crate::settings::CommonNames {
        poll_timeout: CONSUMER_POLL_TIMEOUT,
        poll_failure_sleep: CONSUMER_POLL_FAILURE_SLEEP,
        consecutive_errors_limit: CONSUMER_CONSECUTIVE_ERRORS_LIMIT,
        consumers_enabled: CONSUMERS_ENABLED,
        audit_logging_enabled: AUDIT_LOGGING_ENABLED,
        on_error: CONSUMER_ON_ERROR,
        retries: CONSUMER_RECEIVER_RETRIES,
        retry_backoff: CONSUMER_RETRY_BACKOFF,
        retry_backoff_max: CONSUMER_RETRY_BACKOFF_MAX,
        max_in_flight: CONSUMER_MAX_IN_FLIGHT,
    };
}

use redis_names as rn;

/// The settings of the Redis producer and consumer.
#[derive(Clone, PartialEq)]
pub struct RedisSettings {
    url: Secret,
    topic_prefix: Option<String>,
    service_name: Option<String>,
    stream_max_len: Option<u64>,
    common: CommonSettings,
    dead_letter_stream: Option<String>,
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.url_for_logs())
            .field("topic_prefix", &self.topic_prefix)
            .field("service_name", &self.service_name)
            .field("stream_max_len", &self.stream_max_len)
            .field("common", &self.common)
            .field("dead_letter_stream", &self.dead_letter_stream)
            .finish()
    }
}

impl RedisSettings {
    /// Start building settings in code, with the required URL.
    pub fn builder(url: impl Into<String>) -> RedisSettingsBuilder {
        RedisSettingsBuilder {
            settings: RedisSettings {
                url: Secret::new(url),
                topic_prefix: None,
                service_name: None,
                stream_max_len: Some(10_000),
                common: CommonSettings::with_poll_timeout(Duration::from_secs(60)),
                dead_letter_stream: None,
            },
        }
    }

    /// Read the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        RedisSettings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read the settings through `lookup(name)`. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let url = get(rn::CONNECTION_URL).ok_or(SettingsError::Missing {
            setting: rn::CONNECTION_URL,
        })?;
        let mut b = RedisSettings::builder(url);
        let s = &mut b.settings;
        s.topic_prefix = get(names::TOPIC_PREFIX);
        s.service_name = get(names::SERVICE_NAME).or_else(|| get(names::SERVICE_VARIANT));
        if let Some(v) = get(names::SOURCELIB) {
            crate::metadata::parse_sourcelib(&v)?;
        }
        if let Some(v) = get(rn::STREAM_MAX_LEN) {
            let len: u64 = v.trim().parse().map_err(|e| SettingsError::Invalid {
                setting: rn::STREAM_MAX_LEN,
                value: v.clone(),
                reason: format!("not a non-negative integer ({e})"),
            })?;
            s.stream_max_len = (len > 0).then_some(len);
        }
        s.common.read(get, &rn::COMMON)?;
        s.dead_letter_stream = get(rn::DEAD_LETTER_STREAM);
        b.build()
    }

    /// `EVENT_BUS_REDIS_CONNECTION_URL`. It may hold a password: do not log it; see
    /// [`RedisSettings::url_for_logs`].
    pub fn url(&self) -> &str {
        self.url.expose()
    }

    /// The URL with its password, if any, as `***`.
    pub fn url_for_logs(&self) -> String {
        redact_url(self.url.expose())
    }

    /// `EVENT_BUS_TOPIC_PREFIX`, if set.
    pub fn topic_prefix(&self) -> Option<&str> {
        self.topic_prefix.as_deref()
    }

    /// The stream of `topic`: `{prefix}-{topic}` with a prefix.
    pub fn full_topic(&self, topic: &str) -> String {
        crate::backend::full_topic(self.topic_prefix.as_deref(), topic)
    }

    /// The service name (`EVENTS_SERVICE_NAME`), if set here.
    pub fn service_name(&self) -> Option<String> {
        self.service_name.clone()
    }

    /// The approximate maximum length of a stream; `None`: not trimmed.
    pub fn stream_max_len(&self) -> Option<u64> {
        self.stream_max_len
    }

    /// The consumer-loop and audit-logging settings.
    pub fn common(&self) -> &CommonSettings {
        &self.common
    }

    /// The dead-letter stream (without the prefix) for a consumer of `topic`: the configured
    /// one, else `{topic}-dead-letter`.
    pub fn dead_letter_stream(&self, topic: &str) -> String {
        self.dead_letter_stream
            .clone()
            .unwrap_or_else(|| format!("{topic}-dead-letter"))
    }
}

/// Builds [`RedisSettings`] in code; [`RedisSettingsBuilder::build`] validates them.
#[derive(Debug, Clone)]
pub struct RedisSettingsBuilder {
    settings: RedisSettings,
}

impl RedisSettingsBuilder {
    /// `EVENT_BUS_TOPIC_PREFIX`.
    pub fn topic_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.topic_prefix = Some(prefix.into());
        self
    }

    /// `EVENTS_SERVICE_NAME`.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.settings.service_name = Some(name.into());
        self
    }

    /// The approximate maximum length of a stream; `None`: not trimmed.
    pub fn stream_max_len(mut self, len: Option<u64>) -> Self {
        self.settings.stream_max_len = len.filter(|&n| n > 0);
        self
    }

    /// Change the consumer-loop and audit-logging settings.
    pub fn common(mut self, change: impl FnOnce(&mut CommonSettings)) -> Self {
        change(&mut self.settings.common);
        self
    }

    /// The dead-letter stream, without the prefix.
    pub fn dead_letter_stream(mut self, stream: impl Into<String>) -> Self {
        self.settings.dead_letter_stream = Some(stream.into());
        self
    }

    /// Check and return the settings.
    pub fn build(self) -> Result<RedisSettings, SettingsError> {
        let mut settings = self.settings;
        let url = settings.url.expose().trim().to_owned();
        let redacted = redact_url(&url);
        let rest = ["redis://", "rediss://", "unix://", "redis+unix://"]
            .iter()
            .find_map(|scheme| url.strip_prefix(scheme));
        if rest.is_none_or(str::is_empty) {
            return Err(SettingsError::Invalid {
                setting: rn::CONNECTION_URL,
                value: redacted,
                reason: "expected a redis://, rediss:// or unix:// URL".into(),
            });
        }
        if let Err(error) = ::redis::Client::open(url.as_str()) {
            return Err(SettingsError::Invalid {
                setting: rn::CONNECTION_URL,
                value: redacted,
                reason: error.to_string(),
            });
        }
        settings.url = Secret::new(url);
        settings.common.check(&rn::COMMON)?;
        if settings.common.max_in_flight > 1 {
            return Err(SettingsError::Invalid {
                setting: rn::CONSUMER_MAX_IN_FLIGHT,
                value: settings.common.max_in_flight.to_string(),
                reason: "the Redis consumer processes one entry at a time (ordered concurrency \
                         is a Kafka consumer feature so far); use 1"
                    .into(),
            });
        }
        if let Some(prefix) = &settings.topic_prefix {
            if !valid_topic(prefix) {
                return Err(SettingsError::Invalid {
                    setting: names::TOPIC_PREFIX,
                    value: prefix.clone(),
                    reason: "a topic prefix has characters among a-z A-Z 0-9 . _ -".into(),
                });
            }
        }
        if let Some(stream) = &settings.dead_letter_stream {
            if !valid_topic(stream) {
                return Err(SettingsError::Invalid {
                    setting: rn::DEAD_LETTER_STREAM,
                    value: stream.clone(),
                    reason: "a stream name has 1 to 249 characters among a-z A-Z 0-9 . _ -".into(),
                });
            }
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::OnError;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<RedisSettings, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RedisSettings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn read_from_the_environment_names() {
        let settings = from(&[
            (rn::CONNECTION_URL, "redis://:s3cret@127.0.0.1:6379/0"),
            (names::TOPIC_PREFIX, "dev"),
            (names::SERVICE_NAME, "cms"),
            (rn::STREAM_MAX_LEN, "0"),
            (rn::CONSUMER_POLL_TIMEOUT, "0.5"),
            (rn::CONSUMER_POLL_FAILURE_SLEEP, "2"),
            (rn::CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "3"),
            (rn::CONSUMERS_ENABLED, "off"),
            (rn::AUDIT_LOGGING_ENABLED, "false"),
            (rn::CONSUMER_ON_ERROR, "stop"),
            (rn::DEAD_LETTER_STREAM, "dlq"),
        ])
        .unwrap();
        assert_eq!(settings.full_topic("xblock"), "dev-xblock");
        assert_eq!(settings.service_name().as_deref(), Some("cms"));
        assert_eq!(settings.stream_max_len(), None);
        assert_eq!(settings.common().poll_timeout, Duration::from_millis(500));
        assert_eq!(settings.common().poll_failure_sleep, Duration::from_secs(2));
        assert_eq!(settings.common().consecutive_errors_limit, Some(3));
        assert!(!settings.common().consumers_enabled);
        assert!(!settings.common().audit_logging_enabled);
        assert_eq!(settings.common().on_error, OnError::Stop);
        assert_eq!(settings.dead_letter_stream("xblock"), "dlq");
        assert_eq!(settings.url(), "redis://:s3cret@127.0.0.1:6379/0");
    }

    #[test]
    fn defaults_are_pythons() {
        let settings = from(&[(rn::CONNECTION_URL, "redis://127.0.0.1:6379/")]).unwrap();
        assert_eq!(settings.stream_max_len(), Some(10_000));
        assert_eq!(settings.common().poll_timeout, Duration::from_secs(60));
        assert_eq!(settings.common().poll_failure_sleep, Duration::from_secs(1));
        assert_eq!(settings.common().consecutive_errors_limit, None);
        assert!(settings.common().consumers_enabled && settings.common().audit_logging_enabled);
        assert_eq!(settings.common().on_error, OnError::DeadLetter);
        assert_eq!(settings.dead_letter_stream("t"), "t-dead-letter");
        assert_eq!(settings.full_topic("t"), "t");
    }

    #[test]
    fn the_password_never_shows() {
        let settings = from(&[(rn::CONNECTION_URL, "redis://default:s3cret@h:1/0")]).unwrap();
        assert_eq!(settings.url_for_logs(), "redis://default:***@h:1/0");
        let no_user = from(&[(rn::CONNECTION_URL, "redis://:s3cret@h:1/0")]).unwrap();
        assert_eq!(no_user.url_for_logs(), "redis://:***@h:1/0");
        let no_password = from(&[(rn::CONNECTION_URL, "redis://default@h:1/0")]).unwrap();
        assert_eq!(no_password.url_for_logs(), "redis://default@h:1/0");
        assert!(!format!("{settings:?}").contains("s3cret"));
        let bad = from(&[(rn::CONNECTION_URL, "http://user:s3cret@h:1/")]).unwrap_err();
        assert!(!bad.to_string().contains("s3cret"), "{bad}");
        assert!(bad.to_string().contains(rn::CONNECTION_URL), "{bad}");
    }

    #[test]
    fn bad_values_name_the_setting() {
        assert_eq!(
            from(&[]).unwrap_err(),
            SettingsError::Missing {
                setting: rn::CONNECTION_URL
            }
        );
        let url = (rn::CONNECTION_URL, "redis://127.0.0.1/");
        for (name, value) in [
            (rn::STREAM_MAX_LEN, "-1"),
            (rn::CONSUMER_POLL_TIMEOUT, "0"),
            (rn::CONSUMER_POLL_FAILURE_SLEEP, "soon"),
            (rn::CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "many"),
            (rn::CONSUMERS_ENABLED, "maybe"),
            (rn::CONSUMER_ON_ERROR, "ignore"),
            (rn::DEAD_LETTER_STREAM, "a b"),
            (names::TOPIC_PREFIX, "a/b"),
            (rn::CONSUMER_RECEIVER_RETRIES, "-1"),
            (rn::CONSUMER_RETRY_BACKOFF, "forever"),
            (rn::CONSUMER_RETRY_BACKOFF_MAX, "7200"),
            (rn::CONSUMER_MAX_IN_FLIGHT, "4"),
            (rn::CONSUMER_MAX_IN_FLIGHT, "0"),
        ] {
            let error = from(&[url, (name, value)]).unwrap_err();
            assert!(
                matches!(&error, SettingsError::Invalid { setting, .. } if *setting == name),
                "{name}: {error}"
            );
        }
    }
}
