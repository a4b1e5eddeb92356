//! `eventbus schemas generate|check`.

use super::CliError;
use crate::cli::{SchemasCommand, SchemasDir};
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
            println!("wrote {} schemas to {}", GENERATED.len(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        SchemasCommand::Check(args) => {
            let dir = dir(args);
            let problems = check(GENERATED, &dir);
            if problems.is_empty() {
                println!(
                    "{} schemas in {} match the events",
                    GENERATED.len(),
                    dir.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            for problem in &problems {
                println!("{problem}\n");
            }
            Err(CliError::Refused(format!(
                "{} schema problem(s) in {}",
                problems.len(),
                dir.display()
            )))
        }
    }
}
