//! The Redis side: the dead-letter stream read with `XRANGE` up to its last id at the start;
//! redrive with `XADD`, and `XDEL` of each redriven entry with --delete.

use super::letter::{
    from_source, note_others, print_letter, print_letters, Letter, Position, REDIS,
};
use crate::cli::{DeadLetterSelection, DeadLettersRedriveArgs};
use crate::commands::bus::redis_settings_from_env;
use crate::commands::CliError;
use crate::stdout::{noteln, outln};
use eventbus_runtime::redis::{RedisRedriver, RedisStreams};
use eventbus_runtime::settings::RedisSettings;
use std::process::ExitCode;

/// The Redis settings, a connection and the dead-letter stream of `topic`.
async fn streams(topic: &str) -> Result<(RedisSettings, RedisStreams, String), CliError> {
    let settings = redis_settings_from_env()?;
    let streams = RedisStreams::connect(&settings)
        .await
        .map_err(CliError::bus)?;
    let dead_letter = settings.full_topic(&settings.dead_letter_stream(topic));
    Ok((settings, streams, dead_letter))
}

/// The selected Redis dead letters of the topic, in id order.
async fn letters(
    selection: &DeadLetterSelection,
) -> Result<(RedisSettings, RedisStreams, String, Vec<Letter>), CliError> {
    let (settings, streams, dead_letter) = streams(&selection.topic).await?;
    let source = settings.full_topic(&selection.topic);
    let mut range = streams
        .range(
            &dead_letter,
            selection.from_id.as_deref(),
            selection.to_id.as_deref(),
        )
        .await
        .map_err(CliError::bus)?;
    let (mut letters, mut others) = (Vec::new(), 0usize);
    loop {
        let page = range.next_page().await.map_err(CliError::bus)?;
        if page.is_empty() {
            break;
        }
        for letter in page.into_iter().map(Letter::from_redis) {
            if !from_source(&letter, &REDIS, &source) {
                others += 1;
            } else if letter.selected(&REDIS, selection) {
                letters.push(letter);
            }
        }
    }
    note_others(others, &source);
    Ok((settings, streams, dead_letter, letters))
}

/// Print the selected dead letters of the topic, as lines or JSON lines.
pub(super) async fn list(
    selection: &DeadLetterSelection,
    json: bool,
) -> Result<ExitCode, CliError> {
    let (_, _, _, letters) = letters(selection).await?;
    print_letters(&letters, &REDIS, false, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Print everything about the dead letter `id`.
pub(super) async fn show(selection: &DeadLetterSelection, id: &str) -> Result<ExitCode, CliError> {
    let (_, _, dead_letter, letters) = letters(selection).await?;
    let Some(letter) = letters
        .into_iter()
        .find(|l| matches!(&l.position, Position::Redis { id: found } if found == id))
    else {
        return Err(CliError::Refused(format!(
            "no dead letter with id {id} in {dead_letter} (see `eventbus dead-letters list \
             --backend redis {}`)",
            selection.topic
        )));
    };
    print_letter(&letter, &REDIS, None).await?;
    Ok(ExitCode::SUCCESS)
}

/// Redrive the selected dead letters to the source stream.
pub(super) async fn redrive(args: &DeadLettersRedriveArgs) -> Result<ExitCode, CliError> {
    let (settings, streams, dead_letter, letters) = letters(&args.selection).await?;
    let source = settings.full_topic(&args.selection.topic);
    let range = match (letters.first(), letters.last()) {
        (Some(first), Some(last)) => format!(
            ", ids {}..={}",
            first.position_text(false),
            last.position_text(false)
        ),
        _ => String::new(),
    };
    if args.dry_run {
        for letter in &letters {
            outln!("would redrive {}", letter.line(&REDIS, false))?;
        }
        outln!(
            "dry run: {} dead letter(s) of {dead_letter} would be redriven to {source}{range}",
            letters.len()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let redriver = RedisRedriver::new(streams, &settings, &args.selection.topic);
    let (mut failed, mut deleted, mut not_deleted) = (0usize, 0usize, 0usize);
    for letter in &letters {
        let at = letter.position_text(false);
        match redriver.redrive(&letter.headers).await {
            Ok(id) => {
                outln!("redriven {at} -> {source}@{id}")?;
                if args.delete {
                    match redriver.delete(&at).await {
                        Ok(_) => deleted += 1,
                        Err(error) => {
                            not_deleted += 1;
                            noteln!("id {at}: redriven as {id} but not deleted: {error}");
                        }
                    }
                }
            }
            Err(error) => {
                failed += 1;
                noteln!("id {at}: not redriven: {error}");
            }
        }
    }
    let kept = if args.delete {
        format!("; {deleted} deleted from {dead_letter}")
    } else {
        format!("; the dead letters stay in {dead_letter} (--delete removes them once redriven)")
    };
    outln!(
        "redriven {} of {} dead letter(s) of {dead_letter} to {source}{range}{kept}",
        letters.len() - failed,
        letters.len()
    )?;
    if failed + not_deleted > 0 {
        return Err(CliError::Bus(format!(
            "{failed} dead letter(s) could not be redriven to {source}, {not_deleted} redriven \
             but not deleted from {dead_letter} (see above)"
        )));
    }
    Ok(ExitCode::SUCCESS)
}
