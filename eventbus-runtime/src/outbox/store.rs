//! [`Outbox`]: the outbox tables of one database, for the producing receiver (rows written outside
//! a transaction), the relay and the operators' commands.

use super::{now_us, Dialect, OutboxDatabase, OutboxError, OutboxRow};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::sync::Once;
use std::time::Duration;

/// The environment variable holding the outbox database URL (`sqlite://eventbus.db`,
/// `mysql://user:password@host/db`, `postgres://user:password@host/db`).
pub const OUTBOX_URL_ENV_VAR: &str = "EVENT_BUS_OUTBOX_URL";

/// The outbox tables of one database.
#[derive(Clone)]
pub struct Outbox {
    pool: AnyPool,
    dialect: Dialect,
    url: String,
}

/// A topic claimed by a relay for one batch (see [`Outbox::claim`]); release it when the batch
/// is marked.
pub(crate) struct Claim {
    lock: Option<sqlx::Transaction<'static, sqlx::Any>>,
}

impl Claim {
    /// End the claim (commits the row lock's transaction, if any).
    pub(crate) async fn release(self) -> Result<(), OutboxError> {
        match self.lock {
            Some(lock) => lock
                .commit()
                .await
                .map_err(OutboxError::database("releasing a topic's lock")),
            None => Ok(()),
        }
    }
}

/// The value set by [`Outbox::update_rows`].
enum Bound {
    Int(i64),
    Text(String),
}

impl From<i64> for Bound {
    fn from(n: i64) -> Self {
        Bound::Int(n)
    }
}

impl From<String> for Bound {
    fn from(text: String) -> Self {
        Bound::Text(text)
    }
}

/// A row read back for publishing.
#[derive(Debug, Clone)]
pub(crate) struct StoredRow {
    pub(crate) id: i64,
    pub(crate) row: OutboxRow,
}

/// What the outbox holds, for operators (`eventbus outbox status`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct OutboxStatus {
    /// Rows not published yet.
    pub pending: u64,
    /// Rows published and not purged yet.
    pub published: u64,
    /// Pending rows that failed at least once.
    pub failing: u64,
    /// How long the oldest pending row has waited, in seconds.
    pub oldest_pending_age_seconds: Option<f64>,
    /// The same, topic by topic (topics with pending rows only).
    pub topics: Vec<TopicStatus>,
}

/// The pending rows of one topic.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopicStatus {
    /// The topic (without the prefix).
    pub topic: String,
    /// Rows not published yet.
    pub pending: u64,
    /// Pending rows that failed at least once.
    pub failing: u64,
    /// How long the oldest pending row has waited, in seconds.
    pub oldest_pending_age_seconds: f64,
    /// The last error of the topic's failing rows, if any.
    pub last_error: Option<String>,
}

