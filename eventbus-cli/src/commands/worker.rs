//! `eventbus worker`: run the consumers (and the outbox relay) of a configuration file in one
//! process, printing each event as `consume` does, with `/metrics`, `/livez` and `/readyz` when
//! asked, and the operator console on the same address with a `[console]` table.

use super::bus::{block_on, env_vars, redis_settings_from_env, settings_from_vars, Connected};
use super::console::config_from_env;
use super::consume::Printer;
use super::outbox::{make_relay, RelayTarget};
use super::CliError;
use crate::cli::WorkerArgs;
use crate::stdout::noteln;
use eventbus_console::OpsConsole;
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::outbox::OUTBOX_URL_ENV_VAR;
use eventbus_runtime::worker::{Transport, Worker, WorkerConfig};
use std::process::ExitCode;

pub fn run(args: WorkerArgs) -> Result<ExitCode, CliError> {
    let mut config =
        WorkerConfig::load(&args.config).map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(addr) = args.metrics {
        config.metrics = Some(addr);
    }
    // The console reads Kafka with the worker's settings, whatever the consumers use.
    let kafka = (config.uses(Transport::Kafka) || config.console.is_some())
        .then(|| {
            let vars = config
                .kafka_vars(&args.config, env_vars())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            settings_from_vars(vars)
        })
        .transpose()?;
    let redis = config
        .uses(Transport::Redis)
        .then(redis_settings_from_env)
        .transpose()?;
    // The relay's database: a secret, so from the environment only.
    let outbox_url = config
        .relay
        .as_ref()
        .map(|relay| {
            std::env::var(OUTBOX_URL_ENV_VAR)
                .ok()
                .filter(|url| !url.trim().is_empty())
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "{}: the relay publishes the outbox of {OUTBOX_URL_ENV_VAR}, which is not set",
                        relay.display_name()
                    ))
                })
        })
        .transpose()?;
    // Checked by the file's loading: a `[console]` comes with an operations address.
    let console = match (&config.console, config.metrics, &kafka) {
        (Some(table), Some(addr), Some(kafka)) => Some(config_from_env(
            addr,
            table.actions,
            table.token_env.as_deref(),
            "[console] token_env",
            kafka.clone(),
        )?),
        _ => None,
    };
    let shutdown = CancellationToken::new();
    let printer = Printer::new(shutdown.clone(), None);
    let _connected = Connected::everywhere("eventbus worker", printer.receiver());
    let report = block_on(async {
        // Kept until the worker has run: its sampler stops with it.
        let console = match console {
            Some(console) => {
                let (addr, actions) = (console.addr, console.actions);
                let console =
                    OpsConsole::start(console).map_err(|e| CliError::Usage(e.to_string()))?;
                noteln!(
                    "worker: operator console on http://{addr} ({})",
                    if actions { "actions on" } else { "read-only" }
                );
                Some(console)
            }
            None => None,
        };
        let relay = match (&config.relay, &outbox_url) {
            (Some(relay), Some(url)) => {
                let target = match relay.transport {
                    Transport::Kafka => kafka.as_ref().map(RelayTarget::Kafka),
                    Transport::Redis => redis.as_ref().map(RelayTarget::Redis),
                }
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "{}: the settings of its transport are missing",
                        relay.display_name()
                    ))
                })?;
                Some(make_relay(url, target, false).await?)
            }
            _ => None,
        };
        let (outbox, relay) = relay.unzip();
        // A consumer that cannot be set up (its broker or Redis unreachable): the bus failed.
        let mut worker = Worker::from_config(&config, kafka.as_ref(), redis.as_ref(), relay)
            .await
            .map_err(CliError::bus)?;
        if let Some(console) = &console {
            worker = worker.ops_fallback(console.fallback());
        }
        noteln!(
            "worker: running {} (SIGTERM or Ctrl-C to stop)",
            worker.names().join(", ")
        );
        let watcher = tokio::spawn(eventbus_runtime::consume::cancel_on_signal(
            shutdown.clone(),
        ));
        let report = worker.run(shutdown).await;
        drop(console);
        watcher.abort();
        if let Some(outbox) = outbox {
            outbox.close().await;
        }
        report.map_err(|e| CliError::Usage(format!("cannot serve the metrics: {e}")))
    })??;
    printer.closed()?;
    for outcome in &report.consumers {
        match &outcome.result {
            Ok(summary) => noteln!(
                "{}: {} event(s) processed, {} dead-lettered",
                outcome.name,
                summary.processed,
                summary.dead_lettered
            ),
            Err(error) => noteln!("{}: failed: {error}", outcome.name),
        }
    }
    if let Some((name, summary)) = &report.relay {
        noteln!(
            "{name}: {} row(s) published, {} failed attempt(s), {} unreadable, {} left unmarked",
            summary.published,
            summary.failed_attempts,
            summary.unreadable,
            summary.unmarked
        );
    }
    match report.first_failure() {
        Some(failed) => Err(CliError::Bus(format!(
            "consumer {} failed: {}",
            failed.name,
            failed.error().unwrap_or_default()
        ))),
        None => Ok(ExitCode::SUCCESS),
    }
}
