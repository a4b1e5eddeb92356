//! The parsers of setting values (seconds, counts, booleans, the failure policy), the topic and
//! URL helpers every transport's settings use.

use super::{names, OnError, SettingsError};
use std::time::Duration;

/// Whether Kafka accepts `name` as a topic name.
pub fn valid_topic(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(crate) fn parse_seconds(setting: &'static str, value: &str) -> Result<Duration, SettingsError> {
    let invalid = |reason: &str| SettingsError::Invalid {
        setting,
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| invalid("not a number of seconds"))?;
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(invalid("must be a finite, non-negative number of seconds"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid("out of range"))
}

/// A consecutive-errors limit: a non-negative integer, `0` meaning none.
pub(crate) fn parse_limit(
    setting: &'static str,
    value: &str,
) -> Result<Option<u32>, SettingsError> {
    let limit = parse_count(setting, value)?;
    Ok((limit > 0).then_some(limit))
}

/// A non-negative integer.
pub(crate) fn parse_count(setting: &'static str, value: &str) -> Result<u32, SettingsError> {
    value.trim().parse().map_err(|e| SettingsError::Invalid {
        setting,
        value: value.to_owned(),
        reason: format!("not a non-negative integer ({e})"),
    })
}

/// A failure policy: `dead-letter` or `stop`.
pub(crate) fn parse_on_error(setting: &'static str, value: &str) -> Result<OnError, SettingsError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "dead-letter" | "dead_letter" | "deadletter" => Ok(OnError::DeadLetter),
        "stop" => Ok(OnError::Stop),
        _ => Err(SettingsError::Invalid {
            setting,
            value: value.to_owned(),
            reason: "expected `dead-letter` or `stop`".into(),
        }),
    }
}

pub(crate) fn parse_bool(setting: &'static str, value: &str) -> Result<bool, SettingsError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(SettingsError::Invalid {
            setting,
            value: value.to_owned(),
            reason: "expected true or false".into(),
        }),
    }
}

/// A URL (Redis, database) with its password, if any, as `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            // A user name alone (no password).
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Check the [`names::SOURCELIB`] setting (read where metadata is made).
pub(crate) fn check_sourcelib(text: &str) -> Result<(), SettingsError> {
    crate::metadata::parse_sourcelib(text)
        .map(drop)
        .map_err(|e| SettingsError::Invalid {
            setting: names::SOURCELIB,
            value: e.value,
            reason: e.reason,
        })
}

/// The full topic name: `{prefix}-{topic}` when a prefix is set, as edx-event-bus-kafka builds it.
pub(crate) fn full_topic(prefix: Option<&str>, topic: &str) -> String {
    match prefix {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}-{topic}"),
        _ => topic.to_owned(),
    }
}
