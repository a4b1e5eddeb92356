//! Readiness of the process: each client (a consumer, a producer) registers a [`HealthCheck`]
//! with named conditions (e.g. `assigned`, `connected`); the process is ready when every
//! condition of every registered client holds. A check is removed when dropped.

use crate::sync::LockUnpoisoned;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// A registered client: its name, its conditions, and why it is not ready, when known.
#[derive(Debug)]
struct Check {
    name: String,
    conditions: Vec<(&'static str, bool)>,
    reason: Option<String>,
}

/// The registered clients, by registration id.
type Checks = BTreeMap<u64, Check>;

fn checks() -> std::sync::MutexGuard<'static, Checks> {
    static CHECKS: OnceLock<Mutex<Checks>> = OnceLock::new();
    CHECKS.get_or_init(Mutex::default).locked()
}

/// One client's part of the readiness; removed when dropped.
#[derive(Debug)]
pub struct HealthCheck {
    id: u64,
}

impl HealthCheck {
    /// Register a client named `name` (e.g. `kafka consumer group-a`) whose `conditions` all
    /// start false.
    pub fn register(name: impl Into<String>, conditions: &[&'static str]) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let conditions = conditions.iter().map(|c| (*c, false)).collect();
        checks().insert(
            id,
            Check {
                name: name.into(),
                conditions,
                reason: None,
            },
        );
        HealthCheck { id }
    }

    /// Set `condition` (one of those registered; another name is ignored).
    pub fn set(&self, condition: &'static str, holds: bool) {
        if let Some(check) = checks().get_mut(&self.id) {
            if let Some(entry) = check.conditions.iter_mut().find(|(c, _)| *c == condition) {
                entry.1 = holds;
            }
        }
    }

    /// Say why the client is not ready (the last connection or authentication failure, never
    /// a secret), shown while one of its conditions does not hold; `None` forgets it.
    pub fn set_reason(&self, reason: Option<String>) {
        if let Some(check) = checks().get_mut(&self.id) {
            check.reason = reason;
        }
    }
}

impl Drop for HealthCheck {
    fn drop(&mut self) {
        checks().remove(&self.id);
    }
}

/// The readiness of the process: ready when every condition of every registered client holds
/// (and so when none is registered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Whether every condition holds.
    pub ready: bool,
    /// One line per client: its name and its conditions, e.g. `kafka consumer g: assigned=true
    /// connected=false`, and, while one does not hold, why if known (`; last error: ...`).
    pub details: Vec<String>,
}

/// The readiness now.
pub fn readiness() -> Readiness {
    let checks = checks();
    let holds = |check: &Check| check.conditions.iter().all(|(_, holds)| *holds);
    let ready = checks.values().all(holds);
    let details = checks
        .values()
        .map(|check| {
            let states: Vec<String> = check
                .conditions
                .iter()
                .map(|(c, h)| format!("{c}={h}"))
                .collect();
            match &check.reason {
                Some(reason) if !holds(check) => {
                    format!("{}: {}; last error: {reason}", check.name, states.join(" "))
                }
                _ => format!("{}: {}", check.name, states.join(" ")),
            }
        })
        .collect();
    Readiness { ready, details }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_when_every_condition_of_every_client_holds() {
        let check = HealthCheck::register("unit client", &["assigned", "connected"]);
        let mine = |r: &Readiness| {
            r.details
                .iter()
                .find(|d| d.starts_with("unit client:"))
                .cloned()
        };
        let r = readiness();
        assert_eq!(
            mine(&r).as_deref(),
            Some("unit client: assigned=false connected=false")
        );
        assert!(!r.ready);
        check.set("assigned", true);
        check.set_reason(Some("SASL authentication error".into()));
        assert_eq!(
            mine(&readiness()).as_deref(),
            Some(
                "unit client: assigned=true connected=false; last error: SASL authentication error"
            )
        );
        check.set("connected", true);
        assert_eq!(
            mine(&readiness()).as_deref(),
            Some("unit client: assigned=true connected=true")
        );
        drop(check);
        assert_eq!(mine(&readiness()), None);
    }
}
