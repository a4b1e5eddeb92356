//! The settings both transports have, under transport-specific names: the consumer loop (poll
//! timeout, sleep after a failure, consecutive-errors limit, kill switch, failure policy) and audit
//! logging. Kafka reads them from `EVENT_BUS_KAFKA_*`, Redis from `EVENT_BUS_REDIS_*`.

use super::{
    parse_bool, parse_count, parse_limit, parse_on_error, parse_seconds, OnError, SettingsError,
};
use std::time::Duration;

/// The consumer-loop and audit-logging settings of a transport. Change them with the transport
/// builder's `common` method; the builder's `build` checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommonSettings {
    /// How long one poll (Kafka) or blocking read (Redis) waits for a message; more than zero.
    pub poll_timeout: Duration,
    /// How long the consumer sleeps after a failed poll or read.
    pub poll_failure_sleep: Duration,
    /// Stop the consumer after this many errors in a row; `None` (or `Some(0)`): never.
    pub consecutive_errors_limit: Option<u32>,
    /// Whether consumers run (the kill switch).
    pub consumers_enabled: bool,
    /// Whether each produced and consumed message is logged.
    pub audit_logging_enabled: bool,
    /// What a consumer does with a message it cannot process.
    pub on_error: OnError,
    /// How the receivers that failed on an event are run again before the event is
    /// dead-lettered (or stops the consumer).
    pub retry: RetryPolicy,
    /// How many events a consumer processes at once: 1 (the default) one at a time; more, events
    /// of different keys concurrently while the events of one key stay in order.
    pub max_in_flight: usize,
    /// Whether ERROR lines hold payloads (default: no; they may hold learners' personal data,
    /// such as an e-mail address): the key and value of a message the consumer cannot process,
    /// the key and data of an event the producer could not deliver. The lines always name the
    /// event's id and type, the topic and, for a consumer, the position.
    pub log_payloads: bool,
}

/// Retries of failing receivers: after a failure, the receivers that failed (only them) run again
/// after `backoff`, then twice that, and so on up to `backoff_max`, at most `retries` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times the failed receivers run again (0: no retry, as the Python consumers).
    pub retries: u32,
    /// The delay before the first retry.
    pub backoff: Duration,
    /// The longest delay between two retries.
    pub backoff_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 2,
            backoff: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based): `backoff × 2^(retry-1)`, at most
    /// `backoff_max`.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(self.backoff_max)
    }
}

impl CommonSettings {
    /// The defaults, with the transport's default poll timeout (Python's: 1 s for Kafka, 60 s for
    /// Redis).
    pub(crate) fn with_poll_timeout(poll_timeout: Duration) -> Self {
        CommonSettings {
            poll_timeout,
            poll_failure_sleep: Duration::from_secs(1),
            consecutive_errors_limit: None,
            consumers_enabled: true,
            audit_logging_enabled: true,
            on_error: OnError::DeadLetter,
            retry: RetryPolicy::default(),
            max_in_flight: 1,
            log_payloads: false,
        }
    }

