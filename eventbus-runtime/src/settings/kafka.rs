//! Settings of the Kafka event bus, read from environment variables named as the Django settings
//! of `edx-event-bus-kafka`, or built in code with [`KafkaSettings::builder`].
//!
//! | Variable | Default | Meaning |
//! | --- | --- | --- |
//! | `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` | required | `host:port[,host:port...]` |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL` | required | Confluent-compatible registry URL |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY` / `_SECRET` | none | registry basic auth |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CA_LOCATION` | the system's CAs | the registry's CA, a PEM file |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CERTIFICATE_LOCATION` / `_SSL_KEY_LOCATION` | none | a client certificate and key for the registry (PEM files) |
//! | `EVENT_BUS_KAFKA_API_KEY` / `_SECRET` | none | SASL user and password (alone: SASL_SSL + PLAIN, as Python) |
//! | `EVENT_BUS_KAFKA_SECURITY_PROTOCOL` | see below | `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL` |
//! | `EVENT_BUS_KAFKA_SASL_MECHANISM` | `PLAIN` | `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER` |
//! | `EVENT_BUS_KAFKA_OAUTH_TOKEN_ENDPOINT_URL` | none | OAUTHBEARER: the OIDC token endpoint (client-credentials grant) |
//! | `EVENT_BUS_KAFKA_OAUTH_CLIENT_ID` / `_CLIENT_SECRET` | none | OAUTHBEARER: the client's id and secret |
//! | `EVENT_BUS_KAFKA_OAUTH_SCOPE` | none | OAUTHBEARER: the scope asked for |
//! | `EVENT_BUS_KAFKA_SSL_CA_LOCATION` or `_SSL_CA_PEM` | the system's CAs | the CA of the brokers' certificates: a PEM file, or PEM text |
//! | `EVENT_BUS_KAFKA_SSL_CERTIFICATE_LOCATION` or `_PEM` | none | mutual TLS: the client certificate |
//! | `EVENT_BUS_KAFKA_SSL_KEY_LOCATION` or `_PEM` | none | mutual TLS: its private key |
//! | `EVENT_BUS_KAFKA_SSL_KEY_PASSWORD` | none | the private key's password |
//! | `EVENT_BUS_KAFKA_SSL_VERIFY_HOSTNAME` | `true` | a broker's certificate must name the host connected to |
//! | `EVENT_BUS_KAFKA_OPTION_<NAME>` | none | any librdkafka property: `EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS=10000` is `session.timeout.ms` (see [`option_property`]) |
//! | `EVENT_BUS_TOPIC_PREFIX` | none | topics become `{prefix}-{topic}` |
//! | `EVENTS_SERVICE_NAME` | `SERVICE_VARIANT` | Kafka `client.id`, metadata `source` |
//! | `EVENT_BUS_SOURCELIB` | `11.2.0` | metadata `sourcelib`: the openedx-events version the events follow |
//! | `EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT` | `1.0` | seconds a poll waits for a message |
//! | `EVENT_BUS_KAFKA_CONSUMER_POLL_FAILURE_SLEEP` | `1.0` | seconds to sleep after a failed poll |
//! | `EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT` | none | stop after this many errors in a row (`0`: none) |
//! | `EVENT_BUS_KAFKA_CONSUMERS_ENABLED` | `true` | kill switch: a disabled consumer exits at once |
//! | `EVENT_BUS_KAFKA_AUDIT_LOGGING_ENABLED` | `true` | log every produced and consumed message (INFO: topic, partition, offset, message id, event type, key; never the value), as Python does |
//! | `EVENT_BUS_KAFKA_LOG_PAYLOADS` | `false` | ERROR lines hold payloads, which may hold learners' personal data: the key and value of a message the consumer cannot process, the key and data of an event the producer could not deliver; off, they name the event's id and type, the topic (and partition and offset) and the metadata |
//! | `EVENT_BUS_KAFKA_CONSUMER_ON_ERROR` | `dead-letter` | what a consumer does with a message it cannot process: `dead-letter` or `stop` |
//! | `EVENT_BUS_KAFKA_CONSUMER_RECEIVER_RETRIES` | `2` | how many times the receivers that failed on an event run again (only them) before it is dead-lettered; `0`: never, as the Python consumers |
//! | `EVENT_BUS_KAFKA_CONSUMER_RETRY_BACKOFF` | `0.1` | seconds before the first retry; doubles after each |
//! | `EVENT_BUS_KAFKA_CONSUMER_RETRY_BACKOFF_MAX` | `5` | the longest delay between two retries, seconds |
//! | `EVENT_BUS_KAFKA_CONSUMER_MAX_IN_FLIGHT` | `1` | events processed at once; above 1, events of different keys run concurrently and the events of one key stay in order |
//! | `EVENT_BUS_KAFKA_DEAD_LETTER_TOPIC` | `{topic}-dead-letter` | dead-letter topic (the prefix is added) |
//! | `EVENT_BUS_KAFKA_CONSUMER_COMMIT_INTERVAL` | `0` | seconds between offset commits; `0`: commit after every message |
//! | `EVENT_BUS_KAFKA_CONSUMER_GROUP_PROTOCOL` | `classic` | `classic`, or `consumer`: the next-generation protocol (KIP-848, Kafka 4), the broker assigns partitions |
//! | `EVENT_BUS_KAFKA_CONSUMER_ASSIGNMENT_STRATEGY` | `cooperative-sticky` (classic), the broker's (consumer) | classic: `cooperative-sticky` (incremental), `range` or `roundrobin` (eager); consumer: `uniform` or `range` |
//! | `EVENT_BUS_KAFKA_CONSUMER_SESSION_TIMEOUT` | `10`; `45` for a static member (librdkafka's: 45) | classic: seconds before the group takes the partitions of a silent member |
//! | `EVENT_BUS_KAFKA_CONSUMER_HEARTBEAT_INTERVAL` | librdkafka's `3` | classic: seconds between heartbeats |
//! | `EVENT_BUS_KAFKA_CONSUMER_MAX_POLL_INTERVAL` | librdkafka's `300` | seconds a member may go without reading before it leaves the group |
//! | `EVENT_BUS_KAFKA_CONSUMER_GROUP_INSTANCE_ID` | none | static membership: this member's stable id (a pod name), kept across restarts |
//! | `EVENT_BUS_KAFKA_CONSUMER_REVOCATION_TIMEOUT` | `10` | seconds a member may take to finish the running events of partitions taken from it before it lets them go |
//! | `EVENT_BUS_KAFKA_PRODUCE_TIMEOUT` | `30` | seconds a produced event may take to be acknowledged (librdkafka `message.timeout.ms`) and a topic's metadata to be read, before the producer returns an error |
//!
//! The security protocol defaults to `SASL_SSL` when a SASL setting is given (the API key alone
//! means PLAIN, as in Python), `SSL` when only TLS settings are, else `PLAINTEXT`. Contradictions
//! are refused when the settings are read: a protocol without TLS with a CA, SCRAM without a
//! password, OAUTHBEARER without a token endpoint, a certificate without its key, an option that
//! sets a property a named setting sets otherwise ([`SettingsError::Conflict`],
//! [`SettingsError::Needs`]). See [`KafkaSecurity`] and [`KafkaSettings::describe_security`].
//!
//! The produce timeout is this port's too: Python leaves librdkafka's `message.timeout.ms` of 300 s,
//! during which an unreachable broker or a topic that does not exist only shows in logs. Here the
//! producer checks each topic's metadata once (bounded by the timeout) before its first event, and
//! fails with an error naming the bootstrap servers or the missing topic.
//! The dead-letter, retry, concurrency and commit-interval settings are this port's (the Python
//! consumer logs a failing message and commits it, and commits after every message). With a
//! commit interval, the offset of each message is still stored only after its receivers ran and
//! librdkafka commits the stored offsets every interval, on rebalance and at shutdown: still at
//! least once, faster (the README's throughput section has the figures), and a crash redelivers up
//! to one interval of messages.
//! Booleans accept `true/false`, `1/0`, `yes/no`, `on/off` (any case). An empty variable counts as
//! unset. A value that cannot be read fails [`KafkaSettings::from_env`] with an error naming the
//! setting. Secrets never appear in `Debug` output or logs.
//!
//! The Redis backend's settings are `RedisSettings` (feature `redis`).

