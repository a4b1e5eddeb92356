//! librdkafka's logs and errors, sent to `tracing` once per state change.
//!
//! While a broker cannot be reached, librdkafka retries every `reconnect.backoff.ms` and reports
//! each failure through its log callback and, again, its error callback: thousands of lines in a
//! few minutes. Here a warning or error is logged the first time it is seen; identical ones after
//! it (the same text once the changing parts are removed: the time spent in a state, librdkafka's
//! own counts, numbers in general) are counted, not logged. When the client works again (a
//! delivery, a metadata answer, a consumed message: see [`ConnectionLog::connected`]), one line
//! says so with the number of repeats that were not logged, and the next failure is logged anew.

use super::telemetry;
use crate::sync::LockUnpoisoned;
use crate::telemetry::HealthCheck;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use std::sync::{Arc, Mutex};

/// How many distinct messages the filter remembers between two recoveries; beyond that, new
/// messages are logged every time (the memory stays bounded).
const REMEMBERED: usize = 64;

/// Whether a message is to be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// First sight since the last recovery: log it.
    Log,
    /// A repeat: counted, not logged.
    Suppress,
}

/// What a recovery ends: how many distinct problems were logged and how many repeats were not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// Distinct messages logged since the last recovery.
    pub distinct: usize,
    /// Repeats counted and not logged.
    pub suppressed: u64,
}

/// The deduplication state: the messages seen since the last recovery, with their repeat counts.
#[derive(Debug, Default)]
pub struct RepeatFilter {
    seen: Vec<(String, u64)>,
}

impl RepeatFilter {
    /// Record one message and say whether to log it.
    pub fn observe(&mut self, message: &str) -> Verdict {
        let key = normalize(message);
        if let Some((_, repeats)) = self.seen.iter_mut().find(|(seen, _)| seen == key) {
            *repeats += 1;
            return Verdict::Suppress;
        }
        if self.seen.len() < REMEMBERED {
            self.seen.push((key.to_owned(), 0));
        }
        Verdict::Log
    }

    /// The client works again: forget the messages seen; `None` if there were none.
    pub fn recover(&mut self) -> Option<Recovery> {
        if self.seen.is_empty() {
            return None;
        }
        let recovery = Recovery {
            distinct: self.seen.len(),
            suppressed: self.seen.iter().map(|(_, repeats)| repeats).sum(),
        };
        self.seen.clear();
        Some(recovery)
    }
}

/// The text that identifies a message: without librdkafka's `[thrd:...]: ` prefix (the log
/// callback has it, the error callback not) and its `(after 12ms in state CONNECT, 3 identical
/// error(s) suppressed)` suffix.
pub fn normalize(message: &str) -> &str {
    let mut text = message.trim();
    if text.starts_with("[thrd:") {
        if let Some(end) = text.find("]: ") {
            text = &text[end + 3..];
        }
    }
    match text.rfind(" (after ") {
        Some(start) if text.ends_with(')') => &text[..start],
        _ => text,
    }
}

#[derive(Debug, Default)]
struct State {
    filter: RepeatFilter,
    /// The last connection failure since the client last worked, and its kind.
    connection_error: Option<(Failure, String)>,
}

/// What kind of connection failure librdkafka reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Failure {
    /// The connection failed or was lost (refused, reset, name not resolved).
    Transport,
    /// The TLS handshake or the SASL authentication failed: the most telling cause, which a
    /// later transport failure (the broker closing the connection) does not replace.
    Security,
}

/// The kind of connection failure `error` is, if it is one.
pub(crate) fn connection_failure(error: &KafkaError) -> Option<Failure> {
    match error.rdkafka_error_code()? {
        RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::Resolve => {
            Some(Failure::Transport)
        }
        RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SSL => Some(Failure::Security),
        _ => None,
    }
}

/// The log of one client: librdkafka's logs and errors deduplicated (see the module), and the
/// last connection failure, so that an error can say why the brokers could not be reached.
#[derive(Debug)]
pub struct ConnectionLog {
    client: &'static str,
    servers: String,
    state: Mutex<State>,
}

impl ConnectionLog {
    /// The log of a `client` (producer, consumer...) of the bootstrap `servers`.
    pub fn new(client: &'static str, servers: impl Into<String>) -> Self {
        ConnectionLog {
            client,
            servers: servers.into(),
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.locked()
    }

    /// librdkafka's log callback.
    pub fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        use rdkafka::config::RDKafkaLogLevel as L;
        // Options shared by every client (see `KafkaSettingsBuilder::client_option`) make
        // librdkafka warn that a consumer option is ignored by a producer and the other way round.
        if facility == "CONFWARN" && message.contains("will be ignored by this") {
            tracing::debug!(target: "librdkafka", facility, "{message}");
            return;
        }
        let problem = matches!(
            level,
            L::Emerg | L::Alert | L::Critical | L::Error | L::Warning
        );
        if problem && self.state().filter.observe(message) == Verdict::Suppress {
            return;
        }
        match level {
            L::Emerg | L::Alert | L::Critical | L::Error => {
                tracing::error!(target: "librdkafka", facility, "{message}")
            }
            L::Warning => tracing::warn!(target: "librdkafka", facility, "{message}"),
            L::Notice | L::Info => tracing::info!(target: "librdkafka", facility, "{message}"),
            L::Debug => tracing::debug!(target: "librdkafka", facility, "{message}"),
        }
    }

