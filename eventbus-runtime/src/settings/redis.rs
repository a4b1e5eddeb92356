//! Settings of the Redis event bus, read from environment variables named as the Django settings
//! of `edx-event-bus-redis`, or built in code with [`RedisSettings::builder`].
//!
//! | Variable | Default | Meaning |
//! | --- | --- | --- |
//! | `EVENT_BUS_REDIS_CONNECTION_URL` | required | `redis://[[user]:password@]host[:port][/db]`, `rediss://...` for TLS |
//! | `EVENT_BUS_REDIS_USERNAME` | none | ACL user (instead of one in the URL; needs the password) |
//! | `EVENT_BUS_REDIS_PASSWORD` | none | its password, or the `default` user's (instead of one in the URL) |
//! | `EVENT_BUS_REDIS_SSL_CA_LOCATION` | the system's CAs | PEM file of the CA(s) of the server's certificate; only these are trusted (`rediss://`) |
//! | `EVENT_BUS_REDIS_SSL_CERTIFICATE_LOCATION` | none | PEM file of a client certificate, for servers that check them (`rediss://`) |
//! | `EVENT_BUS_REDIS_SSL_KEY_LOCATION` | none | PEM file of its private key (unencrypted) |
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
//! | `EVENT_BUS_REDIS_LOG_PAYLOADS` | `false` | ERROR lines hold `event_data` (it may hold learners' personal data): of an entry the consumer cannot process, of an event the producer could not add; off, they hold the metadata only |
//! | `EVENT_BUS_REDIS_DEAD_LETTER_STREAM` | `{topic}-dead-letter` | dead-letter stream (the prefix is added) |
//!
//! The last two are this port's: the Python consumer acknowledges a failing entry after logging
//! it, so it is lost. The URL may hold a password: `Debug` shows it as `***`.
//!
//! Security (this port's; Python's `edx-event-bus-redis` has the URL only, where `rediss://`
//! trusts the system's CAs): the credentials go in the URL or in `EVENT_BUS_REDIS_USERNAME` /
//! `_PASSWORD` (not both), and the TLS files need a `rediss://` URL; a client certificate needs
//! its key. These contradictions are refused when the settings are read, as are TLS files that
//! cannot be read or hold no PEM block of their kind. [`RedisSettings::security_lines`] describes
//! the effective security with every secret masked.

use super::registry_tls::check_tls_files;
use super::{names, redact_url, CommonSettings, Secret, SettingsError};
use crate::settings::valid_topic;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Names of the Redis settings (the topic prefix and service name are shared with Kafka's:
/// [`names::TOPIC_PREFIX`], [`names::SERVICE_NAME`]).
pub mod redis_names {
    /// The Redis URL.
    pub const CONNECTION_URL: &str = "EVENT_BUS_REDIS_CONNECTION_URL";
    /// The ACL user (instead of one in the URL).
    pub const USERNAME: &str = "EVENT_BUS_REDIS_USERNAME";
    /// The password (instead of one in the URL).
    pub const PASSWORD: &str = "EVENT_BUS_REDIS_PASSWORD";
    /// The CA file of the server's certificate (PEM; `rediss://` only).
    pub const SSL_CA_LOCATION: &str = "EVENT_BUS_REDIS_SSL_CA_LOCATION";
    /// The client certificate file (PEM; `rediss://` only).
    pub const SSL_CERTIFICATE_LOCATION: &str = "EVENT_BUS_REDIS_SSL_CERTIFICATE_LOCATION";
    /// The client certificate's private key file (PEM, unencrypted).
    pub const SSL_KEY_LOCATION: &str = "EVENT_BUS_REDIS_SSL_KEY_LOCATION";
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
    /// Whether ERROR lines hold `event_data`.
    pub const LOG_PAYLOADS: &str = "EVENT_BUS_REDIS_LOG_PAYLOADS";
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
        log_payloads: LOG_PAYLOADS,
    };
}

use redis_names as rn;