use super::kafka_security::SecurityInput;
use super::{
    check_sourcelib, full_topic, option_property, parse_seconds, valid_topic, ClientOptions,
    CommonSettings, Credentials, GroupMembership, KafkaSecurity, OidcClient, Pem, RegistryTls,
    SaslAuth, SaslMechanism, Secret, SecurityProtocol, SettingsError,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// Names of the settings.
pub mod names {
    /// Kafka bootstrap servers.
    pub const BOOTSTRAP_SERVERS: &str = "EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS";
    /// Schema registry URL.
    pub const SCHEMA_REGISTRY_URL: &str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL";
    /// Schema registry basic-auth user.
    pub const SCHEMA_REGISTRY_API_KEY: &str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY";
    /// Schema registry basic-auth password.
    pub const SCHEMA_REGISTRY_API_SECRET: &str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET";
    /// The registry's CA, a PEM file.
    pub const SCHEMA_REGISTRY_SSL_CA_LOCATION: &str = crate::settings::RegistryTls::CA_LOCATION;
    /// The registry client's certificate, a PEM file.
    pub const SCHEMA_REGISTRY_SSL_CERTIFICATE_LOCATION: &str =
        crate::settings::RegistryTls::CERTIFICATE_LOCATION;
    /// The registry client's key, a PEM file.
    pub const SCHEMA_REGISTRY_SSL_KEY_LOCATION: &str = crate::settings::RegistryTls::KEY_LOCATION;
    /// Kafka SASL user.
    pub const API_KEY: &str = "EVENT_BUS_KAFKA_API_KEY";
    /// Kafka SASL password.
    pub const API_SECRET: &str = "EVENT_BUS_KAFKA_API_SECRET";
    /// `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`.
    pub const SECURITY_PROTOCOL: &str = "EVENT_BUS_KAFKA_SECURITY_PROTOCOL";
    /// `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER`.
    pub const SASL_MECHANISM: &str = "EVENT_BUS_KAFKA_SASL_MECHANISM";
    /// OAUTHBEARER: the OIDC token endpoint.
    pub const OAUTH_TOKEN_ENDPOINT_URL: &str = "EVENT_BUS_KAFKA_OAUTH_TOKEN_ENDPOINT_URL";
    /// OAUTHBEARER: the client id.
    pub const OAUTH_CLIENT_ID: &str = "EVENT_BUS_KAFKA_OAUTH_CLIENT_ID";
    /// OAUTHBEARER: the client secret.
    pub const OAUTH_CLIENT_SECRET: &str = "EVENT_BUS_KAFKA_OAUTH_CLIENT_SECRET";
    /// OAUTHBEARER: the scope.
    pub const OAUTH_SCOPE: &str = "EVENT_BUS_KAFKA_OAUTH_SCOPE";
    /// The brokers' CA, a PEM file.
    pub const SSL_CA_LOCATION: &str = "EVENT_BUS_KAFKA_SSL_CA_LOCATION";
    /// The brokers' CA, PEM text.
    pub const SSL_CA_PEM: &str = "EVENT_BUS_KAFKA_SSL_CA_PEM";
    /// The client certificate, a PEM file.
    pub const SSL_CERTIFICATE_LOCATION: &str = "EVENT_BUS_KAFKA_SSL_CERTIFICATE_LOCATION";
    /// The client certificate, PEM text.
    pub const SSL_CERTIFICATE_PEM: &str = "EVENT_BUS_KAFKA_SSL_CERTIFICATE_PEM";
    /// The client certificate's key, a PEM file.
    pub const SSL_KEY_LOCATION: &str = "EVENT_BUS_KAFKA_SSL_KEY_LOCATION";
    /// The client certificate's key, PEM text.
    pub const SSL_KEY_PEM: &str = "EVENT_BUS_KAFKA_SSL_KEY_PEM";
    /// The key's password.
    pub const SSL_KEY_PASSWORD: &str = "EVENT_BUS_KAFKA_SSL_KEY_PASSWORD";
    /// Whether brokers' certificates must name the host (default true).
    pub const SSL_VERIFY_HOSTNAME: &str = "EVENT_BUS_KAFKA_SSL_VERIFY_HOSTNAME";
    /// Topic prefix.
    pub const TOPIC_PREFIX: &str = "EVENT_BUS_TOPIC_PREFIX";
    /// Service name.
    pub const SERVICE_NAME: &str = "EVENTS_SERVICE_NAME";
    /// Fallback service name.
    pub const SERVICE_VARIANT: &str = "SERVICE_VARIANT";
    /// The metadata's `sourcelib` (default: the openedx-events version the catalog mirrors).
    /// Checked by `from_env`; applied where metadata is made ([`crate::metadata::sourcelib`]).
    pub const SOURCELIB: &str = crate::metadata::SOURCELIB_SETTING;
    /// Consumer poll timeout, seconds.
    pub const CONSUMER_POLL_TIMEOUT: &str = "EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT";
    /// Sleep after a failed poll, seconds.
    pub const CONSUMER_POLL_FAILURE_SLEEP: &str = "EVENT_BUS_KAFKA_CONSUMER_POLL_FAILURE_SLEEP";
    /// Consecutive errors before the consumer stops.
    pub const CONSUMER_CONSECUTIVE_ERRORS_LIMIT: &str =
        "EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT";
    /// Consumer kill switch.
    pub const CONSUMERS_ENABLED: &str = "EVENT_BUS_KAFKA_CONSUMERS_ENABLED";
    /// Audit logging toggle.
    pub const AUDIT_LOGGING_ENABLED: &str = "EVENT_BUS_KAFKA_AUDIT_LOGGING_ENABLED";
    /// How many times a consumer runs failing receivers again before dead-lettering.
    pub const CONSUMER_RECEIVER_RETRIES: &str = "EVENT_BUS_KAFKA_CONSUMER_RECEIVER_RETRIES";
    /// Seconds before the first retry of failing receivers (doubling after each).
    pub const CONSUMER_RETRY_BACKOFF: &str = "EVENT_BUS_KAFKA_CONSUMER_RETRY_BACKOFF";
    /// The longest delay between two retries, seconds.
    pub const CONSUMER_RETRY_BACKOFF_MAX: &str = "EVENT_BUS_KAFKA_CONSUMER_RETRY_BACKOFF_MAX";
    /// How many events a consumer processes at once (events of one key stay in order).
    pub const CONSUMER_MAX_IN_FLIGHT: &str = "EVENT_BUS_KAFKA_CONSUMER_MAX_IN_FLIGHT";
    /// Consumer failure policy.
    pub const CONSUMER_ON_ERROR: &str = "EVENT_BUS_KAFKA_CONSUMER_ON_ERROR";
    /// Dead-letter topic.
    pub const DEAD_LETTER_TOPIC: &str = "EVENT_BUS_KAFKA_DEAD_LETTER_TOPIC";
    /// Seconds between consumer offset commits (0: after every message).
    pub const CONSUMER_COMMIT_INTERVAL: &str = "EVENT_BUS_KAFKA_CONSUMER_COMMIT_INTERVAL";
    /// Whether ERROR lines hold payloads (keys, values, event data).
    pub const LOG_PAYLOADS: &str = "EVENT_BUS_KAFKA_LOG_PAYLOADS";
    /// The consumer group protocol: `classic` or `consumer`.
    pub const CONSUMER_GROUP_PROTOCOL: &str = "EVENT_BUS_KAFKA_CONSUMER_GROUP_PROTOCOL";
    /// How partitions are assigned to the members of a group.
    pub const CONSUMER_ASSIGNMENT_STRATEGY: &str = "EVENT_BUS_KAFKA_CONSUMER_ASSIGNMENT_STRATEGY";
    /// Seconds before the group takes the partitions of a silent member (classic protocol).
    pub const CONSUMER_SESSION_TIMEOUT: &str = "EVENT_BUS_KAFKA_CONSUMER_SESSION_TIMEOUT";
    /// Seconds between heartbeats (classic protocol).
    pub const CONSUMER_HEARTBEAT_INTERVAL: &str = "EVENT_BUS_KAFKA_CONSUMER_HEARTBEAT_INTERVAL";
    /// Seconds a member may go without reading before it leaves the group.
    pub const CONSUMER_MAX_POLL_INTERVAL: &str = "EVENT_BUS_KAFKA_CONSUMER_MAX_POLL_INTERVAL";
    /// Static membership: this member's stable id in its group.
    pub const CONSUMER_GROUP_INSTANCE_ID: &str = "EVENT_BUS_KAFKA_CONSUMER_GROUP_INSTANCE_ID";
    /// Seconds a member may take to finish the events of revoked partitions.
    pub const CONSUMER_REVOCATION_TIMEOUT: &str = "EVENT_BUS_KAFKA_CONSUMER_REVOCATION_TIMEOUT";
    /// Seconds a produced event may wait for the broker's acknowledgement.
    pub const PRODUCE_TIMEOUT: &str = "EVENT_BUS_KAFKA_PRODUCE_TIMEOUT";
    /// The names of Kafka's [`crate::settings::CommonSettings`].
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
    /// Every named Kafka setting (the options, `EVENT_BUS_KAFKA_OPTION_*`, aside): what a worker
    /// file's `[kafka]` table may set, in lower case without the `EVENT_BUS_KAFKA_` prefix.
    pub const ALL: &[&str] = &[
        BOOTSTRAP_SERVERS,
        SCHEMA_REGISTRY_URL,
        SCHEMA_REGISTRY_API_KEY,
        SCHEMA_REGISTRY_API_SECRET,
        SCHEMA_REGISTRY_SSL_CA_LOCATION,
        SCHEMA_REGISTRY_SSL_CERTIFICATE_LOCATION,
        SCHEMA_REGISTRY_SSL_KEY_LOCATION,
        API_KEY,
        API_SECRET,
        SECURITY_PROTOCOL,
        SASL_MECHANISM,
        OAUTH_TOKEN_ENDPOINT_URL,
        OAUTH_CLIENT_ID,
        OAUTH_CLIENT_SECRET,
        OAUTH_SCOPE,
        SSL_CA_LOCATION,
        SSL_CA_PEM,
        SSL_CERTIFICATE_LOCATION,
        SSL_CERTIFICATE_PEM,
        SSL_KEY_LOCATION,
        SSL_KEY_PEM,
        SSL_KEY_PASSWORD,
        SSL_VERIFY_HOSTNAME,
        CONSUMER_POLL_TIMEOUT,
        CONSUMER_POLL_FAILURE_SLEEP,
        CONSUMER_CONSECUTIVE_ERRORS_LIMIT,
        CONSUMERS_ENABLED,
        AUDIT_LOGGING_ENABLED,
        CONSUMER_RECEIVER_RETRIES,
        CONSUMER_RETRY_BACKOFF,
        CONSUMER_RETRY_BACKOFF_MAX,
        CONSUMER_MAX_IN_FLIGHT,
        LOG_PAYLOADS,
        CONSUMER_ON_ERROR,
        DEAD_LETTER_TOPIC,
        CONSUMER_COMMIT_INTERVAL,
        CONSUMER_GROUP_PROTOCOL,
        CONSUMER_ASSIGNMENT_STRATEGY,
        CONSUMER_SESSION_TIMEOUT,
        CONSUMER_HEARTBEAT_INTERVAL,
        CONSUMER_MAX_POLL_INTERVAL,
        CONSUMER_GROUP_INSTANCE_ID,
        CONSUMER_REVOCATION_TIMEOUT,
        PRODUCE_TIMEOUT,
    ];
}

/// The URL scheme of an in-process schema registry in `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`:
/// `memory://NAME` is a registry living in this process, shared by its clients (the embedded
/// default and tests; other processes cannot see it).
pub const MEMORY_SCHEME: &str = "memory://";

/// The settings of the Kafka producer and consumer.
#[derive(Debug, Clone, PartialEq)]
pub struct KafkaSettings {
    bootstrap_servers: String,
    schema_registry_url: String,
    schema_registry_credentials: Option<Credentials>,
    schema_registry_tls: RegistryTls,
    security: KafkaSecurity,
    topic_prefix: Option<String>,
    service_name: Option<String>,
    common: CommonSettings,
    consumer_commit_interval: Duration,
    group: GroupMembership,
    dead_letter_topic: Option<String>,
    produce_timeout: Duration,
    client_options: ClientOptions,
}

/// The default of [`KafkaSettings::produce_timeout`]: long enough for a broker that restarts or a
/// leader election, short enough that a caller (such as an outbox relay) gets an error it can retry
/// with backoff instead of waiting librdkafka's 300 s.
pub const DEFAULT_PRODUCE_TIMEOUT: Duration = Duration::from_secs(30);

impl KafkaSettings {
    /// Start building settings in code, with the two required settings.
    pub fn builder(
        bootstrap_servers: impl Into<String>,
        schema_registry_url: impl Into<String>,
    ) -> KafkaSettingsBuilder {
        KafkaSettingsBuilder {
            settings: KafkaSettings {
                bootstrap_servers: bootstrap_servers.into(),
                schema_registry_url: schema_registry_url.into(),
                schema_registry_credentials: None,
                schema_registry_tls: RegistryTls::default(),
                security: KafkaSecurity::default(),
                topic_prefix: None,
                service_name: None,
                common: CommonSettings::with_poll_timeout(Duration::from_secs(1)),
                consumer_commit_interval: Duration::ZERO,
                group: GroupMembership::default(),
                dead_letter_topic: None,
                produce_timeout: DEFAULT_PRODUCE_TIMEOUT,
                client_options: ClientOptions::default(),
            },
            registry_key: None,
            registry_secret: None,
            security: SecurityInput::default(),
        }
    }

    /// Read the settings from the process environment, the librdkafka options
    /// (`EVENT_BUS_KAFKA_OPTION_*`) included.
    pub fn from_env() -> Result<Self, SettingsError> {
        KafkaSettings::from_vars(std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        }))
    }

    /// Read the settings from `(name, value)` pairs such as the environment's, the librdkafka
    /// options (`EVENT_BUS_KAFKA_OPTION_*`) included. Empty values count as unset.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let vars: BTreeMap<String, String> = vars.into_iter().collect();
        let options = vars
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .filter_map(|(name, value)| Some((option_property(name)?, value.clone())));
        KafkaSettings::read(|name| vars.get(name).cloned(), options)
    }

    /// Read the named settings through `lookup(name)`, e.g. from a map; librdkafka options can
    /// only come from [`KafkaSettings::from_vars`] or the builder. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        KafkaSettings::read(lookup, std::iter::empty())
    }

    fn read(
        lookup: impl Fn(&str) -> Option<String>,
        options: impl Iterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required =
            |name: &'static str| get(name).ok_or(SettingsError::Missing { setting: name });
        let mut builder = KafkaSettings::builder(
            required(names::BOOTSTRAP_SERVERS)?,
            required(names::SCHEMA_REGISTRY_URL)?,
        );
        builder.registry_key = get(names::SCHEMA_REGISTRY_API_KEY);
        builder.registry_secret = get(names::SCHEMA_REGISTRY_API_SECRET).map(Secret::new);
        builder.settings.schema_registry_tls = RegistryTls::from_lookup(get)?;
        builder.security = SecurityInput::read(get)?;
        for (property, value) in options {
            builder = builder.client_option(property, value);
        }
        builder.settings.topic_prefix = get(names::TOPIC_PREFIX);
        builder.settings.service_name =
            get(names::SERVICE_NAME).or_else(|| get(names::SERVICE_VARIANT));
        if let Some(v) = get(names::SOURCELIB) {
            check_sourcelib(&v)?;
        }
        builder.settings.common.read(get, &names::COMMON)?;
        if let Some(v) = get(names::CONSUMER_COMMIT_INTERVAL) {
            builder.settings.consumer_commit_interval =
                parse_seconds(names::CONSUMER_COMMIT_INTERVAL, &v)?;
        }
        builder.settings.group = GroupMembership::from_lookup(get)?;
        builder.settings.dead_letter_topic = get(names::DEAD_LETTER_TOPIC);
        if let Some(v) = get(names::PRODUCE_TIMEOUT) {
            builder.settings.produce_timeout = parse_seconds(names::PRODUCE_TIMEOUT, &v)?;
        }
        builder.build()
    }

    /// `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS`.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`, without a trailing `/`.
    pub fn schema_registry_url(&self) -> &str {
        &self.schema_registry_url
    }

    /// The registry's basic-auth credentials, if set.
    pub fn schema_registry_credentials(&self) -> Option<&Credentials> {
        self.schema_registry_credentials.as_ref()
    }

    /// The registry client's TLS files: its CA, a client certificate.
    pub fn schema_registry_tls(&self) -> &RegistryTls {
        &self.schema_registry_tls
    }

    /// The SASL user and password, with PLAIN or SCRAM.
    pub fn kafka_credentials(&self) -> Option<&Credentials> {
        match self.security.sasl() {
            Some(SaslAuth::Password { credentials, .. }) => Some(credentials),
            _ => None,
        }
    }

    /// The security of the Kafka connections: protocol, SASL, TLS.
    pub fn security(&self) -> &KafkaSecurity {
        &self.security
    }

    /// The effective security of each connection, one line each, every secret masked (what
    /// `eventbus config check --env` prints): the brokers, the librdkafka options, the registry.
    pub fn describe_security(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "kafka {}: {}",
            self.bootstrap_servers,
            self.security.describe()
        )];
        if !self.client_options.is_empty() {
            let options: Vec<String> = self
                .client_options
                .masked()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            lines.push(format!("kafka options: {}", options.join(", ")));
        }
        let mut registry = format!("schema registry {}", self.schema_registry_url);
        if let Some(credentials) = &self.schema_registry_credentials {
            registry.push_str(&format!(
                ": basic auth as {:?} (password ***)",
                credentials.key
            ));
        }
        lines.push(registry);
        if self.schema_registry_url.starts_with("https://") || !self.schema_registry_tls.is_empty()
        {
            lines.extend(self.schema_registry_tls.security_lines());
        }
        lines
    }

    /// `EVENT_BUS_TOPIC_PREFIX`, if set.
    pub fn topic_prefix(&self) -> Option<&str> {
        self.topic_prefix.as_deref()
    }

    /// The topic with the prefix: `{prefix}-{topic}`.
    pub fn full_topic(&self, topic: &str) -> String {
        full_topic(self.topic_prefix(), topic)
    }

    /// The service name (`EVENTS_SERVICE_NAME`, else `SERVICE_VARIANT`), else the one set with
    /// [`crate::metadata::set_service_name`].
    pub fn service_name(&self) -> Option<String> {
        self.service_name
            .clone()
            .or_else(crate::metadata::service_name)
    }

    /// The consumer-loop and audit-logging settings.
    pub fn common(&self) -> &CommonSettings {
        &self.common
    }

    /// How consumers take part in their group (the `EVENT_BUS_KAFKA_CONSUMER_GROUP_PROTOCOL`,
    /// `_ASSIGNMENT_STRATEGY`, `_SESSION_TIMEOUT`, `_HEARTBEAT_INTERVAL`, `_MAX_POLL_INTERVAL`,
    /// `_GROUP_INSTANCE_ID` and `_REVOCATION_TIMEOUT` settings).
    pub fn group(&self) -> &GroupMembership {
        &self.group
    }

    /// How often the consumer commits the offsets of processed messages; zero: after every
    /// message.
    pub fn consumer_commit_interval(&self) -> Duration {
        self.consumer_commit_interval
    }

    /// The dead-letter topic (without the prefix) for a consumer of `topic`: the configured one,
    /// else `{topic}-dead-letter`.
    pub fn dead_letter_topic(&self, topic: &str) -> String {
        self.dead_letter_topic
            .clone()
            .unwrap_or_else(|| format!("{topic}-dead-letter"))
    }

    /// How long the producer waits for a topic's metadata and for the acknowledgement of an event
    /// before it returns an error (`EVENT_BUS_KAFKA_PRODUCE_TIMEOUT`, default
    /// [`DEFAULT_PRODUCE_TIMEOUT`]).
    pub fn produce_timeout(&self) -> Duration {
        self.produce_timeout
    }

    /// The librdkafka properties given by name: `EVENT_BUS_KAFKA_OPTION_*`, the worker file's
    /// `[kafka.options]`, [`KafkaSettingsBuilder::client_option`].
    pub fn client_options(&self) -> &ClientOptions {
        &self.client_options
    }
}

