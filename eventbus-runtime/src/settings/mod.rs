//! Settings from the environment (named as the Django settings of the Python packages) or built in
//! code: the Kafka settings ([`KafkaSettings`], `kafka.rs`, which documents every variable), the
//! Redis settings (`RedisSettings`, feature `redis`), what every consumer shares
//! ([`CommonSettings`]), the consumer group's membership, security, librdkafka options and the
//! registry's TLS; here, what they all use: [`Secret`], [`SettingsError`], [`OnError`] and the
//! value parsers (`parse.rs`).

mod common;
mod kafka;
mod kafka_group;
mod kafka_options;
mod kafka_security;
mod parse;
#[cfg(feature = "redis")]
mod redis;
mod registry_tls;
pub use kafka::{
    names, KafkaSettings, KafkaSettingsBuilder, DEFAULT_PRODUCE_TIMEOUT, MEMORY_SCHEME,
};
pub(crate) use parse::{
    check_sourcelib, full_topic, parse_bool, parse_count, parse_limit, parse_on_error,
    parse_seconds,
};
pub use parse::{redact_url, valid_topic};
pub use registry_tls::RegistryTls;

pub use common::{CommonNames, CommonSettings, RetryPolicy};
pub use kafka_group::{
    AssignmentStrategy, GroupMembership, GroupProtocol, DEFAULT_REVOCATION_TIMEOUT,
    DEFAULT_SESSION_TIMEOUT, DEFAULT_STATIC_SESSION_TIMEOUT,
};
pub use kafka_options::{is_secret_property, option_property, ClientOptions, OPTION_PREFIX};
pub use kafka_security::{
    KafkaSecurity, OidcClient, Pem, SaslAuth, SaslMechanism, SecurityProtocol, TlsSettings,
};

#[cfg(feature = "redis")]
pub use redis::{redis_names, RedisSettings, RedisSettingsBuilder};
use std::fmt;

/// A secret value (password, API secret): its `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, to hand to the client that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A user name and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (API key).
    pub key: String,
    /// The password (API secret).
    pub secret: Secret,
}

/// What a consumer does with a message it cannot process (bad framing, unknown schema, unknown
/// event type, bad headers, failing receivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Copy it to the dead-letter topic with the error in its headers, commit it, go on.
    #[default]
    DeadLetter,
    /// Stop the consumer with an error, without committing the message.
    Stop,
}

impl OnError {
    /// The setting value: `dead-letter` or `stop`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnError::DeadLetter => "dead-letter",
            OnError::Stop => "stop",
        }
    }
}

/// A setting that is missing or cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A required setting is not set.
    #[error("setting {setting} is required")]
    Missing {
        /// The setting's name.
        setting: &'static str,
    },
    /// A setting has a value that cannot be used.
    #[error("setting {setting}: invalid value {value:?}: {reason}")]
    Invalid {
        /// The setting's name.
        setting: &'static str,
        /// The value given.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// One of a key/secret pair is set without the other.
    #[error("setting {set} is set but {missing} is not; set both or neither")]
    Incomplete {
        /// The setting that is set.
        set: &'static str,
        /// The setting that is missing.
        missing: &'static str,
    },
    /// Two settings contradict each other.
    #[error("settings {first} and {second} contradict each other: {reason}")]
    Conflict {
        /// The first setting.
        first: &'static str,
        /// The other setting.
        second: &'static str,
        /// Why they cannot go together.
        reason: String,
    },
    /// A setting needs another one that is not set.
    #[error("setting {setting} needs {needs}: {reason}")]
    Needs {
        /// The setting given.
        setting: &'static str,
        /// The setting it needs.
        needs: &'static str,
        /// Why.
        reason: String,
    },
    /// A librdkafka option sets a property that a named setting sets to another value.
    #[error(
        "librdkafka option {property} ({}) contradicts the value the named Kafka settings give it; \
         keep one of them", option_variable(property)
    )]
    OptionConflict {
        /// The librdkafka property.
        property: String,
    },
}

/// The variable that sets librdkafka property `property`: `session.timeout.ms` is set by
/// `EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS`.
pub fn option_variable(property: &str) -> String {
    format!(
        "{OPTION_PREFIX}{}",
        property
            .replace('_', "__")
            .replace('.', "_")
            .to_ascii_uppercase()
    )
}
