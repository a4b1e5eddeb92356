//! What can go wrong with the outbox.

use crate::backend::ProduceFailures;

/// An outbox operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The database URL names no database this crate supports.
    #[error(
        "outbox database `{url}`: unsupported scheme (use sqlite:, mysql:, mariadb: or postgres:)"
    )]
    UnsupportedUrl {
        /// The URL, its password hidden.
        url: String,
    },
    /// The outbox database cannot be reached.
    #[error("cannot connect to the outbox database `{url}`: {source}")]
    Connect {
        /// The URL, its password hidden.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A statement failed.
    #[error("outbox database ({operation}): {source}")]
    Database {
        /// What was being done, e.g. `writing the outbox rows`.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// An event could not be turned into an outbox row.
    #[error("{event_type} to topic `{topic}`: {reason}")]
    Encode {
        /// The event type.
        event_type: &'static str,
        /// The topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// A row of the outbox table cannot be published by this program.
    #[error("outbox row {id} ({event_type}, topic `{topic}`): {reason}")]
    BadRow {
        /// The row id.
        id: i64,
        /// Its event type.
        event_type: String,
        /// Its topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// A setting is invalid.
    #[error("{setting}: {reason}")]
    Setting {
        /// The setting's name.
        setting: &'static str,
        /// Why.
        reason: String,
    },
}

impl OutboxError {
    pub(crate) fn database(operation: &'static str) -> impl FnOnce(sqlx::Error) -> OutboxError {
        move |source| OutboxError::Database { operation, source }
    }
}

/// [`EventTransaction::commit`](super::EventTransaction::commit) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// Nothing was committed: neither the application's writes nor the outbox rows; no on-commit
    /// event was produced.
    #[error("the transaction was not committed: {0}")]
    NotCommitted(#[source] OutboxError),
    /// The transaction committed (with its outbox rows), but producing some `on-commit` events
    /// failed; they are not kept (use the `outbox` mode for that).
    #[error("the transaction committed, but {} on-commit event(s) could not be produced: {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    OnCommitFailed(Vec<ProduceFailures>),
}
