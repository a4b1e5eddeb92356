//! The file a fault-test consumer process writes: one line per event its receiver processed,
//! `{seq}\t{metadata id}\n`, written with a single `write` to a file opened in append mode before
//! the receiver returns. After a SIGKILL the file holds exactly the events whose receiver
//! finished (the kernel keeps what was written; a partial line could only come from a kill inside
//! that one `write`, and [`read_processed`] reports it). Restarts append to the same file.

use super::error::HarnessError;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use uuid::Uuid;

/// One processed event: its sequence number and metadata id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Processed {
    /// The sequence number in its data (see [`super::events`]).
    pub seq: u64,
    /// Its metadata id (`ce_id` on Kafka, `id` on Redis).
    pub id: Uuid,
}

/// Appends [`Processed`] lines to the file (used by the consumer process's receiver).
#[derive(Debug)]
pub struct ProcessedWriter {
    file: Mutex<File>,
}

impl ProcessedWriter {
    /// Open `path` for appending, creating it if needed.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(ProcessedWriter {
            file: Mutex::new(file),
        })
    }

    /// Append one line, with one `write` call.
    pub fn record(&self, processed: Processed) -> std::io::Result<()> {
        let line = format!("{}\t{}\n", processed.seq, processed.id);
        self.file
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(line.as_bytes())
    }
}

/// Every line of the file, in order (none if it does not exist yet).
pub fn read_processed(path: &Path) -> Result<Vec<Processed>, HarnessError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(HarnessError::io(format!("reading {}", path.display()))(e)),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(HarnessError::Corrupt {
            what: path.display().to_string(),
            reason: "the last line is incomplete".into(),
        });
    }
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let corrupt = |reason: String| HarnessError::Corrupt {
                what: format!("{}: line {}", path.display(), i + 1),
                reason,
            };
            let (seq, id) = line
                .split_once('\t')
                .ok_or_else(|| corrupt(format!("no tab in {line:?}")))?;
            Ok(Processed {
                seq: seq
                    .parse()
                    .map_err(|e| corrupt(format!("sequence {seq:?}: {e}")))?,
                id: id.parse().map_err(|e| corrupt(format!("id {id:?}: {e}")))?,
            })
        })
        .collect()
}

/// How many lines the file has (0 if it does not exist yet): the consumer's progress.
pub fn count_processed(path: &Path) -> Result<usize, HarnessError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes.iter().filter(|&&b| b == b'\n').count()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(HarnessError::io(format!("reading {}", path.display()))(e)),
    }
}
