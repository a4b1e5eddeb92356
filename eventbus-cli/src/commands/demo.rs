//! `eventbus demo`, the main job: configured producing of catalog events to topics, consumers
//! reading them back into the signals' receivers, and a summary.
//!
//! With no `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` it runs on the embedded default (librdkafka's mock
//! cluster and an in-memory schema registry, in this process); with it (and
//! `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`), on those servers, creating the topics it needs.

use super::bus::{block_on, event_line, settings_from_env, Connected};
use super::CliError;
use crate::cli::DemoArgs;
use crate::stdout::{noteln, outln};
use eventbus_runtime::avro::Example;
use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::consume::{CancellationToken, ConsumeSummary};
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::{EmbeddedKafka, KafkaAdmin, KafkaConsumer, KafkaProducer, TopicSpec};
use eventbus_runtime::outbox::{EventTransaction, Outbox, Relay, RelayOptions, RelaySummary};
use eventbus_runtime::producer_config::{ConfigSource, ConfiguredProducer, Format, ProducerConfig};
use eventbus_runtime::registry::{AnyReceiver, EventDescriptor};
use eventbus_runtime::settings::{names, KafkaSettings};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The built-in producer configuration.
const DEMO_CONFIG: &str = include_str!("../demo_config.toml");
/// Partitions of the topics the demo creates.
const PARTITIONS: i32 = 3;

/// Where the demo runs.
enum Bus {
    /// The embedded default; kept alive until the end.
    Embedded(EmbeddedKafka),
    /// Servers from the environment.
    External,
}

/// What the receivers saw, by event id.
#[derive(Default)]
struct Seen {
    /// Events sent in this process: id → event type.
    sent: HashMap<Uuid, &'static str>,
    /// Events read back from the bus: id → times.
    received: HashMap<Uuid, u32>,
    /// Events read from the bus that this run did not send (an earlier run's, on a real broker).
    foreign: u64,
}

impl Seen {
    /// Receptions of this run's events.
    fn receptions(&self) -> u64 {
        self.received.values().map(|&n| u64::from(n)).sum()
    }
}

pub fn run(args: DemoArgs) -> Result<ExitCode, CliError> {
    let config = load_config(&args)?;
    let external = std::env::var(names::BOOTSTRAP_SERVERS).is_ok_and(|v| !v.trim().is_empty());
    let (bus, settings, registry) = if external {
        let settings = settings_from_env()?;
        let registry = SchemaRegistryClient::from_settings(&settings)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        (Bus::External, settings, Arc::new(registry))
    } else {
        let embedded = EmbeddedKafka::start().map_err(CliError::bus)?;
        let mut builder = embedded.settings().service_name("eventbus-demo");
        if let Some(prefix) = std::env::var(names::TOPIC_PREFIX)
            .ok()
            .filter(|p| !p.trim().is_empty())
        {
            builder = builder.topic_prefix(prefix);
        }
        let settings = builder
            .client_option("auto.offset.reset", "earliest")
            .build()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let registry = embedded.registry_client();
        (Bus::Embedded(embedded), settings, registry)
    };
    match &bus {
        Bus::Embedded(embedded) => noteln!(
            "embedded default: mock Kafka cluster at {}, in-memory schema registry {}",
            embedded.bootstrap_servers(),
            embedded.schema_registry_url()
        ),
        Bus::External => noteln!(
            "Kafka at {}, schema registry at {}",
            settings.bootstrap_servers(),
            settings.schema_registry_url()
        ),
    }
    if let Some(name) = settings.service_name() {
        eventbus_runtime::metadata::set_service_name(name);
    }
    let outcome = block_on(round_trip(&args, &config, &bus, &settings, registry))??;
    drop(bus);
    print_summary(&config, &outcome, args.events)?;
    if outcome.missing == 0 {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(CliError::Bus(format!(
            "{} event(s) were not read back within {} s",
            outcome.missing, args.timeout
        )))
    }
}

