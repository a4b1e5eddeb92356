//! `eventbus schemas generate|check`.

use super::CliError;
use crate::cli::{SchemasCommand, SchemasDir};
use crate::stdout::outln;
use eventbus_schemas::{check, committed_dir, write_all, GENERATED};
use std::path::PathBuf;
use std::process::ExitCode;

fn dir(args: SchemasDir) -> PathBuf {
    args.dir.unwrap_or_else(|| committed_dir().to_owned())
}

pub fn run(command: SchemasCommand) -> Result<ExitCode, CliError> {
    match command {
        SchemasCommand::Generate(args) => {
            let dir = dir(args);
            std::fs::create_dir_all(&dir)
                .and_then(|()| write_all(GENERATED, &dir))
                .map_err(|e| CliError::Usage(format!("cannot write to {}: {e}", dir.display())))?;
            outln!("wrote {} schemas to {}", GENERATED.len(), dir.display())?;
            Ok(ExitCode::SUCCESS)
        }
        SchemasCommand::Check(args) => {
            let dir = dir(args);
            let problems = check(GENERATED, &dir);
            if problems.is_empty() {
                outln!(
                    "{} schemas in {} match the events",
                    GENERATED.len(),
                    dir.display()
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            // The exit code says there are problems even if nobody reads them.
            for problem in &problems {
                if outln!("{problem}\n").is_err() {
                    break;
                }
            }
            Err(CliError::Refused(format!(
                "{} schema problem(s) in {}",
                problems.len(),
                dir.display()
            )))
        }
    }
}
