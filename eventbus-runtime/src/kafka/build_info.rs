//! What the librdkafka built into this crate can do: its version and `builtin.features`. TLS,
//! SCRAM and OAUTHBEARER with OIDC are in every build (OpenSSL and libcurl are compiled in by the
//! `kafka` feature); [`REQUIRED_FEATURES`] lists them and a test checks them.

use rdkafka::ClientConfig;

/// The features every build of this crate's librdkafka has: TLS, SASL PLAIN, SCRAM, OAUTHBEARER
/// and its OIDC token requests.
pub const REQUIRED_FEATURES: &[&str] = &[
    "ssl",
    "sasl_plain",
    "sasl_scram",
    "sasl_oauthbearer",
    "oidc",
];

/// The librdkafka of this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibrdkafkaBuild {
    /// Its version, e.g. `2.12.1`.
    pub version: String,
    /// Its `builtin.features`, e.g. `ssl`, `sasl_scram`, `oidc`.
    pub features: Vec<String>,
}

impl LibrdkafkaBuild {
    /// The librdkafka linked into this program.
    pub fn current() -> Self {
        let (_, version) = rdkafka::util::get_rdkafka_version();
        let features = ClientConfig::new()
            .create_native_config()
            .and_then(|config| config.get("builtin.features"))
            .map(|features| features.split(',').map(|f| f.trim().to_owned()).collect())
            .unwrap_or_default();
        LibrdkafkaBuild { version, features }
    }

    /// The [`REQUIRED_FEATURES`] this build lacks (none, unless it was built without the
    /// `kafka` feature's OpenSSL and libcurl).
    pub fn missing(&self) -> Vec<&'static str> {
        REQUIRED_FEATURES
            .iter()
            .copied()
            .filter(|f| !self.features.iter().any(|have| have == f))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails if a change of features builds librdkafka without TLS, SCRAM or OIDC.
    #[test]
    fn every_build_has_tls_scram_and_oidc() {
        let build = LibrdkafkaBuild::current();
        assert!(build.version.starts_with("2."), "{build:?}");
        assert_eq!(build.missing(), Vec::<&str>::new(), "{build:?}");
    }
}