/// The settings of the Redis producer and consumer.
#[derive(Clone, PartialEq)]
pub struct RedisSettings {
    url: Secret,
    username: Option<String>,
    password: Option<Secret>,
    ca_location: Option<PathBuf>,
    certificate_location: Option<PathBuf>,
    key_location: Option<PathBuf>,
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
            .field("username", &self.username)
            .field("password", &self.password)
            .field("ca_location", &self.ca_location)
            .field("certificate_location", &self.certificate_location)
            .field("key_location", &self.key_location)
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
                username: None,
                password: None,
                ca_location: None,
                certificate_location: None,
                key_location: None,
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
        s.username = get(rn::USERNAME).map(|v| v.trim().to_owned());
        s.password = get(rn::PASSWORD).map(Secret::new);
        let path = |name: &str| get(name).map(|v| PathBuf::from(v.trim()));
        s.ca_location = path(rn::SSL_CA_LOCATION);
        s.certificate_location = path(rn::SSL_CERTIFICATE_LOCATION);
        s.key_location = path(rn::SSL_KEY_LOCATION);
        s.topic_prefix = get(names::TOPIC_PREFIX);
        s.service_name = get(names::SERVICE_NAME).or_else(|| get(names::SERVICE_VARIANT));
        if let Some(v) = get(names::SOURCELIB) {
            super::check_sourcelib(&v)?;
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

    /// The URL with its password, if any, as `***`; with the user and password of
    /// `EVENT_BUS_REDIS_USERNAME` / `_PASSWORD` shown in it as if they were there
    /// (`rediss://eventbus:***@host:6380/`).
    pub fn url_for_logs(&self) -> String {
        let url = self.url.expose();
        if self.username.is_none() && self.password.is_none() {
            return redact_url(url);
        }
        let user = self.username.as_deref().unwrap_or("");
        let password = if self.password.is_some() { ":***" } else { "" };
        match url.split_once("://") {
            Some((scheme, rest)) if !scheme.contains("unix") => {
                format!("{scheme}://{user}{password}@{rest}")
            }
            _ => format!("{} (user {user:?}{password})", redact_url(url)),
        }
    }

    /// `EVENT_BUS_REDIS_USERNAME`, if set (a user in the URL is not shown here).
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// `EVENT_BUS_REDIS_PASSWORD`, if set (a password in the URL is not shown here).
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    /// Whether the URL is `rediss://`: TLS.
    pub fn uses_tls(&self) -> bool {
        url_scheme(self.url.expose()).eq_ignore_ascii_case("rediss")
    }

    /// `EVENT_BUS_REDIS_SSL_CA_LOCATION`, if set.
    pub fn ca_location(&self) -> Option<&Path> {
        self.ca_location.as_deref()
    }

    /// `EVENT_BUS_REDIS_SSL_CERTIFICATE_LOCATION`, if set (then the key is too).
    pub fn certificate_location(&self) -> Option<&Path> {
        self.certificate_location.as_deref()
    }

    /// `EVENT_BUS_REDIS_SSL_KEY_LOCATION`, if set (then the certificate is too).
    pub fn key_location(&self) -> Option<&Path> {
        self.key_location.as_deref()
    }

    /// The effective security of the connection, for `eventbus config check --env`: the URL
    /// (password masked), TLS and its files, and where the credentials come from. Paths are
    /// shown, secrets and file contents never.
    pub fn security_lines(&self) -> Vec<String> {
        let url = self.url.expose();
        let (url_user, url_password) = url_credentials(url);
        let tls = if !self.uses_tls() {
            "no TLS".to_owned()
        } else {
            let mut tls = match &self.ca_location {
                Some(ca) => format!("TLS, CA {} ({} only)", ca.display(), rn::SSL_CA_LOCATION),
                None => "TLS, the system's CAs".to_owned(),
            };
            match (&self.certificate_location, &self.key_location) {
                (Some(certificate), Some(key)) => tls.push_str(&format!(
                    ", client certificate {}, key {}",
                    certificate.display(),
                    key.display()
                )),
                _ => tls.push_str(", no client certificate"),
            }
            tls
        };
        let auth = match (&self.username, &self.password, url_user, url_password) {
            (Some(user), _, _, _) => {
                format!(
                    "user {user}, password *** ({} / {})",
                    rn::USERNAME,
                    rn::PASSWORD
                )
            }
            (None, Some(_), _, _) => format!("the default user, password *** ({})", rn::PASSWORD),
            (None, None, Some(user), true) => format!("user {user}, password *** (in the URL)"),
            (None, None, None, true) => "the default user, password *** (in the URL)".to_owned(),
            _ => "no password (the default user)".to_owned(),
        };
        vec![format!("redis: {} {tls}; {auth}", self.url_for_logs())]
    }

    /// `EVENT_BUS_TOPIC_PREFIX`, if set.
    pub fn topic_prefix(&self) -> Option<&str> {
        self.topic_prefix.as_deref()
    }

    /// The stream of `topic`: `{prefix}-{topic}` with a prefix.
    pub fn full_topic(&self, topic: &str) -> String {
        super::full_topic(self.topic_prefix.as_deref(), topic)
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

impl RedisSettings {
    /// Refuse contradictory security settings, and TLS files that cannot be used.
    fn check_security(&self) -> Result<(), SettingsError> {
        match (&self.certificate_location, &self.key_location) {
            (Some(_), None) => {
                return Err(SettingsError::Incomplete {
                    set: rn::SSL_CERTIFICATE_LOCATION,
                    missing: rn::SSL_KEY_LOCATION,
                })
            }
            (None, Some(_)) => {
                return Err(SettingsError::Incomplete {
                    set: rn::SSL_KEY_LOCATION,
                    missing: rn::SSL_CERTIFICATE_LOCATION,
                })
            }
            _ => {}
        }
        let tls_setting = [
            (rn::SSL_CA_LOCATION, &self.ca_location),
            (rn::SSL_CERTIFICATE_LOCATION, &self.certificate_location),
        ]
        .into_iter()
        .find_map(|(name, value)| value.as_ref().map(|_| name));
        if let Some(setting) = tls_setting {
            if !self.uses_tls() {
                return Err(SettingsError::Conflict {
                    first: setting,
                    second: rn::CONNECTION_URL,
                    reason: format!(
                        "TLS files need a rediss:// URL, not {}://",
                        url_scheme(self.url.expose())
                    ),
                });
            }
        }
        let (url_user, url_password) = url_credentials(self.url.expose());
        let in_url = url_user.is_some() || url_password;
        for (setting, set) in [
            (rn::USERNAME, self.username.is_some()),
            (rn::PASSWORD, self.password.is_some()),
        ] {
            if set && in_url {
                return Err(SettingsError::Conflict {
                    first: setting,
                    second: rn::CONNECTION_URL,
                    reason: "the URL holds credentials too; give them in one place only".into(),
                });
            }
        }
        if self.username.is_some() && self.password.is_none() {
            return Err(SettingsError::Incomplete {
                set: rn::USERNAME,
                missing: rn::PASSWORD,
            });
        }
        if let Some(user) = &self.username {
            if user.is_empty() || user.contains(char::is_whitespace) {
                return Err(SettingsError::Invalid {
                    setting: rn::USERNAME,
                    value: user.clone(),
                    reason: "a Redis user name is one word".into(),
                });
            }
        }
        check_tls_files([
            (rn::SSL_CA_LOCATION, self.ca_location.as_deref()),
            (
                rn::SSL_CERTIFICATE_LOCATION,
                self.certificate_location.as_deref(),
            ),
            (rn::SSL_KEY_LOCATION, self.key_location.as_deref()),
        ])
    }
}

/// The scheme of a URL (`redis`, `rediss`, `unix`...), without `://`.
fn url_scheme(url: &str) -> &str {
    url.split_once("://").map_or("", |(scheme, _)| scheme)
}

/// The user name and whether a password is in a `redis://` or `rediss://` URL (unix URLs give
/// theirs as query parameters, which the redis crate reads: `?user=...&pass=...`).
fn url_credentials(url: &str) -> (Option<String>, bool) {
    match ::redis::IntoConnectionInfo::into_connection_info(url) {
        Ok(info) => {
            let redis = info.redis_settings();
            (
                redis.username().map(str::to_owned),
                redis.password().is_some(),
            )
        }
        Err(_) => (None, false),
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

    /// `EVENT_BUS_REDIS_USERNAME` and `EVENT_BUS_REDIS_PASSWORD`: an ACL user and its password
    /// (instead of credentials in the URL).
    pub fn credentials(mut self, username: impl Into<String>, password: Secret) -> Self {
        self.settings.username = Some(username.into());
        self.settings.password = Some(password);
        self
    }

    /// `EVENT_BUS_REDIS_PASSWORD` alone: the `default` user's password.
    pub fn password(mut self, password: Secret) -> Self {
        self.settings.password = Some(password);
        self
    }

    /// `EVENT_BUS_REDIS_SSL_CA_LOCATION`: trust only the CA(s) of this PEM file.
    pub fn ca_location(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.ca_location = Some(path.into());
        self
    }

    /// `EVENT_BUS_REDIS_SSL_CERTIFICATE_LOCATION` and `_KEY_LOCATION`: send this client
    /// certificate (PEM files).
    pub fn client_certificate(
        mut self,
        certificate: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.settings.certificate_location = Some(certificate.into());
        self.settings.key_location = Some(key.into());
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
        settings.check_security()?;
        settings.common.check(&rn::COMMON)?;
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

    /// A scratch folder with a CA, a client certificate and its key (PEM-shaped, not real).
    struct Files(std::path::PathBuf);

    impl Files {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("eventbus-redis-tls-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
            std::fs::write(dir.join("ca.pem"), cert).unwrap();
            std::fs::write(dir.join("client.pem"), cert).unwrap();
            std::fs::write(
                dir.join("client.key"),
                "-----BEGIN PRIVATE KEY-----\nMARKER\n-----END PRIVATE KEY-----\n",
            )
            .unwrap();
            Files(dir)
        }

        fn path(&self, name: &str) -> String {
            self.0.join(name).display().to_string()
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const MARKER: &str = "MARKER-s3cret-pw";

    #[test]
    fn tls_and_an_acl_user_from_the_environment() {
        let files = Files::new("read");
        let settings = from(&[
            (rn::CONNECTION_URL, "rediss://127.0.0.1:16380/"),
            (rn::USERNAME, "eventbus-acl"),
            (rn::PASSWORD, MARKER),
            (rn::SSL_CA_LOCATION, &files.path("ca.pem")),
            (rn::SSL_CERTIFICATE_LOCATION, &files.path("client.pem")),
            (rn::SSL_KEY_LOCATION, &files.path("client.key")),
        ])
        .unwrap();
        assert!(settings.uses_tls());
        assert_eq!(settings.username(), Some("eventbus-acl"));
        assert_eq!(settings.password().map(Secret::expose), Some(MARKER));
        assert_eq!(
            settings.ca_location(),
            Some(files.0.join("ca.pem").as_path())
        );
        assert_eq!(
            settings.key_location(),
            Some(files.0.join("client.key").as_path())
        );
        assert_eq!(
            settings.url_for_logs(),
            "rediss://eventbus-acl:***@127.0.0.1:16380/"
        );
        let lines = settings.security_lines();
        assert_eq!(
            lines,
            [format!(
                "redis: rediss://eventbus-acl:***@127.0.0.1:16380/ TLS, CA {} ({} only), client \
                 certificate {}, key {}; user eventbus-acl, password *** ({} / {})",
                files.path("ca.pem"),
                rn::SSL_CA_LOCATION,
                files.path("client.pem"),
                files.path("client.key"),
                rn::USERNAME,
                rn::PASSWORD
            )]
        );
        let debug = format!("{settings:?}");
        assert!(!debug.contains(MARKER), "{debug}");
        assert!(!lines.concat().contains(MARKER));
        // The same in code.
        let built = RedisSettings::builder("rediss://127.0.0.1:16380/")
            .credentials("eventbus-acl", Secret::new(MARKER))
            .ca_location(files.0.join("ca.pem"))
            .client_certificate(files.0.join("client.pem"), files.0.join("client.key"))
            .build()
            .unwrap();
        assert_eq!(built, settings);
    }

    #[test]
    fn security_lines_say_where_the_credentials_are() {
        let line = |vars: &[(&str, &str)]| from(vars).unwrap().security_lines().concat();
        assert_eq!(
            line(&[(rn::CONNECTION_URL, "redis://127.0.0.1:6379/0")]),
            "redis: redis://127.0.0.1:6379/0 no TLS; no password (the default user)"
        );
        assert_eq!(
            line(&[(rn::CONNECTION_URL, "rediss://u:MARKER@h:1/")]),
            "redis: rediss://u:***@h:1/ TLS, the system's CAs, no client certificate; user u, \
             password *** (in the URL)"
        );
        assert_eq!(
            line(&[(rn::CONNECTION_URL, "redis://:MARKER@h:1/")]),
            "redis: redis://:***@h:1/ no TLS; the default user, password *** (in the URL)"
        );
        assert_eq!(
            line(&[
                (rn::CONNECTION_URL, "redis://h:1/"),
                (rn::PASSWORD, "MARKER")
            ]),
            format!(
                "redis: redis://:***@h:1/ no TLS; the default user, password *** ({})",
                rn::PASSWORD
            )
        );
    }

    #[test]
    fn contradictions_are_refused() {
        let files = Files::new("refuse");
        let (ca, cert, key) = (
            files.path("ca.pem"),
            files.path("client.pem"),
            files.path("client.key"),
        );
        let tls_url = (rn::CONNECTION_URL, "rediss://127.0.0.1:16380/");
        // A certificate without its key, a key without its certificate, a user without a
        // password.
        assert_eq!(
            from(&[tls_url, (rn::SSL_CERTIFICATE_LOCATION, &cert)]).unwrap_err(),
            SettingsError::Incomplete {
                set: rn::SSL_CERTIFICATE_LOCATION,
                missing: rn::SSL_KEY_LOCATION
            }
        );
        assert_eq!(
            from(&[tls_url, (rn::SSL_KEY_LOCATION, &key)]).unwrap_err(),
            SettingsError::Incomplete {
                set: rn::SSL_KEY_LOCATION,
                missing: rn::SSL_CERTIFICATE_LOCATION
            }
        );
        assert_eq!(
            from(&[tls_url, (rn::USERNAME, "eventbus-acl")]).unwrap_err(),
            SettingsError::Incomplete {
                set: rn::USERNAME,
                missing: rn::PASSWORD
            }
        );
        // TLS files with a plain URL.
        for (name, value) in [
            (rn::SSL_CA_LOCATION, &ca),
            (rn::SSL_CERTIFICATE_LOCATION, &cert),
        ] {
            let mut vars = vec![
                (rn::CONNECTION_URL, "redis://127.0.0.1:16379/"),
                (name, value),
            ];
            if name == rn::SSL_CERTIFICATE_LOCATION {
                vars.push((rn::SSL_KEY_LOCATION, &key));
            }
            let error = from(&vars).unwrap_err();
            assert!(
                matches!(&error, SettingsError::Conflict { first, second, .. }
                    if *first == name && *second == rn::CONNECTION_URL),
                "{error}"
            );
            assert!(error.to_string().contains("rediss://"), "{error}");
        }
        // Credentials in the URL and in the settings.
        for (url, name, value) in [
            ("rediss://u:MARKER@h:1/", rn::USERNAME, "v"),
            ("rediss://u:MARKER@h:1/", rn::PASSWORD, "MARKER"),
            ("rediss://:MARKER@h:1/", rn::PASSWORD, "MARKER"),
        ] {
            let mut vars = vec![(rn::CONNECTION_URL, url), (name, value)];
            if name == rn::USERNAME {
                vars.push((rn::PASSWORD, "MARKER"));
            }
            let error = from(&vars).unwrap_err();
            assert!(
                matches!(&error, SettingsError::Conflict { second, .. } if *second == rn::CONNECTION_URL),
                "{error}"
            );
            assert!(!error.to_string().contains("MARKER"), "{error}");
        }
        // Files that cannot be read or are of the wrong kind.
        for (name, value) in [
            (rn::SSL_CA_LOCATION, files.path("missing.pem")),
            (rn::SSL_CA_LOCATION, key.clone()),
        ] {
            let error = from(&[tls_url, (name, &value)]).unwrap_err();
            assert!(
                matches!(&error, SettingsError::Invalid { setting, .. } if *setting == name),
                "{error}"
            );
            assert!(!error.to_string().contains("MARKER"), "{error}");
        }
        let error = from(&[
            tls_url,
            (rn::SSL_CERTIFICATE_LOCATION, &cert),
            (rn::SSL_KEY_LOCATION, &cert),
        ])
        .unwrap_err();
        assert!(
            matches!(&error, SettingsError::Invalid { setting, .. } if *setting == rn::SSL_KEY_LOCATION),
            "{error}"
        );
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
