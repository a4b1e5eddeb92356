//! The second file a fault-test consumer process writes when asked (`FAULT_CONSUMER_SPANS`): when
//! its receiver ran each event, `{seq}\t{pid}\t{start_us}\t{end_us}\n` (wall-clock microseconds,
//! comparable between the processes of one machine), one `write` per event after the receiver's
//! work. A chaos test reads the files of every process of a group and checks that no two
//! processes ran events of one key at overlapping times.

use super::error::HarnessError;
use super::events::key_of;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable naming the spans file.
pub const SPANS_FILE: &str = "FAULT_CONSUMER_SPANS";

/// When one process ran one event's receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The event's sequence number.
    pub seq: u64,
    /// The process.
    pub pid: u32,
    /// Start, microseconds since the epoch.
    pub start_us: u64,
    /// End, microseconds since the epoch.
    pub end_us: u64,
}

/// Now, in microseconds since the epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Appends [`Span`] lines.
#[derive(Debug)]
pub struct SpanWriter {
    file: Mutex<File>,
}

impl SpanWriter {
    /// Open `path` for appending, creating it if needed.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(SpanWriter {
            file: Mutex::new(file),
        })
    }

    /// Append one span, with one `write` call.
    pub fn record(&self, span: Span) -> std::io::Result<()> {
        let line = format!(
            "{}\t{}\t{}\t{}\n",
            span.seq, span.pid, span.start_us, span.end_us
        );
        self.file
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(line.as_bytes())
    }
}

/// Every complete span of the file (a line cut by a SIGKILL is skipped: that run never ended).
pub fn read_spans(path: &Path) -> Result<Vec<Span>, HarnessError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(HarnessError::io(format!("reading {}", path.display()))(e)),
    };
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t').map(str::parse::<u64>);
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(Ok(seq)), Some(Ok(pid)), Some(Ok(start_us)), Some(Ok(end_us))) => {
                    Some(Span {
                        seq,
                        pid: u32::try_from(pid).ok()?,
                        start_us,
                        end_us,
                    })
                }
                _ => None,
            }
        })
        .collect())
}

/// Two processes that ran events of one key at overlapping times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The key.
    pub key: String,
    /// One span.
    pub first: Span,
    /// The other, of another process, starting before the first ended.
    pub second: Span,
}

/// The overlaps between processes in `spans`, by key ([`key_of`]).
pub fn overlaps(spans: &[Span]) -> Vec<Overlap> {
    let mut by_key: HashMap<String, Vec<Span>> = HashMap::new();
    for span in spans {
        by_key.entry(key_of(span.seq)).or_default().push(*span);
    }
    let mut found = Vec::new();
    for (key, mut spans) in by_key {
        spans.sort_by_key(|s| (s.start_us, s.end_us));
        // Each span against the latest-ending span of another process before it.
        let mut latest: Option<Span> = None;
        for span in spans {
            if let Some(previous) = latest {
                if previous.pid != span.pid && span.start_us < previous.end_us {
                    found.push(Overlap {
                        key: key.clone(),
                        first: previous,
                        second: span,
                    });
                }
            }
            if latest.is_none_or(|l| span.end_us >= l.end_us) {
                latest = Some(span);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::events::KEYS;
    use crate::fault::ScratchDir;

    fn span(seq: u64, pid: u32, start_us: u64, end_us: u64) -> Span {
        Span {
            seq,
            pid,
            start_us,
            end_us,
        }
    }

    #[test]
    fn overlapping_runs_of_one_key_in_two_processes_are_found() {
        let spans = [
            span(0, 1, 0, 10),
            span(KEYS, 1, 10, 20),
            // Another process, same key, starts before 20.
            span(2 * KEYS, 2, 15, 30),
            // Another key at the same time: fine.
            span(1, 2, 0, 30),
            // The same process twice at once (ordered concurrency forbids it, but it is not a
            // cross-process overlap).
            span(3 * KEYS, 2, 25, 40),
        ];
        let found = overlaps(&spans);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].first.seq, found[0].second.seq), (KEYS, 2 * KEYS));
        assert!(overlaps(&[span(0, 1, 0, 10), span(KEYS, 2, 10, 20)]).is_empty());
    }

    #[test]
    fn spans_round_trip_and_a_cut_line_is_skipped() {
        let dir = ScratchDir::new("spans-test").unwrap();
        let path = dir.path().join("spans");
        let writer = SpanWriter::open(&path).unwrap();
        writer.record(span(1, 7, 100, 200)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"2\t7\t300")
            .unwrap();
        assert_eq!(read_spans(&path).unwrap(), vec![span(1, 7, 100, 200)]);
    }
}
