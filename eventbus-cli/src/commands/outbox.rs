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
    let mut options = RelayOptions::from_env().map_err(|e| CliError::Usage(e.to_string()))?;
    options.stop_when_idle = args.until_empty;
    let outbox = connect(&args.db).await?;
    let producer: Arc<dyn EventProducer> = match backend(args.backend, "EVENT_BUS_PRODUCER") {
        Backend::Kafka => Arc::new(
            KafkaProducer::new(&settings_from_env()?)
                .map_err(|e| CliError::Usage(e.to_string()))?,
        ),
        Backend::Redis => Arc::new(
            RedisProducer::new(&redis_settings_from_env()?)
                .await
                .map_err(CliError::bus)?,
        ),
    };
    let shutdown = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signal(shutdown.clone()));
    let summary = Relay::new(outbox.clone(), producer, options)
        .run(shutdown)
        .await;
    watcher.abort();
    outbox.close().await;
    outln!("{}", json!({ "relay": summary }))?;
    Ok(ExitCode::SUCCESS)
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
