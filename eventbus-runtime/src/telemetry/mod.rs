//! Operations: Prometheus metrics ([`metrics`]), readiness ([`health`]) and the HTTP server that
//! serves them ([`TelemetryServer`]: `/metrics`, `/livez`, `/readyz`).
//!
//! The producers and consumers of this crate record their metrics and readiness themselves; a
//! process only starts the server (`eventbus worker --metrics 127.0.0.1:9100` does).

pub mod health;
pub mod metrics;
mod server;

pub use health::{readiness, HealthCheck, Readiness};
pub use metrics::{encode, System};
pub use server::TelemetryServer;