/// Builds [`KafkaSettings`] in code; [`KafkaSettingsBuilder::build`] validates them.
#[derive(Debug, Clone)]
pub struct KafkaSettingsBuilder {
    settings: KafkaSettings,
    registry_key: Option<String>,
    registry_secret: Option<Secret>,
    security: SecurityInput,
}

impl KafkaSettingsBuilder {
    /// Basic-auth credentials for the schema registry.
    pub fn schema_registry_credentials(mut self, key: impl Into<String>, secret: Secret) -> Self {
        self.registry_key = Some(key.into());
        self.registry_secret = Some(secret);
        self
    }

    /// The SASL user and password (PLAIN unless [`KafkaSettingsBuilder::sasl_mechanism`] says
    /// otherwise; over SASL_SSL unless [`KafkaSettingsBuilder::security_protocol`] does).
    pub fn kafka_credentials(mut self, key: impl Into<String>, secret: Secret) -> Self {
        self.security.username = Some(key.into());
        self.security.password = Some(secret);
        self
    }

    /// The security protocol (default: `SASL_SSL` with SASL settings, `SSL` with TLS settings
    /// only, else `PLAINTEXT`).
    pub fn security_protocol(mut self, protocol: SecurityProtocol) -> Self {
        self.security.protocol = Some(protocol);
        self
    }

