//! [`PrivateRedis`]: a redis-server of the fault tests' own, started with
//! `scripts/fault-node.sh redis` on a free port of 127.0.0.1.
//!
//! Persistence: the append-only file only (`appendonly yes`, `appendfsync always`, no RDB
//! snapshots), in a directory that survives kills and restarts. With `appendfsync always` Redis
//! writes and fsyncs each write to the AOF before it replies, so an entry whose `XADD` was
//! acknowledged survives a SIGKILL of the server, and a restart replays the AOF.

use super::error::HarnessError;
use super::process::OwnedProcess;
use super::support::{fault_node_script, fetch_servers, free_port, wait_for, ScratchDir};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a start or restart (with the AOF replayed) may take.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A Redis server that only this test uses.
///
/// ```no_run
/// # async fn demo() -> Result<(), eventbus_tests::fault::HarnessError> {
/// use eventbus_tests::fault::PrivateRedis;
/// let mut redis = PrivateRedis::start().await?;
/// let url = redis.url();                // redis://127.0.0.1:PORT/
/// redis.kill()?;                        // SIGKILL, reaped
/// redis.restart().await?;               // same port, same AOF; answers PING again
/// # Ok(()) }
/// ```
///
/// Dropping it stops the server (SIGTERM, SIGKILL after 10 s) and deletes its directory (kept
/// when `EVENTBUS_FAULT_KEEP` is set).
#[derive(Debug)]
pub struct PrivateRedis {
    process: OwnedProcess,
    port: u16,
    // Dropped last, after the process stopped.
    dir: ScratchDir,
}

impl PrivateRedis {
    /// Start a server on a new directory and wait until it answers `PING`.
    pub async fn start() -> Result<Self, HarnessError> {
        fetch_servers().await?;
        let dir = ScratchDir::new("redis")?;
        let port = free_port()?;
        let process = OwnedProcess::new(
            format!("private redis-server on 127.0.0.1:{port}"),
            "bash",
            dir.path().join("redis.log"),
        )
        .arg(fault_node_script())
        .arg("redis")
        .arg(dir.path().join("data"))
        .arg(port.to_string());
        let mut redis = PrivateRedis { process, port, dir };
        redis.launch().await?;
        Ok(redis)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's PID while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// Its directory: `data/` (the AOF) and `redis.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// SIGKILL the server and reap it.
    pub fn kill(&mut self) -> Result<(), HarnessError> {
        self.process.kill().map(drop)
    }

    /// SIGSTOP the server.
    pub fn pause(&mut self) -> Result<(), HarnessError> {
        self.process.pause()
    }

    /// SIGCONT the server.
    pub fn resume(&mut self) -> Result<(), HarnessError> {
        self.process.resume()
    }

    /// Start the server again on the same port and directory (stopping it first, gracefully, if
    /// it still runs) and wait until it answers `PING` (the AOF is loaded then); how long that
    /// took.
    pub async fn restart(&mut self) -> Result<Duration, HarnessError> {
        self.process.terminate(Duration::from_secs(10))?;
        self.launch().await
    }

    /// A new connection to the server.
    pub async fn connection(&self) -> Result<redis::aio::MultiplexedConnection, HarnessError> {
        let what = format!("connecting to {}", self.url());
        redis::Client::open(self.url())
            .map_err(HarnessError::client(what.clone()))?
            .get_multiplexed_async_connection()
            .await
            .map_err(HarnessError::client(what))
    }

    async fn launch(&mut self) -> Result<Duration, HarnessError> {
        let start = Instant::now();
        self.process.start()?;
        let what = format!("{} answering PING", self.process.name());
        let url = self.url();
        let result = wait_for(&what, START_TIMEOUT, Duration::from_millis(50), || {
            let alive = self.process.check_running();
            let url = url.clone();
            async move {
                alive?;
                Ok(ping(&url).await.then_some(()))
            }
        })
        .await;
        result.map_err(|error| match error {
            HarnessError::Timeout { what, after, .. } => HarnessError::Timeout {
                what,
                after,
                log: self.process.log_tail(30),
            },
            other => other,
        })?;
        Ok(start.elapsed())
    }
}

/// Whether the server at `url` answers `PONG` (not `LOADING` while it replays its AOF).
async fn ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return false;
    };
    matches!(
        redis::cmd("PING").query_async::<String>(&mut connection).await,
        Ok(pong) if pong == "PONG"
    )
}