impl Outbox {
    /// Connect to the outbox database. A SQLite file is created when missing (and put in WAL
    /// mode, so that the application and the relay write concurrently).
    pub async fn connect(url: &str) -> Result<Outbox, OutboxError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let dialect = Dialect::from_url(url)?;
        let redacted = crate::settings::redact_url(url);
        let mut url = url.to_owned();
        if dialect == Dialect::Sqlite && !url.contains("mode=") && !url.contains(":memory:") {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str("mode=rwc");
        }
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(|source| OutboxError::Connect {
                url: redacted.clone(),
                source,
            })?;
        if dialect == Dialect::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(OutboxError::database("setting SQLite's WAL mode"))?;
        }
        tracing::debug!(url = %redacted, ?dialect, "outbox database connected");
        Ok(Outbox {
            pool,
            dialect,
            url: redacted,
        })
    }

    /// Connect to the database named by `EVENT_BUS_OUTBOX_URL`.
    pub async fn from_env() -> Result<Outbox, OutboxError> {
        let url = std::env::var(OUTBOX_URL_ENV_VAR).map_err(|_| OutboxError::Setting {
            setting: OUTBOX_URL_ENV_VAR,
            reason: "not set: the outbox database URL (e.g. sqlite://eventbus.db)".to_owned(),
        })?;
        Outbox::connect(&url).await
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The database URL, its password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection pool (sqlx `Any`), e.g. to begin an
    /// [`EventTransaction`](super::EventTransaction) on the outbox's own database.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Create the outbox tables and index when missing (`migrations/outbox/`).
    pub async fn migrate(&self) -> Result<(), OutboxError> {
        for statement in self.dialect.migration() {
            sqlx::query(&statement)
                .execute(&self.pool)
                .await
                .map_err(OutboxError::database("creating the outbox tables"))?;
        }
        Ok(())
    }

    /// Write rows in a transaction of their own (events sent outside any transaction).
    pub async fn insert(&self, rows: &[OutboxRow]) -> Result<(), OutboxError> {
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(OutboxError::database("beginning a transaction"))?;
        sqlx::Any::insert_rows(&mut transaction, rows)
            .await
            .map_err(OutboxError::database("writing the outbox rows"))?;
        transaction
            .commit()
            .await
            .map_err(OutboxError::database("committing the outbox rows"))
    }

    fn sql<'s>(&self, sql: &'s str) -> std::borrow::Cow<'s, str> {
        self.dialect.sql(sql)
    }

    /// The topics that have rows to publish.
    pub(crate) async fn pending_topics(&self) -> Result<Vec<String>, OutboxError> {
        let rows = sqlx::query(
            "SELECT DISTINCT topic FROM eventbus_outbox WHERE published_at_us IS NULL ORDER BY topic",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(OutboxError::database("listing the topics with pending rows"))?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()
            .map_err(OutboxError::database(
                "listing the topics with pending rows",
            ))
    }

    /// Claim `topic` for `owner`, for one batch: `None` when another relay holds it.
    ///
    /// On MySQL/MariaDB and PostgreSQL the claim is a row lock on the topic's lease row
    /// (`SELECT ... FOR UPDATE SKIP LOCKED`) held by an open transaction until the claim is
    /// released: a relay that dies loses it at once, one that is stopped keeps it, so two relays
    /// never publish a topic at the same time. SQLite has no row locks: the claim is the lease
    /// (`owner`, `expires_at_us`), taken when free, expired or already `owner`'s.
    pub(crate) async fn claim(
        &self,
        topic: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<Option<Claim>, OutboxError> {
        let error = || OutboxError::database("taking a topic's lease");
        // A plain read first: MySQL's INSERT IGNORE would wait for the lock another relay holds.
        let exists = sqlx::query(&self.sql("SELECT 1 FROM eventbus_outbox_lease WHERE topic = ?"))
            .bind(topic)
            .fetch_optional(&self.pool)
            .await
            .map_err(error())?;
        if exists.is_none() {
            sqlx::query(&self.sql(self.dialect.insert_lease()))
                .bind(topic)
                .execute(&self.pool)
                .await
                .map_err(error())?;
        }
        let now = now_us();
        let until = now.saturating_add(i64::try_from(lease.as_micros()).unwrap_or(i64::MAX));
        let set_owner = self.sql(
            "UPDATE eventbus_outbox_lease SET owner = ?, expires_at_us = ? \
             WHERE topic = ? AND (owner IS NULL OR owner = ? OR expires_at_us < ?)",
        );
        if self.dialect == Dialect::Sqlite {
            let done = sqlx::query(&set_owner)
                .bind(owner)
                .bind(until)
                .bind(topic)
                .bind(owner)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(error())?;
            return Ok((done.rows_affected() == 1).then_some(Claim { lock: None }));
        }
        let mut lock = self.pool.begin().await.map_err(error())?;
        let locked =
            sqlx::query(&self.sql(
                "SELECT topic FROM eventbus_outbox_lease WHERE topic = ? FOR UPDATE SKIP LOCKED",
            ))
            .bind(topic)
            .fetch_optional(&mut *lock)
            .await
            .map_err(error())?;
        if locked.is_none() {
            lock.rollback().await.map_err(error())?;
            return Ok(None);
        }
        // Who holds it, for operators (visible once the claim is released); the lock decides.
        sqlx::query(
            &self.sql(
                "UPDATE eventbus_outbox_lease SET owner = ?, expires_at_us = ? WHERE topic = ?",
            ),
        )
        .bind(owner)
        .bind(until)
        .bind(topic)
        .execute(&mut *lock)
        .await
        .map_err(error())?;
        Ok(Some(Claim { lock: Some(lock) }))
    }

    /// Give up every lease `owner` holds.
    pub(crate) async fn release(&self, owner: &str) -> Result<(), OutboxError> {
        sqlx::query(&self.sql(
            "UPDATE eventbus_outbox_lease SET owner = NULL, expires_at_us = 0 WHERE owner = ?",
        ))
        .bind(owner)
        .execute(&self.pool)
        .await
        .map_err(OutboxError::database("releasing the leases"))?;
        Ok(())
    }

    /// The oldest `limit` pending rows of `topic`, in id order.
    pub(crate) async fn pending(
        &self,
        topic: &str,
        limit: usize,
    ) -> Result<Vec<StoredRow>, OutboxError> {
        let rows = sqlx::query(&self.sql(
            "SELECT id, event_type, topic, event_key_field, event_id, metadata, event_data, created_at_us \
             FROM eventbus_outbox WHERE published_at_us IS NULL AND topic = ? ORDER BY id LIMIT ?",
        ))
        .bind(topic)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(OutboxError::database("reading pending rows"))?;
        rows.iter()
            .map(stored_row)
            .collect::<Result<_, _>>()
            .map_err(OutboxError::database("reading pending rows"))
    }

    /// Mark rows published now.
    pub(crate) async fn mark_published(&self, ids: &[i64]) -> Result<(), OutboxError> {
        self.update_rows(
            "UPDATE eventbus_outbox SET published_at_us = ?",
            now_us().into(),
            ids,
        )
        .await
        .map_err(OutboxError::database("marking rows published"))
    }

    /// Count a failed attempt to publish each of `ids`, which failed with `error`.
    pub(crate) async fn record_failures(
        &self,
        ids: &[i64],
        error: &str,
    ) -> Result<(), OutboxError> {
        let error: String = error.chars().take(2000).collect();
        self.update_rows(
            "UPDATE eventbus_outbox SET attempts = attempts + 1, last_error = ?",
            error.into(),
            ids,
        )
        .await
        .map_err(OutboxError::database("recording failed attempts"))
    }

    /// Run `set` (an `UPDATE ... SET` with one placeholder, bound to `value`) on the rows `ids`,
    /// 500 at a time.
    async fn update_rows(&self, set: &str, value: Bound, ids: &[i64]) -> Result<(), sqlx::Error> {
        for chunk in ids.chunks(500) {
            let sql = format!("{set} WHERE id IN ({})", vec!["?"; chunk.len()].join(", "));
            let sql = self.sql(&sql).into_owned();
            let query = sqlx::query(&sql);
            let mut query = match &value {
                Bound::Int(n) => query.bind(*n),
                Bound::Text(t) => query.bind(t.as_str()),
            };
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Rows pending and published, the oldest pending row's age, and the failing rows, in all and
    /// topic by topic.
    pub async fn status(&self) -> Result<OutboxStatus, OutboxError> {
        let error = || OutboxError::database("reading the outbox status");
        let now = now_us();
        let age = |created: i64| (now.saturating_sub(created)).max(0) as f64 / 1e6;
        let topics = sqlx::query(
            "SELECT topic, COUNT(*), COUNT(CASE WHEN attempts > 0 THEN 1 END), MIN(created_at_us) \
             FROM eventbus_outbox WHERE published_at_us IS NULL GROUP BY topic ORDER BY topic",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(error())?;
        let mut status = OutboxStatus::default();
        for row in &topics {
            let topic: String = row.try_get(0).map_err(error())?;
            let pending = count(row, 1).map_err(error())?;
            let failing = count(row, 2).map_err(error())?;
            let oldest: i64 = row.try_get(3).map_err(error())?;
            let last_error = if failing > 0 {
                sqlx::query(&self.sql(
                    "SELECT last_error FROM eventbus_outbox WHERE published_at_us IS NULL \
                     AND topic = ? AND attempts > 0 ORDER BY id DESC LIMIT 1",
                ))
                .bind(&topic)
                .fetch_optional(&self.pool)
                .await
                .map_err(error())?
                .and_then(|r| text(&r, 0).ok())
            } else {
                None
            };
            status.pending += pending;
            status.failing += failing;
            let topic_age = age(oldest);
            status.oldest_pending_age_seconds = Some(
                status
                    .oldest_pending_age_seconds
                    .map_or(topic_age, |a: f64| a.max(topic_age)),
            );
            status.topics.push(TopicStatus {
                topic,
                pending,
                failing,
                oldest_pending_age_seconds: topic_age,
                last_error,
            });
        }
        let published =
            sqlx::query("SELECT COUNT(*) FROM eventbus_outbox WHERE published_at_us IS NOT NULL")
                .fetch_one(&self.pool)
                .await
                .map_err(error())?;
        status.published = count(&published, 0).map_err(error())?;
        crate::telemetry::metrics::outbox_backlog(
            status
                .topics
                .iter()
                .map(|t| (t.topic.as_str(), t.pending, t.oldest_pending_age_seconds)),
        );
        Ok(status)
    }

    /// Delete the rows published more than `older_than` ago; how many were deleted.
    pub async fn purge(&self, older_than: Duration) -> Result<u64, OutboxError> {
        let cutoff =
            now_us().saturating_sub(i64::try_from(older_than.as_micros()).unwrap_or(i64::MAX));
        let done = sqlx::query(&self.sql(
            "DELETE FROM eventbus_outbox WHERE published_at_us IS NOT NULL AND published_at_us < ?",
        ))
        .bind(cutoff)
        .execute(&self.pool)
        .await
        .map_err(OutboxError::database("purging published rows"))?;
        Ok(done.rows_affected())
    }

    /// Close the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("url", &self.url)
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

fn count(row: &AnyRow, index: usize) -> Result<u64, sqlx::Error> {
    let n: i64 = row.try_get(index)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A TEXT column: MySQL reports TEXT as BLOB through sqlx's `Any` driver, so read the bytes when
/// the string is refused.
fn text(row: &AnyRow, index: usize) -> Result<String, sqlx::Error> {
    match row.try_get::<String, _>(index) {
        Ok(text) => Ok(text),
        Err(_) => {
            let bytes: Vec<u8> = row.try_get(index)?;
            String::from_utf8(bytes).map_err(|e| sqlx::Error::ColumnDecode {
                index: index.to_string(),
                source: Box::new(e),
            })
        }
    }
}

fn stored_row(row: &AnyRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        id: row.try_get(0)?,
        row: OutboxRow {
            event_type: row.try_get(1)?,
            topic: row.try_get(2)?,
            event_key_field: row.try_get(3)?,
            event_id: row.try_get(4)?,
            metadata: text(row, 5)?,
            event_data: row.try_get(6)?,
            created_at_us: row.try_get(7)?,
        },
    })
}