    /// The SASL mechanism (default `PLAIN`, or `OAUTHBEARER` with [`Self::oauth_client`]).
    pub fn sasl_mechanism(mut self, mechanism: SaslMechanism) -> Self {
        self.security.mechanism = Some(mechanism);
        self
    }

    /// OAUTHBEARER with tokens from an OIDC token endpoint (client-credentials grant).
    pub fn oauth_client(mut self, client: OidcClient) -> Self {
        self.security.oauth_token_endpoint_url = Some(client.token_endpoint_url);
        self.security.oauth_client_id = Some(client.client_id);
        self.security.oauth_client_secret = Some(client.client_secret);
        self.security.oauth_scope = client.scope;
        self
    }

    /// The CA of the brokers' certificates (default: the system's CAs).
    pub fn ssl_ca(mut self, ca: Pem) -> Self {
        match ca {
            Pem::Location(path) => self.security.ca_location = Some(path),
            Pem::Text(text) => self.security.ca_pem = Some(text),
        }
        self
    }

    /// A client certificate and its private key, for mutual TLS; `key_password` decrypts the
    /// key if it is encrypted.
    pub fn ssl_client_certificate(
        mut self,
        certificate: Pem,
        key: Pem,
        key_password: Option<Secret>,
    ) -> Self {
        match certificate {
            Pem::Location(path) => self.security.certificate_location = Some(path),
            Pem::Text(text) => self.security.certificate_pem = Some(text),
        }
        match key {
            Pem::Location(path) => self.security.key_location = Some(path),
            Pem::Text(text) => self.security.key_pem = Some(text),
        }
        self.security.key_password = key_password;
        self
    }

