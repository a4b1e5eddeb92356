//! `eventbus dead-letters`: list, show and redrive the dead letters of a topic, Kafka or Redis.
//!
//! Reading is bounded and outside any consumer group: Kafka, an assigned reader from the low
//! watermark (or --from-offset) up to the high watermark captured at the start; Redis, `XRANGE`
//! up to the last id at the start. Redriving sends each selected dead letter's original key,
//! value and headers (Redis: fields) back to the source, waits for each acknowledgement and
//! reports each failure.

mod kafka;
mod letter;
mod redis;

use super::bus::{backend, block_on};
use super::CliError;
use crate::cli::{Backend, DeadLetterSelection, DeadLettersCommand, DeadLettersShowArgs};
use std::process::ExitCode;

/// The setting that chooses the backend when --backend is not given: dead letters are a
/// consumer's.
const BACKEND_SETTING: &str = "EVENT_BUS_CONSUMER";

pub fn run(command: DeadLettersCommand) -> Result<ExitCode, CliError> {
    match command {
        DeadLettersCommand::List(args) => {
            let selection = &args.selection;
            match checked_backend(selection, false)? {
                Backend::Kafka => block_on(kafka::list(selection, args.json))?,
                Backend::Redis => block_on(redis::list(selection, args.json))?,
            }
        }
        DeadLettersCommand::Show(args) => block_on(show(args))?,
        DeadLettersCommand::Redrive(args) => match checked_backend(&args.selection, args.delete)? {
            Backend::Kafka => block_on(kafka::redrive(&args))?,
            Backend::Redis => block_on(redis::redrive(&args))?,
        },
    }
}

/// The backend, with the options of the other one refused.
fn checked_backend(selection: &DeadLetterSelection, delete: bool) -> Result<Backend, CliError> {
    let backend = backend(selection.backend, BACKEND_SETTING);
    let given = |options: &[(bool, &str)]| -> Vec<String> {
        options
            .iter()
            .filter(|(given, _)| *given)
            .map(|(_, name)| (*name).to_owned())
            .collect()
    };
    let wrong = match backend {
        Backend::Kafka => given(&[
            (selection.from_id.is_some(), "--from-id"),
            (selection.to_id.is_some(), "--to-id"),
            (delete, "--delete (Kafka cannot delete messages)"),
        ]),
        Backend::Redis => given(&[
            (selection.partition.is_some(), "--partition"),
            (selection.from_offset.is_some(), "--from-offset"),
            (selection.to_offset.is_some(), "--to-offset"),
        ]),
    };
    check_stream_id("--from-id", selection.from_id.as_deref())?;
    check_stream_id("--to-id", selection.to_id.as_deref())?;
    if wrong.is_empty() {
        Ok(backend)
    } else {
        Err(CliError::Usage(format!(
            "{} not for the {} backend",
            wrong.join(", "),
            match backend {
                Backend::Kafka => "kafka",
                Backend::Redis => "redis",
            }
        )))
    }
}

/// A usage error when the option `name` is given and not a stream entry id.
fn check_stream_id(name: &str, id: Option<&str>) -> Result<(), CliError> {
    match id {
        Some(id) if !is_stream_id(id) => Err(CliError::Usage(format!(
            "{name} `{id}` is not a stream entry id (MILLISECONDS-SEQUENCE, e.g. \
             1700000000000-0, as `dead-letters list` prints it)"
        ))),
        _ => Ok(()),
    }
}

/// Whether `id` is a Redis stream entry id: `MS-SEQ` or `MS`, in digits.
fn is_stream_id(id: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match id.split_once('-') {
        Some((ms, seq)) => digits(ms) && digits(seq),
        None => digits(id),
    }
}

async fn show(args: DeadLettersShowArgs) -> Result<ExitCode, CliError> {
    check_stream_id("--id", args.id.as_deref())?;
    let selection = DeadLetterSelection {
        backend: args.backend,
        topic: args.topic,
        partition: args.partition,
        from_offset: args.offset,
        to_offset: args.offset,
        from_id: args.id.clone(),
        to_id: args.id.clone(),
        event_type: None,
        error_kind: None,
    };
    match checked_backend(&selection, false)? {
        Backend::Kafka => match args.offset {
            Some(offset) => kafka::show(&selection, offset).await,
            None => Err(CliError::Usage(
                "give --offset N (the dead letter's offset in the dead-letter topic, as \
                 `dead-letters list` prints it)"
                    .into(),
            )),
        },
        Backend::Redis => match &args.id {
            Some(id) => redis::show(&selection, id).await,
            None => Err(CliError::Usage(
                "give --id ID (the dead letter's entry id in the dead-letter stream, as \
                 `dead-letters list` prints it)"
                    .into(),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::is_stream_id;

    #[test]
    fn stream_ids() {
        for id in ["1700000000000-0", "5", "0-1"] {
            assert!(is_stream_id(id), "{id}");
        }
        for id in ["", "-", "1-", "-1", "a-0", "1-0-0", "(1-0", "+"] {
            assert!(!is_stream_id(id), "{id}");
        }
    }
}
