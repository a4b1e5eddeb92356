//! Workspace tests live in `tests/tests/`. This library holds what they share that is more than
//! a helper file: the fault-injection harness ([`fault`]), also used by the `fault_consumer`
//! binary.

pub mod fault;

/// The environment variable `name`, which `scripts/services.sh env` sets for the tests that need
/// `what` (a running server); panics naming both when it is unset or empty.
pub fn required_env(name: &str, what: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "{name} is not set: these tests need {what}; start them with \
                 `eval \"$(scripts/services.sh up)\"`"
            )
        })
}
