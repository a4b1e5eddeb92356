//! Writing outbox rows on the application's own connection or transaction, for each database
//! sqlx supports here.

use super::dialect::INSERT_ROW;
use super::{Dialect, OutboxRow};
use crate::signal::BoxFuture;

/// A database whose transactions can carry outbox rows: [`sqlx::Sqlite`], [`sqlx::MySql`],
/// [`sqlx::Postgres`], and [`sqlx::Any`] connected to one of them.
pub trait OutboxDatabase: sqlx::Database {
    /// The SQL dialect of a connection.
    fn dialect(connection: &Self::Connection) -> Dialect;

    /// Insert `rows` into `eventbus_outbox` on `connection` (in its open transaction, if any).
    fn insert_rows<'a>(
        connection: &'a mut Self::Connection,
        rows: &'a [OutboxRow],
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
}

macro_rules! outbox_database {
    ($db:ty, $connection:ident => $dialect:expr) => {
        impl OutboxDatabase for $db {
            fn dialect($connection: &Self::Connection) -> Dialect {
                $dialect
            }

            fn insert_rows<'a>(
                connection: &'a mut Self::Connection,
                rows: &'a [OutboxRow],
            ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
                Box::pin(async move {
                    let sql = Self::dialect(connection).sql(INSERT_ROW).into_owned();
                    for row in rows {
                        sqlx::query::<$db>(&sql)
                            .bind(row.event_type.as_str())
                            .bind(row.topic.as_str())
                            .bind(row.event_key_field.as_str())
                            .bind(row.event_id.as_str())
                            .bind(row.metadata.as_str())
                            .bind(row.event_data.as_slice())
                            .bind(row.created_at_us)
                            .execute(&mut *connection)
                            .await?;
                    }
                    Ok(())
                })
            }
        }
    };
}

outbox_database!(sqlx::Sqlite, _c => Dialect::Sqlite);
outbox_database!(sqlx::MySql, _c => Dialect::MySql);
outbox_database!(sqlx::Postgres, _c => Dialect::Postgres);
outbox_database!(sqlx::Any, c => Dialect::from_backend_name(c.backend_name()));