fn load_config(args: &DemoArgs) -> Result<ProducerConfig, CliError> {
    let mut sources: Vec<ConfigSource> = if args.config.is_empty() {
        vec![ConfigSource::text(
            "built-in demo configuration",
            Format::Toml,
            DEMO_CONFIG,
        )]
    } else {
        args.config.iter().map(ConfigSource::file).collect()
    };
    sources.push(ConfigSource::env());
    let config = ProducerConfig::load(sources).map_err(|e| CliError::Refused(e.to_string()))?;
    if config.enabled_topics().next().is_none() {
        return Err(CliError::Refused(
            "the producer configuration has no enabled topic: nothing to produce".into(),
        ));
    }
    Ok(config)
}

/// What the round trip did.
struct Outcome {
    /// Per event type: events sent.
    sent: BTreeMap<&'static str, u32>,
    /// Per event type: receptions from the bus.
    received: BTreeMap<&'static str, u32>,
    /// Expected receptions not seen.
    missing: u64,
    /// Events of earlier runs read back.
    foreign: u64,
    /// The consumers' summaries, by topic.
    consumers: BTreeMap<String, ConsumeSummary>,
    /// The outbox (its URL) and what its relay published.
    outbox: Option<(String, RelaySummary)>,
    elapsed: Duration,
}

async fn round_trip(
    args: &DemoArgs,
    config: &ProducerConfig,
    bus: &Bus,
    settings: &KafkaSettings,
    registry: Arc<SchemaRegistryClient>,
) -> Result<Outcome, CliError> {
    let started = Instant::now();
    let run_started = chrono::Utc::now();
    let topics: BTreeSet<&str> = config
        .enabled_topics()
        .map(|(_, t)| t.topic.as_str())
        .collect();
    create_topics(bus, settings, &topics).await?;

    // Receivers: remember what is sent here and what comes back from the bus.
    let seen = Arc::new(Mutex::new(Seen::default()));
    let arrived = Arc::new(tokio::sync::Notify::new());
    let _receivers = Connected::everywhere(
        "eventbus demo",
        recorder(seen.clone(), arrived.clone(), args.verbose),
    );

    // Consumers, one per topic, each in a group of its own, as Open edX runs one consumer
    // process per topic and group (a group whose members read different topics rebalances all
    // of them whenever one joins).
    let run_id = Uuid::new_v4();
    let shutdown = CancellationToken::new();
    let mut consumers = Vec::new();
    for topic in &topics {
        let group_id = format!("eventbus-demo-{topic}-{run_id}");
        let mut consumer =
            KafkaConsumer::with_registry(settings, topic, &group_id, registry.clone())
                .map_err(CliError::bus)?;
        if matches!(bus, Bus::External) {
            // Topics on a real broker keep earlier runs' events: start at this run.
            consumer = consumer.offset_time(run_started - chrono::Duration::seconds(1));
        }
        consumers.push((
            topic.to_string(),
            tokio::spawn(consumer.consume(shutdown.clone())),
        ));
    }

    // Configured producing: the events go to their signals; the configuration sends them on, at
    // once or through the outbox, which the relay publishes.
    let producer =
        Arc::new(KafkaProducer::with_registry(settings, registry).map_err(CliError::bus)?);
    // The default outbox is a SQLite file of this run (rows of another run would go to that run's
    // bus), deleted at the end; --outbox names one to keep.
    let (url, scratch) = match &args.outbox {
        Some(url) => (url.clone(), None),
        None => {
            let file = std::env::temp_dir()
                .join(format!("eventbus-demo-outbox-{}.db", std::process::id()));
            (format!("sqlite://{}", file.display()), Some(file))
        }
    };
    let outbox = open_outbox(&url, config).await?;
    let (producing, relay) = match &outbox {
        Some(outbox) => {
            let relay = Relay::new(
                outbox.clone(),
                producer.clone(),
                RelayOptions {
                    relay_id: format!("eventbus-demo-{run_id}"),
                    poll_interval: Duration::from_millis(50),
                    ..RelayOptions::default()
                },
            );
            let token = shutdown.clone();
            (
                ConfiguredProducer::connect_with_outbox(config, producer.clone(), outbox.clone()),
                Some(tokio::spawn(async move { relay.run(token).await })),
            )
        }
        None => (
            ConfiguredProducer::connect(config, producer.clone())
                .map_err(|e| CliError::Usage(e.to_string()))?,
            None,
        ),
    };
    let produced = send_examples(config, args.events, outbox.as_ref()).await;
    drop(producing);
    let flushed = producer.flush().await;
    let expected = match produced {
        Ok(expected) => {
            flushed.map_err(CliError::bus)?;
            expected
        }
        Err(failures) => {
            shutdown.cancel();
            return Err(CliError::Bus(format!(
                "producing failed:\n  {}",
                failures.join("\n  ")
            )));
        }
    };

    wait_for_receptions(&seen, &arrived, expected, Duration::from_secs(args.timeout)).await;
    shutdown.cancel();
    let outbox = match (outbox, relay) {
        (Some(outbox), Some(relay)) => {
            let summary = relay
                .await
                .map_err(|e| CliError::Bus(format!("the outbox relay panicked: {e}")))?;
            outbox.close().await;
            if let Some(file) = &scratch {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
            }
            Some((outbox.url().to_owned(), summary))
        }
        _ => None,
    };
    let mut summaries = BTreeMap::new();
    for (topic, handle) in consumers {
        let summary = handle
            .await
            .map_err(|e| CliError::Bus(format!("consumer of {topic} panicked: {e}")))?
            .map_err(CliError::bus)?;
        summaries.insert(topic, summary);
    }
    producer.close().await.map_err(CliError::bus)?;

    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    let mut sent = BTreeMap::new();
    let mut received = BTreeMap::new();
    for (id, event_type) in &seen.sent {
        *sent.entry(*event_type).or_default() += 1;
        *received.entry(*event_type).or_default() += seen.received.get(id).copied().unwrap_or(0);
    }
    Ok(Outcome {
        sent,
        received,
        missing: expected.saturating_sub(seen.receptions()),
        foreign: seen.foreign,
        consumers: summaries,
        outbox,
        elapsed: started.elapsed(),
    })
}