    /// librdkafka's error callback.
    pub fn error(&self, error: &KafkaError, reason: &str) {
        let verdict = {
            let mut state = self.state();
            if let Some(failure) = connection_failure(error) {
                if state
                    .connection_error
                    .as_ref()
                    .is_none_or(|(kept, _)| failure >= *kept)
                {
                    state.connection_error = Some((failure, normalize(reason).to_owned()));
                }
            }
            state.filter.observe(reason)
        };
        if verdict == Verdict::Log {
            tracing::error!(
                target: "librdkafka",
                client = self.client,
                servers = %self.servers,
                %error,
                reason,
                "Kafka client error"
            );
        }
    }

    /// Record a problem the client's user saw (such as a poll error) with librdkafka's: `true` the
    /// first time since the client last worked, when it is to be logged; repeats are counted.
    pub fn first_sight(&self, problem: &str) -> bool {
        self.state().filter.observe(problem) == Verdict::Log
    }

    /// The client worked (a delivery, a metadata answer, a message): log the recovery once, with
    /// the number of repeats that were not logged.
    pub fn connected(&self) {
        let recovery = {
            let mut state = self.state();
            state.connection_error = None;
            state.filter.recover()
        };
        if let Some(Recovery {
            distinct,
            suppressed,
        }) = recovery
        {
            tracing::info!(
                target: "librdkafka",
                client = self.client,
                servers = %self.servers,
                distinct,
                suppressed,
                "Kafka {} works again after {distinct} logged problem(s); {suppressed} repeat(s) \
                 were not logged",
                self.client
            );
        }
    }

    /// The last connection failure since the client last worked (e.g. `127.0.0.1:1/bootstrap:
    /// Connect to ipv4#127.0.0.1:1 failed: Connection refused`).
    pub fn connection_error(&self) -> Option<String> {
        self.state()
            .connection_error
            .as_ref()
            .map(|(_, reason)| reason.clone())
    }

    /// The bootstrap servers.
    pub fn servers(&self) -> &str {
        &self.servers
    }

    /// The error of a request that got no answer within `timeout` while librdkafka reported a
    /// connection failure: [`KafkaError::Refused`](crate::kafka::KafkaError::Refused) for a TLS
    /// or authentication failure, else `Unreachable`; `None` without a failure.
    pub(crate) fn failure_error(&self, timeout: std::time::Duration) -> Option<super::KafkaError> {
        let (failure, reason) = self.state().connection_error.clone()?;
        let servers = self.servers.clone();
        Some(match failure {
            Failure::Security => super::KafkaError::Refused { servers, reason },
            Failure::Transport => super::KafkaError::Unreachable {
                servers,
                timeout,
                reason,
            },
        })
    }
}

/// A client context that sends librdkafka's logs and errors to `tracing` through a
/// [`ConnectionLog`].
#[derive(Debug, Clone)]
pub struct TracingContext {
    log: Arc<ConnectionLog>,
    /// The client's readiness (`connected`), for the clients that have one (producers).
    health: Option<Arc<HealthCheck>>,
}

impl TracingContext {
    /// The context of a `client` of the bootstrap `servers`.
    pub fn new(client: &'static str, servers: impl Into<String>) -> Self {
        TracingContext {
            log: Arc::new(ConnectionLog::new(client, servers)),
            health: None,
        }
    }

    /// The same, and the client counts in the process' readiness: `connected` while
    /// librdkafka's statistics show a broker up (see [`crate::telemetry`]).
    pub fn with_readiness(client: &'static str, servers: impl Into<String>) -> Self {
        let servers = servers.into();
        let health = Arc::new(telemetry::connected_check(client, &servers));
        TracingContext {
            log: Arc::new(ConnectionLog::new(client, servers)),
            health: Some(health),
        }
    }

    /// Its log, to share with the code that sees the client work.
    pub fn connection_log(&self) -> &Arc<ConnectionLog> {
        &self.log
    }
}

/// A consumer with no rebalance or commit handling of its own (a reader assigned its
/// partitions, outside any group).
impl rdkafka::consumer::ConsumerContext for TracingContext {}

