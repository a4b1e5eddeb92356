//! `eventbus console`: the operator console, served until SIGTERM or Ctrl-C.

use super::bus::{block_on, redis_settings_from_env, settings_from_env};
use super::CliError;
use crate::cli::ConsoleArgs;
use crate::stdout::noteln;
use eventbus_console::{Console, ConsoleConfig};
use eventbus_runtime::consume::{cancel_on_signal, CancellationToken};
use eventbus_runtime::outbox::OUTBOX_URL_ENV_VAR;
use eventbus_runtime::settings::{redis_names, KafkaSettings, Secret};
use std::net::SocketAddr;
use std::process::ExitCode;

/// The configuration of a console on `addr` (its own, or a worker's operations address) over
/// `kafka`: actions as asked, the token from the variable `token_env` names (unset or empty: a
/// usage error naming it and where it was given, `given_as`), Redis when `EVENT_BUS_REDIS_CONNECTION_URL` is set, the outbox of
/// `EVENT_BUS_OUTBOX_URL` when set.
pub fn config_from_env(
    addr: SocketAddr,
    actions: bool,
    token_env: Option<&str>,
    given_as: &str,
    kafka: KafkaSettings,
) -> Result<ConsoleConfig, CliError> {
    let token = match token_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(token) if !token.trim().is_empty() => Some(Secret::new(token.trim())),
            _ => {
                return Err(CliError::Usage(format!(
                    "{given_as} {var}: the environment variable {var} is not set or empty"
                )))
            }
        },
    };
    let mut config = ConsoleConfig::new(addr, kafka);
    config.actions = actions;
    config.token = token;
    let redis_set = std::env::var(redis_names::CONNECTION_URL).is_ok_and(|v| !v.trim().is_empty());
    config.redis = redis_set.then(redis_settings_from_env).transpose()?;
    config.outbox_url = std::env::var(OUTBOX_URL_ENV_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty());
    Ok(config)
}

pub fn run(args: ConsoleArgs) -> Result<ExitCode, CliError> {
    let config = config_from_env(
        args.addr,
        args.actions,
        args.token_env.as_deref(),
        "--token-env",
        settings_from_env()?,
    )?;
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
