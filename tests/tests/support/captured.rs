//! The logs of a test binary, kept by its global `tracing` subscriber (the security tests grep
//! them for secrets; the Kafka log tests for the lines of a failed delivery).
//!
//! The subscriber is global because a thread-local one (`set_default`) misses events in a binary
//! whose other tests run on other threads: a callsite first reached on a thread without a
//! subscriber caches "never" while one thread-local subscriber is the only one registered.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};

/// A `tracing` writer that keeps what is written.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        self.since(0)
    }

    /// Everything logged since byte `from`.
    pub fn since(&self, from: usize) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()[from..]).into_owned()
    }

    /// How many bytes were logged so far.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The logs of this process from the first call on, kept by the global subscriber installed
/// then with `filter` (an `EnvFilter` directive such as `"debug"` or
/// `"info,eventbus_runtime=debug"`; a binary passes the same one on every call, the first wins).
/// Installed before anything else of the test runs, so `init_tracing` (with `RUST_LOG`) finds it
/// taken.
pub fn capture_logs(filter: &str) -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .with_env_filter(filter)
            .try_init()
            .expect("the only subscriber of this test binary");
        captured
    })
}
