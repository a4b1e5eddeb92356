//! `eventbus console`: the operator console, served until SIGTERM or Ctrl-C.

use super::bus::{block_on, redis_settings_from_env, settings_from_env};
use super::CliError;
use crate::cli::ConsoleArgs;
use crate::stdout::noteln;
use eventbus_console::{Console, ConsoleConfig};
use eventbus_runtime::kafka::cancel_on_signal;
use eventbus_runtime::kafka::CancellationToken;
use eventbus_runtime::outbox::OUTBOX_URL_ENV_VAR;
use eventbus_runtime::settings::{redis_names, Secret};
use std::process::ExitCode;

pub fn run(args: ConsoleArgs) -> Result<ExitCode, CliError> {
    let token = match &args.token_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(token) if !token.trim().is_empty() => Some(Secret::new(token.trim())),
            _ => {
                return Err(CliError::Usage(format!(
                    "--token-env {var}: the environment variable {var} is not set or empty"
                )))
            }
        },
    };
    let mut config = ConsoleConfig::new(args.addr, settings_from_env()?);
    config.actions = args.actions;
    config.token = token;
    let redis_set = std::env::var(redis_names::CONNECTION_URL).is_ok_and(|v| !v.trim().is_empty());
    config.redis = redis_set.then(redis_settings_from_env).transpose()?;
    config.outbox_url = std::env::var(OUTBOX_URL_ENV_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty());
    block_on(async move {
        let console = Console::bind(config)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        noteln!(
            "eventbus console on http://{} ({})",
            console.local_addr(),
            if args.actions {
                "actions on"
            } else {
                "read-only"
            }
        );
        let shutdown = CancellationToken::new();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        console
            .serve(async move { shutdown.cancelled().await })
            .await
            .map_err(CliError::bus)?;
        Ok(ExitCode::SUCCESS)
    })?
}
