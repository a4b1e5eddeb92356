//! The SQL of each database: the outbox statements are written once with `?` placeholders and
//! numbered for PostgreSQL.

use super::OutboxError;
use std::borrow::Cow;

/// A database the outbox runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite (3.35 or newer).
    Sqlite,
    /// MySQL 8 or MariaDB 10.6 and newer.
    MySql,
    /// PostgreSQL 12 and newer.
    Postgres,
}

impl Dialect {
    /// The dialect of a database URL: `sqlite:`, `mysql:` / `mariadb:`, `postgres:` /
    /// `postgresql:`.
    pub fn from_url(url: &str) -> Result<Dialect, OutboxError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Dialect::Sqlite),
            "mysql" | "mariadb" => Ok(Dialect::MySql),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            _ => Err(OutboxError::UnsupportedUrl {
                url: crate::settings::redact_url(url),
            }),
        }
    }

    /// The dialect of an sqlx `Any` connection's backend name.
    pub(crate) fn from_backend_name(name: &str) -> Dialect {
        match name.to_ascii_lowercase().as_str() {
            "sqlite" => Dialect::Sqlite,
            "mysql" | "mariadb" => Dialect::MySql,
            _ => Dialect::Postgres,
        }
    }

    /// The SQL that creates the outbox tables (`migrations/outbox/*.sql`), statement by statement,
    /// without comments.
    pub fn migration(self) -> Vec<String> {
        let script = match self {
            Dialect::Sqlite => include_str!("../../migrations/outbox/sqlite.sql"),
            Dialect::MySql => include_str!("../../migrations/outbox/mysql.sql"),
            Dialect::Postgres => include_str!("../../migrations/outbox/postgres.sql"),
        };
        let code: Vec<&str> = script
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect();
        code.join("\n")
            .split(';')
            .map(|statement| statement.trim().to_owned())
            .filter(|statement| !statement.is_empty())
            .collect()
    }

    /// `sql` with its `?` placeholders numbered `$1, $2...` for PostgreSQL.
    pub(crate) fn sql(self, sql: &str) -> Cow<'_, str> {
        if self != Dialect::Postgres {
            return Cow::Borrowed(sql);
        }
        let mut numbered = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                numbered.push('$');
                numbered.push_str(&n.to_string());
            } else {
                numbered.push(c);
            }
        }
        Cow::Owned(numbered)
    }

    /// `INSERT` that does nothing when the primary key exists.
    pub(crate) fn insert_lease(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "INSERT OR IGNORE INTO eventbus_outbox_lease (topic, owner, expires_at_us) VALUES (?, NULL, 0)"
            }
            Dialect::MySql => {
                "INSERT IGNORE INTO eventbus_outbox_lease (topic, owner, expires_at_us) VALUES (?, NULL, 0)"
            }
            Dialect::Postgres => {
                "INSERT INTO eventbus_outbox_lease (topic, owner, expires_at_us) VALUES (?, NULL, 0) ON CONFLICT (topic) DO NOTHING"
            }
        }
    }
}

/// Insert one outbox row.
pub(crate) const INSERT_ROW: &str = "INSERT INTO eventbus_outbox \
     (event_type, topic, event_key_field, event_id, metadata, event_data, created_at_us, attempts) \
     VALUES (?, ?, ?, ?, ?, ?, ?, 0)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_dialect() {
        assert_eq!(Dialect::from_url("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::from_url("sqlite::memory:").unwrap(),
            Dialect::Sqlite
        );
        assert_eq!(Dialect::from_url("mysql://a@h/db").unwrap(), Dialect::MySql);
        assert_eq!(
            Dialect::from_url("mariadb://a@h/db").unwrap(),
            Dialect::MySql
        );
        assert_eq!(
            Dialect::from_url("postgresql://h/db").unwrap(),
            Dialect::Postgres
        );
        let error = Dialect::from_url("oracle://scott:tiger@h/db").unwrap_err();
        assert_eq!(
            error.to_string(),
            "outbox database `oracle://scott:***@h/db`: unsupported scheme (use sqlite:, mysql:, mariadb: or postgres:)"
        );
    }

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "UPDATE t SET a = ? WHERE b = ? AND c = ?";
        assert_eq!(Dialect::MySql.sql(sql), sql);
        assert_eq!(
            Dialect::Postgres.sql(sql),
            "UPDATE t SET a = $1 WHERE b = $2 AND c = $3"
        );
    }

    #[test]
    fn each_migration_creates_the_two_tables_and_the_index() {
        for dialect in [Dialect::Sqlite, Dialect::MySql, Dialect::Postgres] {
            let statements = dialect.migration();
            let creates = |what: &str| statements.iter().filter(|s| s.contains(what)).count();
            assert_eq!(creates("CREATE TABLE IF NOT EXISTS eventbus_outbox ("), 1);
            assert_eq!(
                creates("CREATE TABLE IF NOT EXISTS eventbus_outbox_lease"),
                1
            );
            assert_eq!(creates("eventbus_outbox_pending"), 1, "{dialect:?}");
            assert!(statements.iter().all(|s| !s.is_empty()));
        }
    }
}
