//! The relay process of the outbox fault tests: the runtime's outbox [`Relay`] publishing the rows
//! of `EVENT_BUS_OUTBOX_URL` to Kafka (`EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS`,
//! `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`, `EVENT_BUS_TOPIC_PREFIX`), tuned by
//! `EVENT_BUS_OUTBOX_RELAY_*`, as `eventbus outbox relay` does. Runs until SIGTERM/SIGINT (then
//! finishes the batch in hand, prints a summary and exits 0) or a start-up error (exit 3).

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::{cancel_on_signal, CancellationToken};
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::outbox::{Outbox, Relay, RelayOptions};
use eventbus_runtime::settings::KafkaSettings;
use std::process::ExitCode;
use std::sync::Arc;

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn run() -> Result<String, Failure> {
    let settings = KafkaSettings::from_env()?;
    let outbox = Outbox::from_env().await?;
    let options = RelayOptions::from_env()?;
    let producer: Arc<dyn EventProducer> = Arc::new(KafkaProducer::new(&settings)?);
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let summary = Relay::new(outbox, producer, options).run(shutdown).await;
    Ok(format!("{summary:?}"))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    openedx_events::link();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fault_relay: {error}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run()) {
        Ok(summary) => {
            println!("fault_relay: {summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("fault_relay: {error}");
            ExitCode::from(3)
        }
    }
}
