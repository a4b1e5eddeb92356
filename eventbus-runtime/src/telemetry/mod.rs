//! Operations: Prometheus metrics ([`metrics`]),
//! readiness ([`HealthCheck`], [`readiness`]), the HTTP server that serves them
//! ([`TelemetryServer`]: `/metrics`, `/livez`, `/readyz`, and an [`OpsFallback`] for every other
//! request when given one), and spans with the W3C trace context carried across the bus
//! ([`trace`]).
//!
//! The producers and consumers of this crate record their metrics and readiness themselves; a
//! process only starts the server (`eventbus worker --metrics 127.0.0.1:9100` does).

#[cfg(any(feature = "kafka", feature = "redis"))]
mod consumer;
mod health;
pub mod metrics;
#[cfg(feature = "otlp")]
pub mod otlp;
mod server;
pub mod trace;

pub use health::{readiness, HealthCheck, Readiness};
pub use server::{OpsBody, OpsFallback, TelemetryServer};
