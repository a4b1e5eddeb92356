//! [`OwnedProcess`]: a process the harness started itself and is the only one to signal, by its
//! PID, until it has reaped it (so the PID cannot have been reused by another process).

use super::error::HarnessError;
use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The signals the harness sends besides SIGKILL (which is [`Child::kill`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: ask the process to stop.
    Term,
    /// SIGSTOP: freeze the process (it cannot catch it).
    Stop,
    /// SIGCONT: let a stopped process run again.
    Cont,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Term => "TERM",
            Signal::Stop => "STOP",
            Signal::Cont => "CONT",
        }
    }
}

/// A command the harness runs, possibly several times (a restart runs the same command again),
/// with its stdout and stderr appended to one log file.
///
/// Signals go only to the PID of the [`Child`] this value holds, and only before it is reaped;
/// [`OwnedProcess::kill`] and [`OwnedProcess::terminate`] reap it. Dropping a running process
/// terminates it (SIGTERM, SIGKILL after 10 s).
#[derive(Debug)]
pub struct OwnedProcess {
    name: String,
    program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    log: PathBuf,
    child: Option<Child>,
    starts: u32,
}

impl OwnedProcess {
    /// A process named `name` (in messages) that runs `program`, logging to `log`. Nothing runs
    /// until [`OwnedProcess::start`].
    pub fn new(
        name: impl Into<String>,
        program: impl Into<PathBuf>,
        log: impl Into<PathBuf>,
    ) -> Self {
        OwnedProcess {
            name: name.into(),
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            log: log.into(),
            child: None,
            starts: 0,
        }
    }

