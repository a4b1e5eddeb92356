//! `eventbus produce`: one event to one topic, as edx-event-bus-kafka's and edx-event-bus-redis'
//! `produce_event`.

use super::bus::{backend, block_on, redis_settings_from_env, settings_from_env};
use super::CliError;
use crate::cli::{Backend, ProduceArgs};
use crate::stdout::{noteln, outln};
use eventbus_runtime::backend::{Delivery, DeliveryPosition};
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::redis::RedisProducer;
use eventbus_runtime::registry::AnyEvent;
use eventbus_runtime::EventsMetadata;
use serde_json::{json, Value};
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(args: ProduceArgs) -> Result<ExitCode, CliError> {
    let descriptor = match (&args.event_type, &args.signal) {
        (Some(event_type), _) => super::events::find(event_type)?,
        (None, Some(signal)) => super::events::find_signal(signal)?,
        (None, None) => return Err(CliError::Usage("give --event-type or --signal".into())),
    };
    let key_field = args
        .key_field
        .as_deref()
        .or(descriptor.default_key_field)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{} has no default key field: give --key-field",
                descriptor.event_type
            ))
        })?;
    let data = read_data(&args.data)?;
    // Validate the data into the typed event before touching the bus.
    let event = super::data_errors::read_event(descriptor, &data).map_err(|problems| {
        CliError::Refused(format!(
            "invalid --data for {}: {} problem(s)\n  {}",
            descriptor.event_type,
            problems.len(),
            problems.join("\n  ")
        ))
    })?;
    event
        .key_at(key_field)
        .map_err(|e| CliError::Refused(format!("--key-field {key_field}: {e}")))?;
    match args.service.as_deref().map(str::trim) {
        Some("") => return Err(CliError::Usage("--service must not be empty".into())),
        Some(service) => eventbus_runtime::metadata::set_service_name(service),
        None => {}
    }
    let service_unset = eventbus_runtime::metadata::service_name().is_none();
    let metadata = EventsMetadata::new(descriptor.event_type, descriptor.minor_version);
    let delivery = match backend(args.backend, "EVENT_BUS_PRODUCER") {
        Backend::Kafka => produce_kafka(&args.topic, key_field, event, &metadata)?,
        Backend::Redis => produce_redis(&args.topic, key_field, event, &metadata)?,
    };
    let mut line = json!({
        "topic": delivery.topic,
        "event_type": descriptor.event_type,
        "id": metadata.id.to_string(),
        "source": metadata.source,
    });
    // Where it landed: a Redis entry id, or a Kafka partition and offset.
    match &delivery.position {
        DeliveryPosition::Redis { entry_id } => line["entry_id"] = json!(entry_id),
        DeliveryPosition::Kafka { partition, offset } => {
            line["partition"] = json!(partition);
            line["offset"] = json!(offset);
        }
        other => line["position"] = json!(other.to_string()),
    }
    outln!("{line}")?;
    if service_unset {
        // Python sends the placeholder silently; say how to name the service.
        noteln!(
            "warning: no service name (--service, EVENTS_SERVICE_NAME or SERVICE_VARIANT): the \
             event's source is openedx/SERVICE_NAME_UNSET/web, as Python sends it"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn produce_kafka(
    topic: &str,
    key_field: &str,
    event: Arc<dyn AnyEvent>,
    metadata: &EventsMetadata,
) -> Result<Delivery, CliError> {
    let settings = settings_from_env()?;
    block_on(async {
        let producer = KafkaProducer::new(&settings).map_err(|e| CliError::Usage(e.to_string()))?;
        let delivery = producer.send_event(topic, key_field, event, metadata).await;
        let closed = producer.close().await;
        let delivery = delivery.map_err(CliError::bus)?;
        closed.map_err(CliError::bus)?;
        Ok(delivery)
    })?
}

fn produce_redis(
    topic: &str,
    key_field: &str,
    event: Arc<dyn AnyEvent>,
    metadata: &EventsMetadata,
) -> Result<Delivery, CliError> {
    let settings = redis_settings_from_env()?;
    block_on(async {
        let producer = RedisProducer::new(&settings).await.map_err(CliError::bus)?;
        producer
            .send_event(topic, key_field, event, metadata)
            .await
            .map_err(CliError::bus)
    })?
}

/// `--data`: JSON text, `@FILE` or `-` (standard input).
fn read_data(arg: &str) -> Result<Value, CliError> {
    let (origin, text) = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Usage(format!("cannot read --data from standard input: {e}")))?;
        ("standard input".to_owned(), text)
    } else if let Some(path) = arg.strip_prefix('@') {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read --data file {path}: {e}")))?;
        (path.to_owned(), text)
    } else {
        ("--data".to_owned(), arg.to_owned())
    };
    super::json_text::parse(&origin, &text)
}
