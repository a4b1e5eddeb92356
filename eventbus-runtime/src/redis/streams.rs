//! Operators' access to Redis streams: list them with their lengths, describe one (length,
//! first and last ids, consumer groups), read a range of entries bounded by the last id it had
//! when the read started, add entries as they are and delete them. Used by the `eventbus` command
//! line's `topics` and `dead-letters` commands; none of it joins or moves a consumer group.

use super::connection::connect;
use super::entry::{entries_of_list, StreamEntry};
use super::error::RedisError;
use crate::settings::RedisSettings;
use redis::aio::ConnectionManager;
use redis::streams::StreamInfoGroupsReply;
use redis::Value;
use std::time::Duration;

/// How long Redis may take to answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many entries one `XRANGE` returns at most.
const PAGE: usize = 100;

/// A consumer group of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// The group name.
    pub name: String,
    /// Its consumers.
    pub consumers: usize,
    /// Entries delivered to it and not acknowledged.
    pub pending: usize,
    /// The last entry id delivered to it.
    pub last_delivered_id: String,
    /// Entries not delivered to it yet, when Redis knows.
    pub lag: Option<usize>,
}

/// A stream, described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// The stream name.
    pub name: String,
    /// Its entries.
    pub length: u64,
    /// The id of its first entry, if any.
    pub first_id: Option<String>,
    /// The id of its last entry, if any.
    pub last_id: Option<String>,
    /// Its consumer groups.
    pub groups: Vec<GroupInfo>,
}

/// A connection for operators' stream commands.
#[derive(Clone)]
pub struct RedisStreams {
    connection: ConnectionManager,
    url: String,
}