    /// Add an argument.
    #[must_use]
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Set an environment variable (on top of this process's environment).
    #[must_use]
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// The name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The log file (stdout and stderr of every start).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// How many times it was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// Start the command; its PID. Fails if it is already running.
    pub fn start(&mut self) -> Result<u32, HarnessError> {
        if self.running() {
            return Err(HarnessError::Io {
                what: format!("starting {}", self.name),
                source: std::io::Error::other("it is already running"),
            });
        }
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(HarnessError::io(format!("opening {}", self.log.display())))?;
        writeln!(log, "==== {}: start {} ====", self.name, self.starts)
            .map_err(HarnessError::io(format!("writing {}", self.log.display())))?;
        let err = log
            .try_clone()
            .map_err(HarnessError::io(format!("opening {}", self.log.display())))?;
        let child = Command::new(&self.program)
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(HarnessError::io(format!(
                "starting {} ({})",
                self.name,
                self.program.display()
            )))?;
        let pid = child.id();
        self.child = Some(child);
        Ok(pid)
    }

    /// The PID, while it was started and not reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether it is running (started, and not exited). An exited process stays unreaped until
    /// [`OwnedProcess::check_running`], [`OwnedProcess::kill`] or [`OwnedProcess::terminate`].
    pub fn running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// `Ok` while it runs; [`HarnessError::Exited`] (with the end of its log) once it exited,
    /// [`HarnessError::NotRunning`] if it was never started or was reaped.
    pub fn check_running(&mut self) -> Result<(), HarnessError> {
        let name = self.name.clone();
        let Some(child) = self.child.as_mut() else {
            return Err(HarnessError::NotRunning { what: name });
        };
        match child
            .try_wait()
            .map_err(HarnessError::io(format!("waiting for {name}")))?
        {
            None => Ok(()),
            Some(status) => {
                self.child = None;
                Err(HarnessError::Exited {
                    what: name,
                    status,
                    log: self.log_tail(30),
                })
            }
        }
    }

    /// Send `signal` to it.
    pub fn signal(&mut self, signal: Signal) -> Result<(), HarnessError> {
        self.check_running()?;
        let pid = self.pid().expect("checked running").to_string();
        let status = Command::new("kill")
            .args(["-s", signal.name(), &pid])
            .status()
            .map_err(HarnessError::io(format!(
                "running kill -s {} {pid}",
                signal.name()
            )))?;
        if status.success() {
            Ok(())
        } else {
            Err(HarnessError::Io {
                what: format!("kill -s {} {pid} ({})", signal.name(), self.name),
                source: std::io::Error::other(status.to_string()),
            })
        }
    }

    /// SIGKILL it and reap it; its exit status.
    pub fn kill(&mut self) -> Result<ExitStatus, HarnessError> {
        self.check_running()?;
        let name = self.name.clone();
        let child = self.child.as_mut().expect("checked running");
        child
            .kill()
            .map_err(HarnessError::io(format!("SIGKILL to {name}")))?;
        let status = child
            .wait()
            .map_err(HarnessError::io(format!("reaping {name}")))?;
        self.child = None;
        Ok(status)
    }

    /// SIGSTOP it.
    pub fn pause(&mut self) -> Result<(), HarnessError> {
        self.signal(Signal::Stop)
    }

    /// SIGCONT it.
    pub fn resume(&mut self) -> Result<(), HarnessError> {
        self.signal(Signal::Cont)
    }

    /// SIGCONT (in case it is stopped) and SIGTERM it, wait up to `grace` for it to exit, then
    /// SIGKILL it; reap it and return its exit status. `Ok(None)` if it was not running.
    pub fn terminate(&mut self, grace: Duration) -> Result<Option<ExitStatus>, HarnessError> {
        if self.child.is_none() {
            return Ok(None);
        }
        if let Err(HarnessError::Exited { status, .. }) = self.check_running() {
            return Ok(Some(status));
        }
        // SIGCONT first, so that a stopped process gets the SIGTERM at once; it may exit by
        // itself in between, or right after the SIGTERM.
        for signal in [Signal::Cont, Signal::Term] {
            match self.signal(signal) {
                Ok(()) => {}
                Err(HarnessError::Exited { status, .. }) => return Ok(Some(status)),
                Err(error) => return Err(error),
            }
        }
        let name = self.name.clone();
        let child = self.child.as_mut().expect("checked running");
        let start = Instant::now();
        while start.elapsed() < grace {
            if let Some(status) = child
                .try_wait()
                .map_err(HarnessError::io(format!("waiting for {name}")))?
            {
                self.child = None;
                return Ok(Some(status));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill().map(Some)
    }

    /// The last `lines` lines of the log, with a header line (empty if there is no log).
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines)
    }
}

impl Drop for OwnedProcess {
    fn drop(&mut self) {
        if let Err(error) = self.terminate(Duration::from_secs(10)) {
            eprintln!("[fault] stopping {}: {error}", self.name);
        }
    }
}

/// The last `lines` lines of a log file, after a header line naming it; empty when the file is
/// missing or empty.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(text) = std::fs::read_to_string(path) else {
        return String::new();
    };
    let all: Vec<&str> = text.lines().collect();
    if all.is_empty() {
        return String::new();
    }
    let tail = &all[all.len().saturating_sub(lines)..];
    format!(
        "\n---- last {} lines of {} ----\n{}",
        tail.len(),
        path.display(),
        tail.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::ScratchDir;
    use std::os::unix::process::ExitStatusExt;

    /// The state letter of /proc/PID/stat (R, S, T...).
    fn state(pid: u32) -> char {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.chars().next().unwrap()
    }

    #[test]
    fn signals_reach_only_the_owned_child_and_kill_reaps_it() {
        let dir = ScratchDir::new("process-test").unwrap();
        let mut sleeper = OwnedProcess::new("sleeper", "sleep", dir.path().join("log")).arg("30");
        assert!(matches!(
            sleeper.pause(),
            Err(HarnessError::NotRunning { .. })
        ));
        let pid = sleeper.start().unwrap();
        assert_eq!(sleeper.pid(), Some(pid));
        sleeper.pause().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while state(pid) != 'T' {
            assert!(Instant::now() < deadline, "not stopped: {}", state(pid));
            std::thread::sleep(Duration::from_millis(10));
        }
        sleeper.resume().unwrap();
        while state(pid) == 'T' {
            assert!(Instant::now() < deadline, "still stopped");
            std::thread::sleep(Duration::from_millis(10));
        }
        let status = sleeper.kill().unwrap();
        assert_eq!(status.signal(), Some(9));
        assert_eq!(sleeper.pid(), None);
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "reaped");
        // Started again with the same command; SIGTERM stops it.
        sleeper.start().unwrap();
        let status = sleeper.terminate(Duration::from_secs(5)).unwrap().unwrap();
        assert_eq!(status.signal(), Some(15));
        assert_eq!(sleeper.starts(), 2);
        assert!(sleeper.terminate(Duration::from_secs(1)).unwrap().is_none());
        let log = std::fs::read_to_string(sleeper.log_path()).unwrap();
        assert!(log.contains("sleeper: start 2"), "{log}");
    }
}
