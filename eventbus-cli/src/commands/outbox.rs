//! `eventbus outbox`: the transactional outbox's tables, relay, status and purge.

use super::bus::{backend, block_on, redis_settings_from_env, settings_from_env};
use super::CliError;
use crate::cli::{Backend, OutboxCommand, OutboxDb, RelayArgs};
use crate::stdout::outln;
use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::{cancel_on_signal, CancellationToken};
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::outbox::{Outbox, OutboxError, OutboxStatus, Relay, RelayOptions};
use eventbus_runtime::redis::RedisProducer;
use eventbus_runtime::settings::{KafkaSettings, RedisSettings};
use serde_json::json;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(command: OutboxCommand) -> Result<ExitCode, CliError> {
    block_on(async {
        match command {
            OutboxCommand::Migrate(db) => {
                let outbox = connect(&db).await?;
                outbox.migrate().await.map_err(CliError::bus)?;
                outln!("outbox tables ready in {}", outbox.url())?;
                Ok(ExitCode::SUCCESS)
            }
            OutboxCommand::Status { db, json } => {
                let status = connect(&db).await?.status().await.map_err(CliError::bus)?;
                if json {
                    outln!("{}", json!(status))?;
                } else {
                    outln!("{}", status_text(&db, &status).trim_end())?;
                }
                Ok(ExitCode::SUCCESS)
            }
            OutboxCommand::Purge { db, older_than } => {
                let deleted = connect(&db)
                    .await?
                    .purge(older_than)
                    .await
                    .map_err(CliError::bus)?;
                outln!(
                    "deleted {deleted} published row(s) older than {}",
                    humantime::format_duration(older_than)
                )?;
                Ok(ExitCode::SUCCESS)
            }
            OutboxCommand::Relay(args) => relay(args).await,
        }
    })?
}

async fn connect(db: &OutboxDb) -> Result<Outbox, CliError> {
    Outbox::connect(&db.url).await.map_err(|error| match error {
        OutboxError::UnsupportedUrl { .. } => CliError::Usage(error.to_string()),
        other => CliError::bus(other),
    })
}

async fn relay(args: RelayArgs) -> Result<ExitCode, CliError> {
    let target = match backend(args.backend, "EVENT_BUS_PRODUCER") {
        Backend::Kafka => RelayTarget::Kafka(&settings_from_env()?),
        Backend::Redis => RelayTarget::Redis(&redis_settings_from_env()?),
    };
    let (outbox, relay) = make_relay(&args.db.url, target, args.until_empty).await?;
    let shutdown = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signal(shutdown.clone()));
    let summary = relay.run(shutdown).await;
    watcher.abort();
    outbox.close().await;
    outln!("{}", json!({ "relay": summary }))?;
    Ok(ExitCode::SUCCESS)
}

/// Where a relay publishes, with the transport's settings.
pub enum RelayTarget<'a> {
    /// Kafka.
    Kafka(&'a KafkaSettings),
    /// Redis.
    Redis(&'a RedisSettings),
}

/// The relay of the outbox at `url` to `target`, with the `EVENT_BUS_OUTBOX_RELAY_*` settings of
/// the environment (and the outbox, to close once the relay is done): what `outbox relay` and
/// the worker's `[relay]` run.
pub async fn make_relay(
    url: &str,
    target: RelayTarget<'_>,
    until_empty: bool,
) -> Result<(Outbox, Relay), CliError> {
    let mut options = RelayOptions::from_env().map_err(|e| CliError::Usage(e.to_string()))?;
    options.stop_when_idle = until_empty;
    let outbox = connect(&OutboxDb {
        url: url.to_owned(),
    })
    .await?;
    let producer: Arc<dyn EventProducer> = match target {
        RelayTarget::Kafka(settings) => {
            Arc::new(KafkaProducer::new(settings).map_err(|e| CliError::Usage(e.to_string()))?)
        }
        RelayTarget::Redis(settings) => {
            Arc::new(RedisProducer::new(settings).await.map_err(CliError::bus)?)
        }
    };
    Ok((outbox.clone(), Relay::new(outbox, producer, options)))
}

fn status_text(db: &OutboxDb, status: &OutboxStatus) -> String {
    let seconds = |s: f64| humantime::format_duration(std::time::Duration::from_secs(s as u64));
    let mut text = format!(
        "outbox {}: {} pending, {} failing, {} published",
        eventbus_runtime::outbox::Dialect::from_url(&db.url)
            .map(|d| format!("{d:?}"))
            .unwrap_or_default(),
        status.pending,
        status.failing,
        status.published
    );
    if let Some(age) = status.oldest_pending_age_seconds {
        text.push_str(&format!("; oldest pending: {}", seconds(age)));
    }
    text.push('\n');
    for topic in &status.topics {
        text.push_str(&format!(
            "  {}: {} pending, {} failing, oldest {}",
            topic.topic,
            topic.pending,
            topic.failing,
            seconds(topic.oldest_pending_age_seconds)
        ));
        if let Some(error) = &topic.last_error {
            text.push_str(&format!("; last error: {error}"));
        }
        text.push('\n');
    }
    text
}