/// Create the topics (a topic that exists is kept).
async fn create_topics(
    bus: &Bus,
    settings: &KafkaSettings,
    topics: &BTreeSet<&str>,
) -> Result<(), CliError> {
    match bus {
        Bus::Embedded(embedded) => topics.iter().try_for_each(|topic| {
            embedded
                .create_topic(&settings.full_topic(topic), PARTITIONS)
                .map_err(CliError::bus)
        }),
        Bus::External => {
            let specs: Vec<TopicSpec> = topics
                .iter()
                .map(|t| TopicSpec::new(settings.full_topic(t), PARTITIONS))
                .collect();
            KafkaAdmin::new(settings)
                .map_err(CliError::bus)?
                .create_topics(&specs)
                .await
                .map_err(CliError::bus)
        }
    }
}

/// The outbox of the topics in `outbox` mode, migrated; `None` when no topic uses it.
async fn open_outbox(url: &str, config: &ProducerConfig) -> Result<Option<Outbox>, CliError> {
    if config.outbox_topics().next().is_none() {
        return Ok(None);
    }
    let outbox = Outbox::connect(url).await.map_err(CliError::bus)?;
    outbox.migrate().await.map_err(CliError::bus)?;
    noteln!("outbox: {}", outbox.url());
    Ok(Some(outbox))
}

/// A receiver that records events sent in this process and their receptions from the bus.
fn recorder(
    seen: Arc<Mutex<Seen>>,
    arrived: Arc<tokio::sync::Notify>,
    verbose: bool,
) -> AnyReceiver {
    Arc::new(move |event, metadata, from_bus| {
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        if !from_bus {
            seen.sent.insert(metadata.id, event.descriptor().event_type);
        } else if seen.sent.contains_key(&metadata.id) {
            *seen.received.entry(metadata.id).or_default() += 1;
            if verbose {
                // A closed standard output ends the demo at its summary; the receptions are
                // still counted.
                let _ = outln!("{}", event_line(event.as_ref(), &metadata));
            }
            arrived.notify_one();
        } else {
            seen.foreign += 1;
        }
        Box::pin(async { Ok(()) })
    })
}

