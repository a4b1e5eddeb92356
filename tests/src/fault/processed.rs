//! The file a fault-test consumer process writes: one line per event its receiver processed,
//! `{seq}\t{metadata id}\n`, written with a single `write` to a file opened in append mode before
//! the receiver returns. After a SIGKILL the file holds exactly the events whose receiver
//! finished (the kernel keeps what was written; a partial line could only come from a kill inside
//! that one `write`, and [`read_processed`] reports it). Restarts append to the same file.

use super::error::HarnessError;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
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

/// Counts the lines of the file as it grows (the consumer's progress), reading only what was
/// appended since the last count.
#[derive(Debug)]
pub struct ProgressCounter {
    path: PathBuf,
    read: u64,
    lines: usize,
}

impl ProgressCounter {
    /// A counter of `path` (which may not exist yet).
    pub fn new(path: &Path) -> Self {
        ProgressCounter {
            path: path.to_owned(),
            read: 0,
            lines: 0,
        }
    }

    /// How many lines the file has now (0 while it does not exist).
    pub fn count(&mut self) -> Result<usize, HarnessError> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(HarnessError::io(format!("reading {}", self.path.display()))(e)),
        };
        let mut appended = Vec::new();
        file.seek(SeekFrom::Start(self.read))
            .and_then(|_| file.read_to_end(&mut appended))
            .map_err(HarnessError::io(format!("reading {}", self.path.display())))?;
        self.read += appended.len() as u64;
        self.lines += appended.iter().filter(|&&b| b == b'\n').count();
        Ok(self.lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::ScratchDir;

    #[test]
    fn lines_round_trip_and_are_counted_as_they_grow() {
        let dir = ScratchDir::new("processed-test").unwrap();
        let path = dir.path().join("out");
        let mut counter = ProgressCounter::new(&path);
        assert_eq!(counter.count().unwrap(), 0);
        assert!(read_processed(&path).unwrap().is_empty());
        let items: Vec<Processed> = (0..3)
            .map(|seq| Processed {
                seq,
                id: Uuid::new_v4(),
            })
            .collect();
        let writer = ProcessedWriter::open(&path).unwrap();
        writer.record(items[0]).unwrap();
        assert_eq!(counter.count().unwrap(), 1);
        // A restart appends to the same file.
        drop(writer);
        let writer = ProcessedWriter::open(&path).unwrap();
        writer.record(items[1]).unwrap();
        writer.record(items[2]).unwrap();
        assert_eq!(counter.count().unwrap(), 3);
        assert_eq!(read_processed(&path).unwrap(), items);
    }

    #[test]
    fn a_partial_or_bad_line_is_reported() {
        let dir = ScratchDir::new("processed-test").unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, format!("1\t{}\n2\t", Uuid::nil())).unwrap();
        let error = read_processed(&path).unwrap_err().to_string();
        assert!(error.contains("incomplete"), "{error}");
        std::fs::write(&path, "x\ty\n").unwrap();
        let error = read_processed(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 1") && error.contains("sequence"),
            "{error}"
        );
    }
}
