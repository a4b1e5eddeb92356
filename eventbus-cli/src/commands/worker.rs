//! `eventbus worker`: run the consumers (and the outbox relay) of a configuration file in one
//! process, printing each event as `consume` does, with `/metrics`, `/livez` and `/readyz` when
//! asked.

use super::bus::{block_on, env_vars, redis_settings_from_env, settings_from_vars, Connected};
use super::consume::Printer;
use super::outbox::{make_relay, RelayTarget};
use super::CliError;
use crate::cli::WorkerArgs;
use crate::stdout::noteln;
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
    let kafka = config
        .uses(Transport::Kafka)
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
    let shutdown = CancellationToken::new();
    let printer = Printer::new(shutdown.clone(), None);
    let _connected = Connected::everywhere("eventbus worker", printer.receiver());
    let report = block_on(async {
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
        let worker = Worker::from_config(&config, kafka.as_ref(), redis.as_ref(), relay)
            .await
            .map_err(CliError::bus)?;
        noteln!(
            "worker: running {} (SIGTERM or Ctrl-C to stop)",
            worker.names().join(", ")
        );
        let watcher = tokio::spawn(eventbus_runtime::consume::cancel_on_signal(
            shutdown.clone(),
        ));
        let report = worker.run(shutdown).await;
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
