//! Small things the fault harness needs: free ports, scratch directories that clean up after
//! themselves, bounded polling, and running the fault tests of a binary one at a time.

use super::error::HarnessError;
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard};

/// Print one line of a fault test's counts on standard error, past the test harness's output
/// capture (which takes `println!` and `eprintln!`, not writes to the handle), so that a passing
/// test's counts show in `cargo test`'s output too.
pub fn report(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A TCP port on 127.0.0.1 that was free a moment ago, chosen at random in 20000..32000 outside
/// the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`), so never one of the
/// shared services' ports (16379, 18081, 18082, 19092, 19093), and never the local port of an
/// outgoing connection: while a private server is down, a client reconnecting to its port could
/// otherwise be given that very port and hold it (or connect to itself), and the restart would
/// fail to bind.
pub fn free_port() -> Result<u16, HarnessError> {
    let (low, high) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut bounds = text.split_whitespace().map(str::parse::<u16>);
            Some((bounds.next()?.ok()?, bounds.next()?.ok()?))
        })
        .unwrap_or((32768, 60999));
    for _ in 0..200 {
        let port = 20000 + (uuid::Uuid::new_v4().as_u128() % 12000) as u16;
        if (low..=high).contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(HarnessError::Io {
        what: "finding a free port on 127.0.0.1 in 20000..32000".into(),
        source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
    })
}

/// A directory under the system's temporary directory, deleted with everything in it on drop.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// A new empty directory named `eventbus-fault-{name}-{pid}-{n}`.
    pub fn new(name: &str) -> Result<Self, HarnessError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "eventbus-fault-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // A leftover of an earlier process with the same PID.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .map_err(HarnessError::io(format!("creating {}", path.display())))?;
        Ok(ScratchDir(path))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if std::env::var_os("EVENTBUS_FAULT_KEEP").is_some() {
            eprintln!("[fault] keeping {} (EVENTBUS_FAULT_KEEP)", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Call `probe` every `every` until it returns `Some`, for at most `timeout`: its value, or
/// [`HarnessError::Timeout`] naming `what`. A probe error ends the wait with that error.
pub async fn wait_for<T, F, Fut>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut probe: F,
) -> Result<T, HarnessError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, HarnessError>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        if start.elapsed() >= timeout {
            return Err(HarnessError::Timeout {
                what: what.to_owned(),
                after: timeout,
                log: String::new(),
            });
        }
        tokio::time::sleep(every).await;
    }
}

/// Hold the returned guard for the whole of a fault test: the fault tests of one test binary
/// then run one after the other (each starts servers and loads the two cores; run in parallel
/// they would slow each other down and stretch the outages they measure). A test that panicked
/// while holding it does not block the others.
pub async fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::const_new(());
    LOCK.lock().await
}

/// The workspace's `scripts/fault-node.sh`.
pub fn fault_node_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scripts")
        .join("fault-node.sh")
}

/// Run `scripts/fault-node.sh fetch` once per process: download the Kafka jars and redis-server
/// if they are missing (nothing to do once `scripts/services.sh up` ran).
pub async fn fetch_servers() -> Result<(), HarnessError> {
    static FETCHED: OnceLock<Result<(), String>> = OnceLock::new();
    if let Some(done) = FETCHED.get() {
        return done.clone().map_err(|reason| HarnessError::Corrupt {
            what: "scripts/fault-node.sh fetch".into(),
            reason,
        });
    }
    let script = fault_node_script();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg(&script)
            .arg("fetch")
            .output()
    })
    .await
    .map_err(HarnessError::client("running scripts/fault-node.sh fetch"))?
    .map_err(HarnessError::io("running scripts/fault-node.sh fetch"))?;
    let result = if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    };
    let _ = FETCHED.set(result.clone());
    result.map_err(|reason| HarnessError::Corrupt {
        what: "scripts/fault-node.sh fetch".into(),
        reason,
    })
}