    /// Whether a broker's certificate must name the host connected to (default: yes).
    pub fn ssl_verify_hostname(mut self, verify: bool) -> Self {
        self.security.verify_hostname = Some(verify);
        self
    }

    /// The registry client's TLS files (a CA, a client certificate).
    pub fn schema_registry_tls(mut self, tls: RegistryTls) -> Self {
        self.settings.schema_registry_tls = tls;
        self
    }

    /// The topic prefix; an empty prefix means none.
    pub fn topic_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        self.settings.topic_prefix = (!prefix.is_empty()).then_some(prefix);
        self
    }

    /// The service name (Kafka `client.id`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.settings.service_name = Some(name.into());
        self
    }

    /// Change the consumer-loop and audit-logging settings.
    pub fn common(mut self, change: impl FnOnce(&mut CommonSettings)) -> Self {
        change(&mut self.settings.common);
        self
    }

    /// How consumers take part in their group (default: [`GroupMembership::default`]).
    pub fn group(mut self, change: impl FnOnce(&mut GroupMembership)) -> Self {
        change(&mut self.settings.group);
        self
    }

    /// How often the consumer commits offsets (zero, the default: after every message).
    pub fn consumer_commit_interval(mut self, interval: Duration) -> Self {
        self.settings.consumer_commit_interval = interval;
        self
    }

    /// The dead-letter topic, without the prefix.
    pub fn dead_letter_topic(mut self, topic: impl Into<String>) -> Self {
        self.settings.dead_letter_topic = Some(topic.into());
        self
    }

    /// How long the producer waits for a topic's metadata and an acknowledgement; more than zero.
    pub fn produce_timeout(mut self, timeout: Duration) -> Self {
        self.settings.produce_timeout = timeout;
        self
    }

    /// An extra librdkafka property for every client (e.g. `session.timeout.ms`). It overrides
    /// the value this crate would set by default; one that contradicts a named setting (say
    /// `sasl.mechanism` beside [`Self::sasl_mechanism`]) fails [`Self::build`].
    pub fn client_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings
            .client_options
            .insert(key.into(), value.into());
        self
    }

    /// Check and return the settings.
    pub fn build(self) -> Result<KafkaSettings, SettingsError> {
        let KafkaSettingsBuilder {
            mut settings,
            registry_key,
            registry_secret,
            security,
        } = self;
        settings.schema_registry_credentials = pair(
            registry_key,
            registry_secret,
            names::SCHEMA_REGISTRY_API_KEY,
            names::SCHEMA_REGISTRY_API_SECRET,
        )?;
        settings.security = security.resolve()?;
        settings.group.check()?;
        for (property, value) in settings
            .security
            .properties()
            .into_iter()
            .chain(settings.group.explicit_properties())
        {
            if settings
                .client_options
                .get(property)
                .is_some_and(|option| option != value)
            {
                return Err(SettingsError::OptionConflict {
                    property: property.to_owned(),
                });
            }
        }
        let servers = settings.bootstrap_servers.trim().to_owned();
        if servers.is_empty() {
            return Err(SettingsError::Missing {
                setting: names::BOOTSTRAP_SERVERS,
            });
        }
        if let Some(bad) = servers.split(',').map(str::trim).find(|s| !valid_server(s)) {
            return Err(SettingsError::Invalid {
                setting: names::BOOTSTRAP_SERVERS,
                value: servers.clone(),
                reason: format!("`{bad}` is not host:port"),
            });
        }
        settings.bootstrap_servers = servers;
        let url = settings
            .schema_registry_url
            .trim()
            .trim_end_matches('/')
            .to_owned();
        if url.is_empty() {
            return Err(SettingsError::Missing {
                setting: names::SCHEMA_REGISTRY_URL,
            });
        }
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .or_else(|| url.strip_prefix(MEMORY_SCHEME));
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            return Err(SettingsError::Invalid {
                setting: names::SCHEMA_REGISTRY_URL,
                value: url,
                reason: "expected an http:// or https:// URL with a host (or memory://NAME for \
                         an in-process registry)"
                    .into(),
            });
        }
        settings.schema_registry_url = url;
        settings.common.check(&names::COMMON)?;
        if settings.consumer_commit_interval > Duration::from_secs(24 * 3600) {
            return Err(SettingsError::Invalid {
                setting: names::CONSUMER_COMMIT_INTERVAL,
                value: format!("{}", settings.consumer_commit_interval.as_secs_f64()),
                reason: "more than a day".into(),
            });
        }
        // librdkafka's `message.timeout.ms` is an i32 of milliseconds, 0 meaning forever.
        if settings.produce_timeout < Duration::from_millis(1)
            || settings.produce_timeout > Duration::from_secs(24 * 3600)
        {
            return Err(SettingsError::Invalid {
                setting: names::PRODUCE_TIMEOUT,
                value: format!("{}", settings.produce_timeout.as_secs_f64()),
                reason: "must be at least a millisecond and at most a day".into(),
            });
        }
        if let Some(topic) = &settings.dead_letter_topic {
            if !valid_topic(topic) {
                return Err(SettingsError::Invalid {
                    setting: names::DEAD_LETTER_TOPIC,
                    value: topic.clone(),
                    reason: "a topic name has 1 to 249 characters among a-z A-Z 0-9 . _ -".into(),
                });
            }
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
        Ok(settings)
    }
}