impl rdkafka::ClientContext for TracingContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.log.log(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if let Some(health) = &self.health {
            telemetry::on_error(health, &error, reason);
        }
        self.log.error(&error, reason);
    }

    fn stats(&self, statistics: rdkafka::Statistics) {
        if let Some(health) = &self.health {
            telemetry::on_statistics(health, &statistics);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSED: &str = "[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to \
                           ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)";
    const REFUSED_AGAIN: &str = "[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to \
        ipv4#127.0.0.1:1 failed: Connection refused (after 1ms in state CONNECT, 30 identical \
        error(s) suppressed)";
    const REFUSED_REASON: &str = "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: \
                                  Connection refused (after 0ms in state CONNECT)";

    #[test]
    fn normalize_drops_what_changes_between_retries() {
        assert_eq!(
            normalize(REFUSED),
            "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused"
        );
        assert_eq!(normalize(REFUSED), normalize(REFUSED_AGAIN));
        // The log line and the error callback's reason are the same problem.
        assert_eq!(normalize(REFUSED), normalize(REFUSED_REASON));
        // Two brokers are two problems.
        assert_ne!(
            normalize("a:9092/1: Connect to ipv4#10.0.0.1:9092 failed: Connection refused"),
            normalize("a:9092/2: Connect to ipv4#10.0.0.2:9092 failed: Connection refused")
        );
        assert_ne!(
            normalize("h:9092/1: Connect to ipv4#10.0.0.1:9092 failed: Connection refused"),
            normalize("h:9092/1: Connect to ipv4#10.0.0.1:9092 failed: Connection timed out")
        );
        assert_eq!(normalize("  plain (not a suffix) "), "plain (not a suffix)");
    }

    #[test]
    fn repeats_are_counted_not_logged_until_recovery() {
        let mut filter = RepeatFilter::default();
        assert_eq!(filter.recover(), None);
        assert_eq!(filter.observe(REFUSED), Verdict::Log);
        assert_eq!(filter.observe(REFUSED_REASON), Verdict::Suppress);
        assert_eq!(filter.observe("1/1 brokers are down"), Verdict::Log);
        // Alternating problems do not bring each other back.
        for _ in 0..100 {
            assert_eq!(filter.observe(REFUSED_AGAIN), Verdict::Suppress);
            assert_eq!(filter.observe("1/1 brokers are down"), Verdict::Suppress);
        }
        assert_eq!(
            filter.observe("Connect failed: Connection timed out"),
            Verdict::Log
        );
        assert_eq!(
            filter.recover(),
            Some(Recovery {
                distinct: 3,
                suppressed: 201
            })
        );
        assert_eq!(filter.recover(), None);
        // After a recovery the same problem is a new state: logged again.
        assert_eq!(filter.observe(REFUSED), Verdict::Log);
        assert_eq!(filter.observe(REFUSED), Verdict::Suppress);
    }

    #[test]
    fn memory_is_bounded() {
        let mut filter = RepeatFilter::default();
        let distinct = |i: usize| format!("problem {}", "x".repeat(i));
        for i in 0..REMEMBERED + 10 {
            assert_eq!(filter.observe(&distinct(i)), Verdict::Log);
        }
        assert_eq!(filter.seen.len(), REMEMBERED);
        // Beyond the bound, new messages are logged every time rather than forgotten silently.
        assert_eq!(filter.observe(&distinct(REMEMBERED + 1)), Verdict::Log);
        assert_eq!(filter.observe(&distinct(0)), Verdict::Suppress);
    }

    #[test]
    fn the_last_connection_error_is_kept_until_the_client_works() {
        let log = ConnectionLog::new("producer", "127.0.0.1:1");
        assert_eq!(log.connection_error(), None);
        log.error(
            &KafkaError::Global(RDKafkaErrorCode::BrokerTransportFailure),
            REFUSED_REASON,
        );
        log.error(
            &KafkaError::Global(RDKafkaErrorCode::AllBrokersDown),
            "1/1 brokers are down",
        );
        assert_eq!(
            log.connection_error().as_deref(),
            Some("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused")
        );
        let poll_error = "Message consumption error: AllBrokersDown";
        assert!(log.first_sight(poll_error));
        assert!(!log.first_sight(poll_error));
        log.connected();
        assert_eq!(log.connection_error(), None);
        assert_eq!(log.state().filter.recover(), None);
        assert!(log.first_sight(poll_error));
        assert_eq!(log.servers(), "127.0.0.1:1");
    }

    /// An authentication or TLS failure is kept over the transport failure that follows it (the
    /// broker closing the connection), and replaced by a later one of its kind.
    #[test]
    fn an_authentication_failure_outlives_the_disconnection_after_it() {
        let log = ConnectionLog::new("producer", "127.0.0.1:19094");
        let auth = "sasl_ssl://127.0.0.1:19094/bootstrap: SASL authentication error: \
                    Authentication failed: Invalid username or password (after 10ms in state \
                    AUTH_REQ)";
        log.error(&KafkaError::Global(RDKafkaErrorCode::Authentication), auth);
        log.error(
            &KafkaError::Global(RDKafkaErrorCode::BrokerTransportFailure),
            "sasl_ssl://127.0.0.1:19094/bootstrap: Disconnected (after 3ms in state UP)",
        );
        assert_eq!(
            log.connection_error().as_deref(),
            Some(
                "sasl_ssl://127.0.0.1:19094/bootstrap: SASL authentication error: \
                 Authentication failed: Invalid username or password"
            )
        );
        log.error(
            &KafkaError::Global(RDKafkaErrorCode::SSL),
            "ssl://127.0.0.1:19096/bootstrap: SSL handshake failed: certificate verify failed",
        );
        assert!(log
            .connection_error()
            .unwrap()
            .ends_with("certificate verify failed"));
    }
}
