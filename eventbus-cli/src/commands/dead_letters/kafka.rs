//! The Kafka side, on the runtime's [`DeadLetterReader`] (the dead-letter topic read with an
//! assigned reader, no group, up to the high watermarks seen at the start) and [`Redriver`]
//! (`acks=all`, one message at a time).

use super::letter::{note_others, print_letter, print_letters, Letter, Position, KAFKA};
use crate::cli::{DeadLetterSelection, DeadLettersRedriveArgs};
use crate::commands::bus::settings_from_env;
use crate::commands::CliError;
use crate::stdout::{noteln, outln};
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::{
    DeadLetterReader, DeadLettersError, KafkaError, LetterSelection, ReadRange, Redriver,
};
use eventbus_runtime::settings::KafkaSettings;
use std::process::ExitCode;

/// The reader of the selected dead letters of `topic`.
async fn reader(
    settings: &KafkaSettings,
    topic: &str,
    selection: LetterSelection,
) -> Result<DeadLetterReader, CliError> {
    DeadLetterReader::open(settings, topic, selection)
        .await
        .map_err(|error| match error {
            DeadLettersError::NoTopic { .. } => CliError::Refused(error.to_string()),
            DeadLettersError::NoPartition { .. } => CliError::Usage(error.to_string()),
            DeadLettersError::Kafka(KafkaError::Create { .. }) => {
                CliError::Usage(error.to_string())
            }
            DeadLettersError::Kafka(error) => CliError::bus(error),
        })
}

/// Print the selected dead letters of the topic, as lines or JSON lines.
pub(super) async fn list(
    selection: &DeadLetterSelection,
    json: bool,
) -> Result<ExitCode, CliError> {
    each(selection, |letter, several| {
        print_letters(std::slice::from_ref(&letter), &KAFKA, several, json)
    })
    .await
}

/// Print everything about the dead letter at `offset`.
pub(super) async fn show(
    selection: &DeadLetterSelection,
    offset: i64,
) -> Result<ExitCode, CliError> {
    let settings = settings_from_env()?;
    let range = ReadRange {
        partition: selection.partition,
        from_offset: Some(offset),
        to_offset: Some(offset),
    };
    let mut reader = reader(
        &settings,
        &selection.topic,
        LetterSelection {
            range,
            ..LetterSelection::default()
        },
    )
    .await?;
    if reader.several_partitions() && selection.partition.is_none() {
        return Err(CliError::Usage(
            "the dead-letter topic has several partitions: give --partition P too".into(),
        ));
    }
    let Some(message) = reader.next().await.map_err(CliError::bus)? else {
        return Err(CliError::Refused(format!(
            "no dead letter at offset {offset} of {} (see `eventbus dead-letters list {}`)",
            settings.full_topic(&settings.dead_letter_topic(&selection.topic)),
            selection.topic
        )));
    };
    let registry = SchemaRegistryClient::from_settings(&settings)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    print_letter(&Letter::from_kafka(message), &KAFKA, Some(&registry)).await?;
    Ok(ExitCode::SUCCESS)
}

/// Read the selected Kafka dead letters of the topic and give each to `f`, with whether the
/// dead-letter topic has several partitions.
async fn each(
    selection: &DeadLetterSelection,
    mut f: impl FnMut(Letter, bool) -> Result<(), CliError>,
) -> Result<ExitCode, CliError> {
    let settings = settings_from_env()?;
    let letters = LetterSelection {
        range: ReadRange {
            partition: selection.partition,
            from_offset: selection.from_offset,
            to_offset: selection.to_offset,
        },
        event_type: selection.event_type.clone(),
        error_kind: selection.error_kind.clone(),
    };
    let mut reader = reader(&settings, &selection.topic, letters).await?;
    let several = reader.several_partitions();
    while let Some(message) = reader.next().await.map_err(CliError::bus)? {
        f(Letter::from_kafka(message), several)?;
    }
    note_others(reader.other_sources(), reader.source_topic());
    Ok(ExitCode::SUCCESS)
}

/// Redrive the selected dead letters to the source topic.
pub(super) async fn redrive(args: &DeadLettersRedriveArgs) -> Result<ExitCode, CliError> {
    let selection = &args.selection;
    let settings = settings_from_env()?;
    let source = settings.full_topic(&selection.topic);
    let dead_letter = settings.full_topic(&settings.dead_letter_topic(&selection.topic));
    let mut letters = Vec::new();
    let mut several = false;
    each(selection, |letter, many| {
        several = many;
        letters.push(letter);
        Ok(())
    })
    .await?;
    if args.dry_run {
        for letter in &letters {
            outln!("would redrive {}", letter.line(&KAFKA, several))?;
        }
        outln!(
            "dry run: {} dead letter(s) of {dead_letter} would be redriven to {source}{}",
            letters.len(),
            range_text(&letters)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let redriver =
        Redriver::new(&settings, &selection.topic).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut failed = 0usize;
    for letter in &letters {
        let sent = redriver
            .redrive(
                letter.key.as_deref(),
                letter.value.as_deref(),
                &letter.headers,
            )
            .await;
        let at = letter.position_text(several);
        match sent {
            Ok(delivery) => outln!("redriven {at} -> {}/{}", delivery.topic, delivery.position)?,
            Err(error) => {
                failed += 1;
                noteln!("offset {at}: not redriven: {error}");
            }
        }
    }
    outln!(
        "redriven {} of {} dead letter(s) of {dead_letter} to {source}{}; the dead letters stay \
         in {dead_letter} (Kafka cannot delete them): redriving the same offsets again sends \
         them again",
        letters.len() - failed,
        letters.len(),
        range_text(&letters)
    )?;
    if failed > 0 {
        return Err(CliError::Bus(format!(
            "{failed} dead letter(s) could not be redriven to {source} (see above)"
        )));
    }
    Ok(ExitCode::SUCCESS)
}

/// `, offsets A..B` per partition of the letters (first and last).
fn range_text(letters: &[Letter]) -> String {
    let mut ranges: std::collections::BTreeMap<i32, (i64, i64)> = Default::default();
    for letter in letters {
        if let Position::Kafka { partition, offset } = letter.position {
            let range = ranges.entry(partition).or_insert((offset, offset));
            range.0 = range.0.min(offset);
            range.1 = range.1.max(offset);
        }
    }
    ranges
        .iter()
        .map(|(p, (first, last))| format!(", partition {p} offsets {first}..={last}"))
        .collect()
}
