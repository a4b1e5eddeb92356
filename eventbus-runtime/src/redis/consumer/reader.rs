//! The Redis reader: a task of its own, on a connection of its own (a blocking `XREADGROUP` holds
//! its connection), that sends the engine what it reads through a bounded channel:
//! 1. the entries still pending for this consumer name (a crash, a stop), page by page;
//! 2. with claiming (`claim_pending_older_than`), the entries other consumers of the group left
//!    pending for longer than the idle time (`XAUTOCLAIM`), at the start and then every idle time
//!    (at least every second): a member that died mid-entry is taken over by those alive;
//! 3. new entries (`XREADGROUP ... >`), waiting up to the poll timeout for one.
//!
//! Entries this consumer holds (read and not acknowledged) are never sent twice: a claim that
//! returns one of them (ours, idle while it waits behind its key), or one acknowledged while the
//! claim ran, skips it.

use super::super::entry::{entries_of_list, entries_of_reply, ReplyError, StreamEntry};
use super::super::error::RedisError;
use super::super::telemetry::LagProbe;
use crate::consume::engine::Read;
use crate::consume::CancellationToken;
use crate::sync::LockUnpoisoned;
use crate::telemetry::HealthCheck;
use redis::aio::ConnectionManager;
use redis::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How many entries one read returns at most.
pub(super) const READ_BATCH: usize = 100;

/// The entries a consumer holds: sent to its engine and not acknowledged, and those acknowledged
/// since the reader's last command (a reply may still list them as pending: acknowledged while
/// the command ran).
#[derive(Debug, Default)]
pub(super) struct HeldIds {
    ids: HashSet<String>,
    acknowledged: HashSet<String>,
}

impl HeldIds {
    /// An entry was acknowledged: no longer held.
    pub(super) fn acknowledged(&mut self, id: &str) {
        if self.ids.remove(id) {
            self.acknowledged.insert(id.to_owned());
        }
    }
}

/// The entries a consumer holds, shared by its reader and its acknowledgements.
pub(super) type Held = Arc<Mutex<HeldIds>>;

/// What the reader reads from.
pub(super) struct Reader {
    pub(super) connection: ConnectionManager,
    pub(super) stream: String,
    pub(super) group: String,
    pub(super) consumer_name: String,
    pub(super) claim_idle: Option<Duration>,
    pub(super) poll_timeout: Duration,
    pub(super) poll_failure_sleep: Duration,
    pub(super) held: Held,
    pub(super) health: Arc<HealthCheck>,
    pub(super) lag: LagProbe,
}

/// Where the reader is.
enum Phase {
    /// Reading this consumer's pending entries, after this id.
    Pending(String),
    /// Reading new entries.
    New,
}

impl Reader {
    /// Read until `stop` or until the engine is gone.
    pub(super) async fn run(
        mut self,
        sender: mpsc::Sender<Read<StreamEntry>>,
        stop: CancellationToken,
    ) {
        let mut phase = Phase::Pending("0".to_owned());
        let mut next_claim = self.claim_idle.map(|_| Instant::now());
        loop {
            self.held.locked().acknowledged.clear();
            let read = tokio::select! {
                biased;
                () = stop.cancelled() => return,
                read = self.next(&mut phase, &mut next_claim) => read,
            };
            self.health.set("connected", read.is_ok());
            let sent = match read {
                Ok(entries) if entries.is_empty() => continue,
                Ok(entries) => {
                    let fresh: Vec<StreamEntry> = {
                        let mut held = self.held.locked();
                        let held = &mut *held;
                        entries
                            .into_iter()
                            .filter(|entry| {
                                !held.acknowledged.contains(&entry.id)
                                    && held.ids.insert(entry.id.clone())
                            })
                            .collect()
                    };
                    if fresh.is_empty() {
                        continue;
                    }
                    sender.send(Read::Messages(fresh)).await
                }
                Err(error) => {
                    tracing::error!(
                        %error,
                        full_topic = %self.stream,
                        consumer_group = %self.group,
                        consumer_name = %self.consumer_name,
                        "Error consuming event from Redis -- no event available"
                    );
                    let sent = sender.send(Read::Failed(error.to_string())).await;
                    if crate::consume::sleep_unless_cancelled(&stop, self.poll_failure_sleep).await
                    {
                        return;
                    }
                    sent
                }
            };
            if sent.is_err() {
                return;
            }
        }
    }

