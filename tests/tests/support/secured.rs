//! The secured services of `scripts/services.sh` (Kafka's secured listeners, the HTTPS registry,
//! Redis' TLS port): the variables its `env` exports and the files of the test PKI.

#![allow(dead_code)]

use std::path::PathBuf;

/// A variable `scripts/services.sh env` exports; panics naming it when absent.
pub fn env(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "{name} is not set: these tests need the secured services of \
                 scripts/services.sh; start them with `eval \"$(scripts/services.sh up)\"`"
            )
        })
}

/// A file of the test PKI (`EVENTBUS_TEST_TLS_DIR`, made by `scripts/lib/tls.sh`).
pub fn pki_path(file: &str) -> PathBuf {
    PathBuf::from(env("EVENTBUS_TEST_TLS_DIR")).join(file)
}

/// The same as a setting's value.
pub fn pki(file: &str) -> String {
    pki_path(file).display().to_string()
}

/// The text of a file of the test PKI.
pub fn pki_text(file: &str) -> String {
    std::fs::read_to_string(pki_path(file)).unwrap_or_else(|e| panic!("{}: {e}", pki(file)))
}
