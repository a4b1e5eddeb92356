//! [`EventTransaction`]: the application's database transaction, carrying the events sent in it.

use super::{CommitError, OutboxDatabase, OutboxError, OutboxRow};
use crate::backend::EventProducer;
use crate::backend::{produce_to, Destination, ProduceFailures};
use crate::event::OpenEdxEvent;
use crate::metadata::EventsMetadata;
use crate::registry::AnyEvent;
use crate::signal::{SendError, SendReport};
use crate::sync::LockUnpoisoned;
use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    /// The transaction whose events are being sent in this task.
    static SCOPE: Arc<Scope>;
}

/// What the producing receivers hand to the transaction an event is sent in.
#[derive(Default)]
pub(crate) struct Scope {
    rows: Mutex<Vec<OutboxRow>>,
    deferred: Mutex<Vec<Deferred>>,
}

/// An `on-commit` event, produced after the commit.
struct Deferred {
    producer: Arc<dyn EventProducer>,
    topics: Vec<Destination>,
    event: Arc<dyn AnyEvent>,
    metadata: EventsMetadata,
}

impl Scope {
    /// Write `row` with the transaction.
    pub(crate) fn add_row(&self, row: OutboxRow) {
        self.rows.locked().push(row);
    }

    /// Produce `event` to `topics` once the transaction committed.
    pub(crate) fn defer(
        &self,
        producer: Arc<dyn EventProducer>,
        topics: Vec<Destination>,
        event: Arc<dyn AnyEvent>,
        metadata: EventsMetadata,
    ) {
        self.deferred.locked().push(Deferred {
            producer,
            topics,
            event,
            metadata,
        });
    }

    fn take(&self) -> (Vec<OutboxRow>, Vec<Deferred>) {
        (
            std::mem::take(&mut *self.rows.locked()),
            std::mem::take(&mut *self.deferred.locked()),
        )
    }
}

/// The transaction events are being sent in from this task, if any.
pub(crate) fn current_scope() -> Option<Arc<Scope>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// A database transaction of the application that carries the events sent in it.
///
/// Send events with [`send_event`](Self::send_event) (or run any code that sends them inside
/// [`scope`](Self::scope)); the producing receiver of
/// [`ConfiguredProducer`](crate::producer_config::ConfiguredProducer) then treats each topic by
/// its production mode:
///
/// - `outbox`: the event's row is inserted into `eventbus_outbox` by [`commit`](Self::commit),
///   just before the commit, in this transaction: it commits or rolls back with the application's
///   writes;
/// - `on-commit`: the event is produced after the commit succeeded;
/// - `immediate`: the event is produced at once, as without a transaction.
///
/// Dropping the transaction, or [`rollback`](Self::rollback), rolls it back: no event of it is
/// written or produced. Run the application's statements on [`connection`](Self::connection).
pub struct EventTransaction<'c, DB: OutboxDatabase> {
    transaction: sqlx::Transaction<'c, DB>,
    scope: Arc<Scope>,
}

/// What [`EventTransaction::commit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitReport {
    /// Outbox rows committed with the transaction.
    pub outbox_rows: usize,
    /// `on-commit` events produced after the commit.
    pub produced: usize,
}

impl<DB: OutboxDatabase> EventTransaction<'static, DB> {
    /// Begin a transaction on a connection of `pool`.
    pub async fn begin(pool: &sqlx::Pool<DB>) -> Result<Self, OutboxError> {
        let transaction = pool
            .begin()
            .await
            .map_err(OutboxError::database("beginning a transaction"))?;
        Ok(EventTransaction::new(transaction))
    }
}

impl<'c, DB: OutboxDatabase> EventTransaction<'c, DB> {
    /// Carry the events of a transaction the application already began.
    pub fn new(transaction: sqlx::Transaction<'c, DB>) -> Self {
        EventTransaction {
            transaction,
            scope: Arc::default(),
        }
    }

    /// The connection to run the application's statements on, inside the transaction.
    pub fn connection(&mut self) -> &mut DB::Connection {
        &mut self.transaction
    }

    /// Send an event in this transaction (`E::signal().send_event(data)` inside
    /// [`scope`](Self::scope)): every receiver runs now; what reaches the bus, and when, depends
    /// on each topic's production mode.
    pub async fn send_event<E: OpenEdxEvent>(&mut self, data: E) -> Result<SendReport, SendError> {
        self.scope(E::signal().send_event(data)).await
    }

    /// Run `future` with this transaction as the one its events are sent in: for code that sends
    /// events through signals itself. (`&mut`: one scope at a time, and the future is `Send` when
    /// `future` is.)
    pub async fn scope<F: Future>(&mut self, future: F) -> F::Output {
        SCOPE.scope(self.scope.clone(), future).await
    }

    /// The outbox rows that the commit will write.
    pub fn pending_rows(&self) -> usize {
        self.scope.rows.locked().len()
    }

    /// Write the outbox rows in the transaction, commit it, then produce the `on-commit` events.
    ///
    /// [`CommitError::NotCommitted`]: nothing was committed and no event produced.
    /// [`CommitError::OnCommitFailed`]: the transaction and its outbox rows committed, but some
    /// `on-commit` events could not be produced (each failure is also logged with the event).
    pub async fn commit(mut self) -> Result<CommitReport, CommitError> {
        let (rows, deferred) = self.scope.take();
        if !rows.is_empty() {
            DB::insert_rows(&mut self.transaction, &rows)
                .await
                .map_err(|source| {
                    CommitError::NotCommitted(OutboxError::Database {
                        operation: "writing the outbox rows",
                        source,
                    })
                })?;
        }
        self.transaction.commit().await.map_err(|source| {
            CommitError::NotCommitted(OutboxError::Database {
                operation: "committing",
                source,
            })
        })?;
        tracing::debug!(
            outbox_rows = rows.len(),
            on_commit = deferred.len(),
            "transaction committed"
        );
        let mut failures: Vec<ProduceFailures> = Vec::new();
        let mut produced = 0;
        for d in deferred {
            match produce_to(&*d.producer, &d.topics, d.event, d.metadata).await {
                Ok(()) => produced += 1,
                Err(failure) => failures.push(failure),
            }
        }
        if failures.is_empty() {
            Ok(CommitReport {
                outbox_rows: rows.len(),
                produced,
            })
        } else {
            Err(CommitError::OnCommitFailed(failures))
        }
    }

    /// Roll the transaction back: no event of it is written or produced.
    pub async fn rollback(self) -> Result<(), OutboxError> {
        let (rows, deferred) = self.scope.take();
        tracing::debug!(
            outbox_rows = rows.len(),
            on_commit = deferred.len(),
            "transaction rolled back: its events are dropped"
        );
        self.transaction
            .rollback()
            .await
            .map_err(OutboxError::database("rolling back"))
    }
}

impl<DB: OutboxDatabase> std::fmt::Debug for EventTransaction<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventTransaction")
            .field("pending_rows", &self.pending_rows())
            .finish_non_exhaustive()
    }
}