/// Send `per_type` example events of every configured event type through their signals, each in
/// a transaction of the outbox database when there is one; the number of receptions to expect
/// (one per enabled topic), or what failed.
async fn send_examples(
    config: &ProducerConfig,
    per_type: u32,
    outbox: Option<&Outbox>,
) -> Result<u64, Vec<String>> {
    let mut expected = 0u64;
    let mut failures = Vec::new();
    for event_config in config.event_types() {
        let descriptor: &EventDescriptor = event_config.descriptor();
        let copies = event_config.enabled_topics().count() as u64;
        if copies == 0 {
            continue;
        }
        for n in 0..per_type {
            let kind = if n % 2 == 0 {
                Example::Full
            } else {
                Example::Minimal
            };
            let event = match descriptor.example(kind) {
                Ok(event) => event,
                Err(e) => {
                    failures.push(e.to_string());
                    continue;
                }
            };
            let sent = match outbox {
                Some(outbox) => match EventTransaction::begin(outbox.pool()).await {
                    Ok(mut transaction) => {
                        let sent = transaction.scope(EventDescriptor::send_event(event)).await;
                        if let Err(e) = transaction.commit().await {
                            failures.push(e.to_string());
                        }
                        sent
                    }
                    Err(e) => {
                        failures.push(e.to_string());
                        continue;
                    }
                },
                None => EventDescriptor::send_event(event).await,
            };
            match sent {
                Ok(report) if report.is_ok() => expected += copies,
                Ok(report) => failures.extend(
                    report
                        .failures
                        .into_iter()
                        .map(|f| format!("{}: {}", f.receiver, f.error)),
                ),
                Err(e) => failures.push(e.to_string()),
            }
        }
        noteln!(
            "sent {per_type} {} event(s) to {copies} topic(s)",
            descriptor.event_type
        );
    }
    if failures.is_empty() {
        Ok(expected)
    } else {
        Err(failures)
    }
}

/// Wait until `expected` receptions, or `timeout`, reporting progress every 2 s.
async fn wait_for_receptions(
    seen: &Mutex<Seen>,
    arrived: &tokio::sync::Notify,
    expected: u64,
    timeout: Duration,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last_report = Instant::now();
    loop {
        let received = seen.lock().unwrap_or_else(|e| e.into_inner()).receptions();
        let now = tokio::time::Instant::now();
        if received >= expected || now >= deadline {
            return;
        }
        if last_report.elapsed() >= Duration::from_secs(2) {
            noteln!("read back {received}/{expected} event(s)...");
            last_report = Instant::now();
        }
        // Wake on an arrival, or after a while to report progress.
        let nap = (deadline - now).min(Duration::from_millis(500));
        let _ = tokio::time::timeout(nap, arrived.notified()).await;
    }
}

fn print_summary(
    config: &ProducerConfig,
    outcome: &Outcome,
    per_type: u32,
) -> Result<(), CliError> {
    outln!("event bus round trip ({per_type} event(s) per event type)")?;
    for event in config.event_types() {
        let event_type = event.event_type();
        let sent = outcome.sent.get(event_type).copied().unwrap_or(0);
        let received = outcome.received.get(event_type).copied().unwrap_or(0);
        outln!("{event_type}")?;
        outln!("  sent {sent}, read back {received} time(s) from the bus")?;
        for topic in event.topics() {
            let state = if topic.enabled {
                format!("produced ({})", config.mode_of(topic))
            } else {
                "disabled, not produced".to_owned()
            };
            outln!(
                "  -> {:40} key {:32} {state}",
                topic.topic,
                topic.event_key_field
            )?;
        }
    }
    for (topic, summary) in &outcome.consumers {
        outln!(
            "consumer of {topic}: {} processed, {} dead-lettered",
            summary.processed,
            summary.dead_lettered
        )?;
    }
    if let Some((url, relay)) = &outcome.outbox {
        outln!(
            "outbox {url}: {} row(s) published by the relay, {} failed attempt(s)",
            relay.published,
            relay.failed_attempts
        )?;
    }
    if outcome.foreign > 0 {
        outln!(
            "{} event(s) of earlier runs were read too (not counted)",
            outcome.foreign
        )?;
    }
    let sent: u32 = outcome.sent.values().sum();
    let received: u32 = outcome.received.values().sum();
    outln!(
        "{}: {sent} event(s) sent, {received} reception(s), {} missing, in {:.1} s",
        if outcome.missing == 0 {
            "ok"
        } else {
            "INCOMPLETE"
        },
        outcome.missing,
        outcome.elapsed.as_secs_f64()
    )
}
