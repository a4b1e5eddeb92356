//! What can go wrong in the harness itself (not in the code under test).

use std::process::ExitStatus;
use std::time::Duration;

/// A failure of the fault harness: a process that would not start or stop, a readiness check
/// that timed out, a client of the private services that failed. Each names what it was doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// An I/O operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Something did not happen within its bound.
    #[error("{what}: not done after {after:?}{log}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The bound.
        after: Duration,
        /// The end of the process's log, if there is one (with a leading newline).
        log: String,
    },
    /// A process exited when it should be running.
    #[error("{what} exited ({status}){log}")]
    Exited {
        /// The process.
        what: String,
        /// Its exit status.
        status: ExitStatus,
        /// The end of its log (with a leading newline).
        log: String,
    },
    /// A signal was asked for a process that is not running.
    #[error("{what} is not running")]
    NotRunning {
        /// The process.
        what: String,
    },
    /// A client of a private service failed.
    #[error("{what}: {source}")]
    Client {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Data the harness reads (a consumer's output file, an event) is not what it should be.
    #[error("{what}: {reason}")]
    Corrupt {
        /// Where (a file and line, an event).
        what: String,
        /// What is wrong.
        reason: String,
    },
}

impl HarnessError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HarnessError {
        let what = what.into();
        move |source| HarnessError::Io { what, source }
    }

    /// A client error while doing `what`.
    pub fn client<E: std::error::Error + Send + Sync + 'static>(
        what: impl Into<String>,
    ) -> impl FnOnce(E) -> HarnessError {
        let what = what.into();
        move |source| HarnessError::Client {
            what,
            source: Box::new(source),
        }
    }
}