    /// The next entries: this consumer's pending ones first; then claimed ones when a claim is
    /// due (never during the pending phase, whose reads would list the claimed entries again),
    /// else new ones.
    async fn next(
        &mut self,
        phase: &mut Phase,
        next_claim: &mut Option<Instant>,
    ) -> Result<Vec<StreamEntry>, RedisError> {
        let claiming = matches!(phase, Phase::New);
        if let (true, Some(idle), Some(due)) = (claiming, self.claim_idle, *next_claim) {
            if Instant::now() >= due {
                *next_claim = Some(Instant::now() + idle.max(Duration::from_secs(1)));
                let claimed = self.claim(idle).await?;
                if !claimed.is_empty() {
                    tracing::info!(
                        claimed = claimed.len(),
                        "claimed the pending entries of idle consumers"
                    );
                    return Ok(claimed);
                }
            }
        }
        match phase {
            Phase::Pending(after) => {
                let entries = self.read_group(after, None).await?;
                match entries.last() {
                    Some(last) => *after = last.id.clone(),
                    None => {
                        tracing::debug!("No more pending messages.");
                        *phase = Phase::New;
                    }
                }
                Ok(entries)
            }
            Phase::New => {
                (self.lag)
                    .refresh(&mut self.connection, &self.stream, &self.group)
                    .await;
                // Not past the next claim, so claims keep their pace.
                let mut block = self.poll_timeout;
                if let Some(due) = *next_claim {
                    block = block.min(due.saturating_duration_since(Instant::now()));
                }
                self.read_group(">", Some(block)).await
            }
        }
    }

    /// Take over every entry of the group left pending for longer than `idle` (`XAUTOCLAIM`,
    /// page by page): the entries claimed.
    async fn claim(&mut self, idle: Duration) -> Result<Vec<StreamEntry>, RedisError> {
        let reply_error = |source| RedisError::Reply {
            command: "XAUTOCLAIM",
            stream: self.stream.clone(),
            source,
        };
        let mut cursor = "0-0".to_owned();
        let mut claimed = Vec::new();
        loop {
            let reply: Value = redis::cmd("XAUTOCLAIM")
                .arg(&self.stream)
                .arg(&self.group)
                .arg(&self.consumer_name)
                .arg(u64::try_from(idle.as_millis()).unwrap_or(u64::MAX))
                .arg(&cursor)
                .arg("COUNT")
                .arg(READ_BATCH)
                .query_async(&mut self.connection)
                .await
                .map_err(|source| self.command_error("XAUTOCLAIM", source))?;
            let Value::Array(parts) = &reply else {
                return Err(reply_error(ReplyError(format!("{reply:?}"))));
            };
            let (Some(next), Some(entries)) = (parts.first(), parts.get(1)) else {
                return Err(reply_error(ReplyError(format!("{reply:?}"))));
            };
            claimed.extend(entries_of_list(entries).map_err(reply_error)?);
            cursor = match next {
                Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                Value::SimpleString(s) => s.clone(),
                other => return Err(reply_error(ReplyError(format!("cursor {other:?}")))),
            };
            if cursor == "0-0" {
                return Ok(claimed);
            }
        }
    }

    async fn read_group(
        &mut self,
        id: &str,
        block: Option<Duration>,
    ) -> Result<Vec<StreamEntry>, RedisError> {
        let mut command = redis::cmd("XREADGROUP");
        command
            .arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer_name)
            .arg("COUNT")
            .arg(READ_BATCH);
        if let Some(block) = block {
            command
                .arg("BLOCK")
                .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX).max(1));
        }
        command.arg("STREAMS").arg(&self.stream).arg(id);
        let reply: Value = command
            .query_async(&mut self.connection)
            .await
            .map_err(|source| self.command_error("XREADGROUP", source))?;
        entries_of_reply(&reply).map_err(|source| RedisError::Reply {
            command: "XREADGROUP",
            stream: self.stream.clone(),
            source,
        })
    }

    fn command_error(&self, command: &'static str, source: redis::RedisError) -> RedisError {
        RedisError::Command {
            command,
            stream: self.stream.clone(),
            source,
        }
    }
}
