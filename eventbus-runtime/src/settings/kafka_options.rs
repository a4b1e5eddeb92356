//! Any librdkafka property, passed through to every Kafka client: from the environment
//! (`EVENT_BUS_KAFKA_OPTION_<NAME>`), the worker file (`[kafka.options]`) or code
//! ([`super::KafkaSettingsBuilder::client_option`]), so an operator is never stuck on a setting
//! this crate does not name.
//!
//! In a variable name the property is upper case, each `.` written `_` and a literal `_` written
//! `__`: `EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS=10000` is `session.timeout.ms=10000`. librdkafka
//! checks names and values when a client is created and refuses an unknown property by name.

use std::collections::BTreeMap;
use std::fmt;

/// The prefix of the environment variables that set a librdkafka property.
pub const OPTION_PREFIX: &str = "EVENT_BUS_KAFKA_OPTION_";

/// The librdkafka property an `EVENT_BUS_KAFKA_OPTION_*` variable sets, or `None` when `variable`
/// does not have the prefix (or nothing after it).
///
/// ```
/// use eventbus_runtime::settings::option_property;
/// assert_eq!(option_property("EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS").as_deref(), Some("session.timeout.ms"));
/// assert_eq!(option_property("EVENT_BUS_KAFKA_OPTION_SSL_CERTIFICATE_VERIFY__CB").as_deref(), Some("ssl.certificate.verify_cb"));
/// assert_eq!(option_property("EVENT_BUS_KAFKA_API_KEY"), None);
/// ```
pub fn option_property(variable: &str) -> Option<String> {
    let name = variable.strip_prefix(OPTION_PREFIX)?;
    if name.is_empty() {
        return None;
    }
    Some(
        name.to_ascii_lowercase()
            .split("__")
            .map(|part| part.replace('_', "."))
            .collect::<Vec<_>>()
            .join("_"),
    )
}

/// Whether the value of librdkafka property `name` is a secret (a password, a client secret, a
/// private key, a JAAS or OAUTHBEARER configuration): shown as `***` in `Debug`, logs and
/// `eventbus config check`.
pub fn is_secret_property(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "key.pem",
        "passphrase",
        "jaas",
        "oauthbearer.config",
    ]
    .iter()
    .any(|part| name.contains(part))
}

/// librdkafka properties by name, kept in name order; `Debug` masks the values of secret ones
/// ([`is_secret_property`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientOptions(BTreeMap<String, String>);

impl ClientOptions {
    /// The value of property `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Every property and its value, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether no property is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many properties are set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every property with its value as it may be shown: `***` for a secret.
    pub fn masked(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(name, value)| {
            if is_secret_property(name) {
                (name, "***")
            } else {
                (name, value)
            }
        })
    }

    pub(crate) fn insert(&mut self, name: String, value: String) -> Option<String> {
        self.0.insert(name, value)
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.masked()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_map_to_properties() {
        for (variable, property) in [
            (
                "EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS",
                "session.timeout.ms",
            ),
            ("EVENT_BUS_KAFKA_OPTION_GROUP_PROTOCOL", "group.protocol"),
            ("EVENT_BUS_KAFKA_OPTION_ssl_ca_location", "ssl.ca.location"),
            (
                "EVENT_BUS_KAFKA_OPTION_SSL_CERTIFICATE_VERIFY__CB",
                "ssl.certificate.verify_cb",
            ),
            ("EVENT_BUS_KAFKA_OPTION_DEBUG", "debug"),
        ] {
            assert_eq!(option_property(variable).as_deref(), Some(property));
        }
        assert_eq!(option_property("EVENT_BUS_KAFKA_OPTION_"), None);
        assert_eq!(option_property("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS"), None);
    }

    #[test]
    fn secret_values_are_masked() {
        let mut options = ClientOptions::default();
        options.insert("sasl.password".into(), "MARKER-pw".into());
        options.insert("ssl.key.pem".into(), "MARKER-key".into());
        options.insert("sasl.oauthbearer.client.secret".into(), "MARKER-cs".into());
        options.insert("ssl.keystore.password".into(), "MARKER-ks".into());
        options.insert("session.timeout.ms".into(), "10000".into());
        let debug = format!("{options:?}");
        assert!(!debug.contains("MARKER"), "{debug}");
        assert!(
            debug.contains("\"session.timeout.ms\": \"10000\""),
            "{debug}"
        );
        assert_eq!(options.masked().filter(|(_, v)| *v == "***").count(), 4);
        assert!(!is_secret_property("ssl.key.location"));
        assert!(!is_secret_property("ssl.certificate.pem"));
    }
}