impl std::fmt::Debug for RedisStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreams")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RedisStreams {
    /// Connect to the Redis of `settings`.
    pub async fn connect(settings: &RedisSettings) -> Result<Self, RedisError> {
        Ok(RedisStreams {
            connection: connect(settings, RESPONSE_TIMEOUT).await?,
            url: settings.url_for_logs(),
        })
    }

    /// The Redis URL, password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn error(command: &'static str, stream: &str) -> impl FnOnce(redis::RedisError) -> RedisError {
        let stream = stream.to_owned();
        move |source| RedisError::Command {
            command,
            stream,
            source,
        }
    }

    /// Every stream whose name matches the glob `pattern` (`*`: all), with its length, by name.
    pub async fn list(&self, pattern: &str) -> Result<Vec<(String, u64)>, RedisError> {
        let mut connection = self.connection.clone();
        let mut names = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, page): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000)
                .arg("TYPE")
                .arg("stream")
                .query_async(&mut connection)
                .await
                .map_err(Self::error("SCAN", pattern))?;
            names.extend(page);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        names.sort();
        names.dedup();
        let mut streams = Vec::with_capacity(names.len());
        for name in names {
            let length: u64 = redis::cmd("XLEN")
                .arg(&name)
                .query_async(&mut connection)
                .await
                .map_err(Self::error("XLEN", &name))?;
            streams.push((name, length));
        }
        Ok(streams)
    }

    /// The stream `name` described; `None` when it does not exist.
    pub async fn describe(&self, name: &str) -> Result<Option<StreamInfo>, RedisError> {
        let mut connection = self.connection.clone();
        let kind: String = redis::cmd("TYPE")
            .arg(name)
            .query_async(&mut connection)
            .await
            .map_err(Self::error("TYPE", name))?;
        if kind != "stream" {
            return Ok(None);
        }
        let length: u64 = redis::cmd("XLEN")
            .arg(name)
            .query_async(&mut connection)
            .await
            .map_err(Self::error("XLEN", name))?;
        let first_id = self.edge(name, "XRANGE", "-", "+").await?;
        let last_id = self.edge(name, "XREVRANGE", "+", "-").await?;
        let groups: StreamInfoGroupsReply = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(name)
            .query_async(&mut connection)
            .await
            .map_err(Self::error("XINFO GROUPS", name))?;
        Ok(Some(StreamInfo {
            name: name.to_owned(),
            length,
            first_id,
            last_id,
            groups: groups
                .groups
                .into_iter()
                .map(|g| GroupInfo {
                    name: g.name,
                    consumers: g.consumers,
                    pending: g.pending,
                    last_delivered_id: g.last_delivered_id,
                    lag: g.lag,
                })
                .collect(),
        }))
    }

    /// The id of the first (`XRANGE - +`) or last (`XREVRANGE + -`) entry.
    async fn edge(
        &self,
        stream: &str,
        command: &'static str,
        from: &str,
        to: &str,
    ) -> Result<Option<String>, RedisError> {
        Ok(self
            .range_page(stream, command, from, to, 1)
            .await?
            .into_iter()
            .next()
            .map(|entry| entry.id))
    }

    async fn range_page(
        &self,
        stream: &str,
        command: &'static str,
        from: &str,
        to: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>, RedisError> {
        let mut connection = self.connection.clone();
        let reply: Value = redis::cmd(command)
            .arg(stream)
            .arg(from)
            .arg(to)
            .arg("COUNT")
            .arg(count)
            .query_async(&mut connection)
            .await
            .map_err(Self::error(command, stream))?;
        entries_of_list(&reply).map_err(|source| RedisError::Reply {
            command,
            stream: stream.to_owned(),
            source,
        })
    }

    /// A reader of the entries of `stream` from `from` to `to` (ids, inclusive; default: the
    /// first and the last), and never past the last entry the stream had now.
    pub async fn range(
        &self,
        stream: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<StreamRange, RedisError> {
        let last = self.edge(stream, "XREVRANGE", "+", "-").await?;
        let end = match (last, to) {
            (None, _) => None,
            (Some(last), None) => Some(last),
            // The smaller of the two: XREVRANGE from `to` down gives the last entry at or before it.
            (Some(last), Some(to)) => {
                self.edge(stream, "XREVRANGE", to, "-")
                    .await?
                    .map(|bounded| {
                        if id_le(&bounded, &last) {
                            bounded
                        } else {
                            last
                        }
                    })
            }
        };
        Ok(StreamRange {
            streams: self.clone(),
            stream: stream.to_owned(),
            next: from.unwrap_or("-").to_owned(),
            end,
        })
    }

    /// The newest `count` entries of `stream`, newest first (`XREVRANGE stream + - COUNT n`).
    pub async fn newest(&self, stream: &str, count: usize) -> Result<Vec<StreamEntry>, RedisError> {
        self.range_page(stream, "XREVRANGE", "+", "-", count).await
    }

    /// The entry `id` of `stream` (`XRANGE stream id id`), if it is there.
    pub async fn entry(&self, stream: &str, id: &str) -> Result<Option<StreamEntry>, RedisError> {
        Ok(self
            .range_page(stream, "XRANGE", id, id, 1)
            .await?
            .into_iter()
            .find(|entry| entry.id == id))
    }

    /// Add an entry with these fields, in order (`XADD stream [MAXLEN ~ n] * ...`); its id.
    pub async fn add(
        &self,
        stream: &str,
        fields: &[(String, Option<Vec<u8>>)],
        max_len: Option<u64>,
    ) -> Result<String, RedisError> {
        let mut command = redis::cmd("XADD");
        command.arg(stream);
        if let Some(len) = max_len {
            command.arg("MAXLEN").arg("~").arg(len);
        }
        command.arg("*");
        for (name, value) in fields {
            command.arg(name).arg(value.as_deref().unwrap_or_default());
        }
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(Self::error("XADD", stream))
    }

    /// Delete the entry `id` (`XDEL`); whether it was there.
    pub async fn delete(&self, stream: &str, id: &str) -> Result<bool, RedisError> {
        let mut connection = self.connection.clone();
        let deleted: u64 = redis::cmd("XDEL")
            .arg(stream)
            .arg(id)
            .query_async(&mut connection)
            .await
            .map_err(Self::error("XDEL", stream))?;
        Ok(deleted > 0)
    }
}

/// Whether the entry id `a` is at or before `b` (`<ms>-<seq>`).
fn id_le(a: &str, b: &str) -> bool {
    let parse = |id: &str| -> (u64, u64) {
        let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
        (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
    };
    parse(a) <= parse(b)
}

/// The entries of a stream in a range, read page by page ([`RedisStreams::range`]).
#[derive(Debug)]
pub struct StreamRange {
    streams: RedisStreams,
    stream: String,
    /// The next start (`-`, an id, or `(id`: after it).
    next: String,
    /// The last id to read; `None`: the stream was empty.
    end: Option<String>,
}

impl StreamRange {
    /// The last entry id the range reads up to; `None` when there is nothing to read.
    pub fn end(&self) -> Option<&str> {
        self.end.as_deref()
    }

    /// The next entries (at most a page), in id order; empty at the end.
    pub async fn next_page(&mut self) -> Result<Vec<StreamEntry>, RedisError> {
        let Some(end) = self.end.clone() else {
            return Ok(Vec::new());
        };
        let entries = self
            .streams
            .range_page(&self.stream, "XRANGE", &self.next, &end, PAGE)
            .await?;
        match entries.last() {
            Some(last) if last.id != end => self.next = format!("({}", last.id),
            _ => self.end = None,
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::id_le;

    #[test]
    fn ids_compare_as_numbers() {
        assert!(id_le("9-0", "10-0"));
        assert!(id_le("10-2", "10-10"));
        assert!(id_le("10-2", "10-2"));
        assert!(!id_le("10-3", "10-2"));
    }
}
