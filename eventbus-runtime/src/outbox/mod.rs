//! The transactional outbox (openedx-events ADR 15, which the Python stack describes but never
//! built): an event is written to the `eventbus_outbox` table in the same database transaction as
//! the application's own writes, and a relay publishes it afterwards.
//!
//! - Rolled back: the event is never published.
//! - Committed: the event is published at least once, even if the process dies right after the
//!   commit or the broker is down for an hour — the relay retries with exponential backoff and
//!   jitter, and marks a row published only after the broker acknowledged it.
//!
//! Databases (through sqlx): SQLite (the embedded default, a local file), MySQL / MariaDB (what Open
//! edX services run) and PostgreSQL. [`Outbox::migrate`] creates the tables; the SQL is in
//! `migrations/outbox/` of this crate and documented in the README so that a Django service can
//! write the same rows.
//!
//! The production mode of each topic is set in the producer configuration
//! ([`ProductionMode`](crate::producer_config::ProductionMode)): with `outbox` and `on-commit`, the
//! producing receiver of [`ConfiguredProducer`](crate::producer_config::ConfiguredProducer) hands
//! the event to the [`EventTransaction`] the event was sent in:
//!
//! ```no_run
//! # async fn example(pool: sqlx::SqlitePool) -> Result<(), Box<dyn std::error::Error>> {
//! use eventbus_runtime::outbox::EventTransaction;
//! # use eventbus_runtime::prelude::*;
//! # #[derive(Debug, Clone, PartialEq, EventData)]
//! # pub struct BlockInfo { pub usage_key: UsageKey }
//! # #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
//! # #[openedx_event(event_type = "org.example.doc.outbox.block.published.v1")]
//! # pub struct BlockPublished { pub block: BlockInfo }
//! # let block = BlockInfo { usage_key: "block-v1:edX+D+1+type@html+block@a".parse()? };
//!
//! let mut tx = EventTransaction::begin(&pool).await?;
//! sqlx::query("UPDATE blocks SET published = 1 WHERE id = 7")
//!     .execute(tx.connection())
//!     .await?;
//! tx.send_event(BlockPublished { block }).await?;
//! tx.commit().await?; // the outbox row commits with the UPDATE; the relay publishes it
//! # Ok(()) }
//! ```
//!
//! [`Relay`] (also `eventbus outbox relay`) publishes the rows; [`Outbox::status`] and
//! [`Outbox::purge`] serve operators (`eventbus outbox status|purge`).

mod database;
mod dialect;
mod error;
mod relay;
mod row;
mod store;
mod transaction;

pub use database::OutboxDatabase;
pub use dialect::Dialect;
pub use error::{CommitError, OutboxError};
pub use relay::{Relay, RelayOptions, RelaySummary, MARK_ATTEMPTS};
pub use row::OutboxRow;
pub use store::{Outbox, OutboxStatus, TopicStatus, OUTBOX_URL_ENV_VAR};
pub use transaction::{CommitReport, EventTransaction};

pub(crate) use transaction::current_scope;

/// Microseconds since the Unix epoch, as the outbox tables store times.
pub(crate) fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