    /// Read the settings that `get` has, under `names`.
    pub(crate) fn read(
        &mut self,
        get: impl Fn(&str) -> Option<String>,
        names: &CommonNames,
    ) -> Result<(), SettingsError> {
        if let Some(v) = get(names.poll_timeout) {
            self.poll_timeout = parse_seconds(names.poll_timeout, &v)?;
        }
        if let Some(v) = get(names.poll_failure_sleep) {
            self.poll_failure_sleep = parse_seconds(names.poll_failure_sleep, &v)?;
        }
        if let Some(v) = get(names.consecutive_errors_limit) {
            self.consecutive_errors_limit = parse_limit(names.consecutive_errors_limit, &v)?;
        }
        if let Some(v) = get(names.consumers_enabled) {
            self.consumers_enabled = parse_bool(names.consumers_enabled, &v)?;
        }
        if let Some(v) = get(names.audit_logging_enabled) {
            self.audit_logging_enabled = parse_bool(names.audit_logging_enabled, &v)?;
        }
        if let Some(v) = get(names.on_error) {
            self.on_error = parse_on_error(names.on_error, &v)?;
        }
        if let Some(v) = get(names.retries) {
            self.retry.retries = parse_count(names.retries, &v)?;
        }
        if let Some(v) = get(names.retry_backoff) {
            self.retry.backoff = parse_seconds(names.retry_backoff, &v)?;
        }
        if let Some(v) = get(names.retry_backoff_max) {
            self.retry.backoff_max = parse_seconds(names.retry_backoff_max, &v)?;
        }
        if let Some(v) = get(names.max_in_flight) {
            self.max_in_flight = parse_count(names.max_in_flight, &v)? as usize;
        }
        if let Some(v) = get(names.log_payloads) {
            self.log_payloads = parse_bool(names.log_payloads, &v)?;
        }
        Ok(())
    }

    /// Check the values (an error names the setting) and normalize a limit of 0 to none.
    pub(crate) fn check(&mut self, names: &CommonNames) -> Result<(), SettingsError> {
        let day = Duration::from_secs(24 * 3600);
        if self.poll_timeout.is_zero() || self.poll_timeout > day {
            return Err(SettingsError::Invalid {
                setting: names.poll_timeout,
                value: format!("{}", self.poll_timeout.as_secs_f64()),
                reason: "must be more than 0 seconds and at most a day".into(),
            });
        }
        if self.poll_failure_sleep > day {
            return Err(SettingsError::Invalid {
                setting: names.poll_failure_sleep,
                value: format!("{}", self.poll_failure_sleep.as_secs_f64()),
                reason: "more than a day".into(),
            });
        }
        let hour = Duration::from_secs(3600);
        for (setting, value) in [
            (names.retry_backoff, self.retry.backoff),
            (names.retry_backoff_max, self.retry.backoff_max),
        ] {
            if value > hour {
                return Err(SettingsError::Invalid {
                    setting,
                    value: format!("{}", value.as_secs_f64()),
                    reason: "more than an hour".into(),
                });
            }
        }
        if self.retry.retries > 100 {
            return Err(SettingsError::Invalid {
                setting: names.retries,
                value: self.retry.retries.to_string(),
                reason: "at most 100 retries (a failing event holds its key meanwhile)".into(),
            });
        }
        if !(1..=10_000).contains(&self.max_in_flight) {
            return Err(SettingsError::Invalid {
                setting: names.max_in_flight,
                value: self.max_in_flight.to_string(),
                reason: "must be between 1 (one event at a time) and 10000".into(),
            });
        }
        self.consecutive_errors_limit = self.consecutive_errors_limit.filter(|&n| n > 0);
        Ok(())
    }
}

/// The names of a transport's [`CommonSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommonNames {
    /// Of [`CommonSettings::poll_timeout`].
    pub poll_timeout: &'static str,
    /// Of [`CommonSettings::poll_failure_sleep`].
    pub poll_failure_sleep: &'static str,
    /// Of [`CommonSettings::consecutive_errors_limit`].
    pub consecutive_errors_limit: &'static str,
    /// Of [`CommonSettings::consumers_enabled`].
    pub consumers_enabled: &'static str,
    /// Of [`CommonSettings::audit_logging_enabled`].
    pub audit_logging_enabled: &'static str,
    /// Of [`CommonSettings::on_error`].
    pub on_error: &'static str,
    /// Of [`RetryPolicy::retries`].
    pub retries: &'static str,
    /// Of [`RetryPolicy::backoff`].
    pub retry_backoff: &'static str,
    /// Of [`RetryPolicy::backoff_max`].
    pub retry_backoff_max: &'static str,
    /// Of [`CommonSettings::max_in_flight`].
    pub max_in_flight: &'static str,
    /// Of [`CommonSettings::log_payloads`].
    pub log_payloads: &'static str,
}