fn pair(
    key: Option<String>,
    secret: Option<Secret>,
    key_name: &'static str,
    secret_name: &'static str,
) -> Result<Option<Credentials>, SettingsError> {
    match (key, secret) {
        (Some(key), Some(secret)) => Ok(Some(Credentials { key, secret })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(SettingsError::Incomplete {
            set: key_name,
            missing: secret_name,
        }),
        (None, Some(_)) => Err(SettingsError::Incomplete {
            set: secret_name,
            missing: key_name,
        }),
    }
}

fn valid_server(server: &str) -> bool {
    let server = server
        .strip_prefix("PLAINTEXT://")
        .or_else(|| server.strip_prefix("SSL://"))
        .or_else(|| server.strip_prefix("SASL_SSL://"))
        .or_else(|| server.strip_prefix("SASL_PLAINTEXT://"))
        .unwrap_or(server);
    match server.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0),
        // librdkafka defaults the port to 9092.
        None => !server.is_empty() && !server.contains(char::is_whitespace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{OnError, RetryPolicy};
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<KafkaSettings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KafkaSettings::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: [(&str, &str); 2] = [
        (names::BOOTSTRAP_SERVERS, "127.0.0.1:19092"),
        (
            names::SCHEMA_REGISTRY_URL,
            "http://127.0.0.1:18081/apis/ccompat/v7/",
        ),
    ];

    #[test]
    fn defaults_are_pythons() {
        let s = from(&BASE).unwrap();
        assert_eq!(s.bootstrap_servers(), "127.0.0.1:19092");
        assert_eq!(
            s.schema_registry_url(),
            "http://127.0.0.1:18081/apis/ccompat/v7"
        );
        assert_eq!(s.common().poll_timeout, Duration::from_secs(1));
        assert_eq!(s.common().poll_failure_sleep, Duration::from_secs(1));
        assert_eq!(s.common().consecutive_errors_limit, None);
        assert!(s.common().consumers_enabled);
        assert!(s.common().audit_logging_enabled);
        assert_eq!(s.topic_prefix(), None);
        assert_eq!(s.full_topic("t"), "t");
        assert!(s.kafka_credentials().is_none());
        assert!(s.schema_registry_credentials().is_none());
        assert_eq!(s.common().on_error, OnError::DeadLetter);
        assert_eq!(
            s.dead_letter_topic("user-logins"),
            "user-logins-dead-letter"
        );
        assert_eq!(s.produce_timeout(), Duration::from_secs(30));
    }

    #[test]
    fn every_setting_is_read() {
        let mut vars = BASE.to_vec();
        vars.extend([
            (names::SCHEMA_REGISTRY_API_KEY, "rk"),
            (names::SCHEMA_REGISTRY_API_SECRET, "rs3cret"),
            (names::API_KEY, "kk"),
            (names::API_SECRET, "ks3cret"),
            (names::TOPIC_PREFIX, "stage"),
            (names::SERVICE_NAME, "cms"),
            (names::CONSUMER_POLL_TIMEOUT, "0.25"),
            (names::CONSUMER_POLL_FAILURE_SLEEP, "2"),
            (names::CONSUMER_COMMIT_INTERVAL, "0.5"),
            (names::CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "5"),
            (names::CONSUMERS_ENABLED, "False"),
            (names::AUDIT_LOGGING_ENABLED, "off"),
            (names::CONSUMER_ON_ERROR, "stop"),
            (names::DEAD_LETTER_TOPIC, "dlq"),
            (names::PRODUCE_TIMEOUT, "2.5"),
            (names::CONSUMER_RECEIVER_RETRIES, "5"),
            (names::CONSUMER_RETRY_BACKOFF, "0.25"),
            (names::CONSUMER_RETRY_BACKOFF_MAX, "3"),
            (names::CONSUMER_MAX_IN_FLIGHT, "64"),
        ]);
        let s = from(&vars).unwrap();
        assert_eq!(
            s.common().retry,
            RetryPolicy {
                retries: 5,
                backoff: Duration::from_millis(250),
                backoff_max: Duration::from_secs(3),
            }
        );
        assert_eq!(s.common().max_in_flight, 64);
        assert_eq!(s.common().retry.delay(1), Duration::from_millis(250));
        assert_eq!(s.common().retry.delay(3), Duration::from_secs(1));
        assert_eq!(
            s.common().retry.delay(5),
            Duration::from_secs(3),
            "at most the maximum"
        );
        assert_eq!(s.schema_registry_credentials().unwrap().key, "rk");
        assert_eq!(
            s.schema_registry_credentials().unwrap().secret.expose(),
            "rs3cret"
        );
        assert_eq!(s.kafka_credentials().unwrap().secret.expose(), "ks3cret");
        assert_eq!(s.full_topic("user-logins"), "stage-user-logins");
        assert_eq!(s.service_name().as_deref(), Some("cms"));
        assert_eq!(s.common().poll_timeout, Duration::from_millis(250));
        assert_eq!(s.common().poll_failure_sleep, Duration::from_secs(2));
        assert_eq!(s.consumer_commit_interval(), Duration::from_millis(500));
        assert_eq!(s.common().consecutive_errors_limit, Some(5));
        assert!(!s.common().consumers_enabled);
        assert!(!s.common().audit_logging_enabled);
        assert_eq!(s.common().on_error, OnError::Stop);
        assert_eq!(s.dead_letter_topic("x"), "dlq");
        assert_eq!(s.produce_timeout(), Duration::from_millis(2500));
        // Secrets never show in Debug.
        let debug = format!("{s:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("Secret(***)"));
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let err = |extra: (&'static str, &'static str)| {
            let mut vars = BASE.to_vec();
            vars.push(extra);
            from(&vars).unwrap_err()
        };
        let e = err((names::CONSUMER_POLL_TIMEOUT, "soon"));
        assert!(matches!(
            e,
            SettingsError::Invalid {
                setting: names::CONSUMER_POLL_TIMEOUT,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "setting EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT: invalid value \"soon\": not a number of seconds"
        );
        assert!(err((names::CONSUMER_POLL_FAILURE_SLEEP, "-1"))
            .to_string()
            .contains(names::CONSUMER_POLL_FAILURE_SLEEP));
        assert!(err((names::CONSUMER_POLL_TIMEOUT, "NaN"))
            .to_string()
            .contains("finite"));
        assert!(err((names::CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "-3"))
            .to_string()
            .contains(names::CONSUMER_CONSECUTIVE_ERRORS_LIMIT));
        assert!(err((names::CONSUMERS_ENABLED, "maybe"))
            .to_string()
            .contains(names::CONSUMERS_ENABLED));
        assert!(err((names::AUDIT_LOGGING_ENABLED, "2"))
            .to_string()
            .contains(names::AUDIT_LOGGING_ENABLED));
        assert!(err((names::CONSUMER_ON_ERROR, "ignore"))
            .to_string()
            .contains(names::CONSUMER_ON_ERROR));
        for bad in ["0", "-1", "soon", "86401"] {
            let e = err((names::PRODUCE_TIMEOUT, bad));
            assert!(
                matches!(&e, SettingsError::Invalid { setting, value, .. }
                    if *setting == names::PRODUCE_TIMEOUT && value == bad),
                "{bad}: {e}"
            );
        }
        assert!(err((names::DEAD_LETTER_TOPIC, "bad topic"))
            .to_string()
            .contains(names::DEAD_LETTER_TOPIC));
        assert_eq!(
            err((names::SOURCELIB, "11.2.0rc1")).to_string(),
            "setting EVENT_BUS_SOURCELIB: invalid value \"11.2.0rc1\": not dotted numbers such as \
             11.2.0 (invalid digit found in string)"
        );
        assert_eq!(
            err((names::API_KEY, "k")),
            SettingsError::Incomplete {
                set: names::API_KEY,
                missing: names::API_SECRET
            }
        );
        // The secret's value is not in the message.
        let e = err((names::SCHEMA_REGISTRY_API_SECRET, "hunter2"));
        assert!(!e.to_string().contains("hunter2"));
        assert_eq!(
            from(&BASE[..1]).unwrap_err(),
            SettingsError::Missing {
                setting: names::SCHEMA_REGISTRY_URL
            }
        );
        assert_eq!(
            from(&[]).unwrap_err(),
            SettingsError::Missing {
                setting: names::BOOTSTRAP_SERVERS
            }
        );
        let e = from(&[(names::BOOTSTRAP_SERVERS, "a:b"), BASE[1]]).unwrap_err();
        assert!(matches!(
            e,
            SettingsError::Invalid {
                setting: names::BOOTSTRAP_SERVERS,
                ..
            }
        ));
        let e = from(&[BASE[0], (names::SCHEMA_REGISTRY_URL, "ftp://x")]).unwrap_err();
        assert!(matches!(
            e,
            SettingsError::Invalid {
                setting: names::SCHEMA_REGISTRY_URL,
                ..
            }
        ));
    }

    #[test]
    fn zero_error_limit_means_none_and_empty_means_unset() {
        let mut vars = BASE.to_vec();
        vars.push((names::CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "0"));
        vars.push((names::TOPIC_PREFIX, ""));
        let s = from(&vars).unwrap();
        assert_eq!(s.common().consecutive_errors_limit, None);
        assert_eq!(s.topic_prefix(), None);
    }

    #[test]
    fn builder_validates_too() {
        let s = KafkaSettings::builder("localhost:9092", "http://r:8081")
            .topic_prefix("dev")
            .kafka_credentials("key", Secret::new("pw"))
            .common(|c| c.consecutive_errors_limit = Some(0))
            .client_option("session.timeout.ms", "6000")
            .build()
            .unwrap();
        assert_eq!(s.full_topic("t"), "dev-t");
        assert_eq!(s.common().consecutive_errors_limit, None);
        assert_eq!(s.client_options().get("session.timeout.ms"), Some("6000"));
        // An option overrides a default of the group settings, not a setting given.
        let error = KafkaSettings::builder("localhost:9092", "http://r:8081")
            .group(|g| g.session_timeout = Some(Duration::from_secs(6)))
            .client_option("session.timeout.ms", "7000")
            .build()
            .unwrap_err();
        assert!(
            matches!(&error, SettingsError::OptionConflict { property } if property == "session.timeout.ms"),
            "{error}"
        );
        assert!(KafkaSettings::builder("", "http://r").build().is_err());
        assert!(KafkaSettings::builder("h:1", "http://r")
            .common(|c| c.poll_timeout = Duration::ZERO)
            .build()
            .is_err());
        assert_eq!(format!("{}", Secret::new("x")), "***");
    }
}
