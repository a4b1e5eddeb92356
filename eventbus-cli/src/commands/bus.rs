//! What the commands that talk to the bus share: settings, the async runtime, event lines.

use super::CliError;
use crate::cli::Backend;
use eventbus_runtime::registry::{self, AnyEvent, AnyReceiver, EventDescriptor};
use eventbus_runtime::settings::{names, KafkaSettings, RedisSettings};
use eventbus_runtime::signal::ReceiverId;
use eventbus_runtime::EventsMetadata;
use serde_json::{json, Value};
use std::future::Future;

/// The produce timeout of the command line when `EVENT_BUS_KAFKA_PRODUCE_TIMEOUT` is not set,
/// in seconds: shorter than the library's, as someone waits for the answer.
pub const CLI_PRODUCE_TIMEOUT: &str = "10";

/// The Kafka settings from the environment (`EVENT_BUS_KAFKA_*`, `EVENT_BUS_TOPIC_PREFIX`...); a
/// missing or invalid setting is a usage error naming it. The produce timeout defaults to
/// [`CLI_PRODUCE_TIMEOUT`].
/// The service name it holds becomes the `source` of the metadata of events sent here.
pub fn settings_from_env() -> Result<KafkaSettings, CliError> {
    settings_from_vars(env_vars())
}

/// The process environment, as `(name, value)` pairs (names or values that are not UTF-8 left
/// out).
pub fn env_vars() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}

/// The Kafka settings from `(name, value)` pairs (the environment, with a worker file's `[kafka]`
/// table): as [`settings_from_env`].
pub fn settings_from_vars(mut vars: Vec<(String, String)>) -> Result<KafkaSettings, CliError> {
    if !vars
        .iter()
        .any(|(name, value)| name == names::PRODUCE_TIMEOUT && !value.trim().is_empty())
    {
        vars.push((names::PRODUCE_TIMEOUT.into(), CLI_PRODUCE_TIMEOUT.into()));
    }
    let settings = KafkaSettings::from_vars(vars).map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(name) = settings.service_name() {
        eventbus_runtime::metadata::set_service_name(name);
    }
    Ok(settings)
}

/// The Redis settings from the environment (`EVENT_BUS_REDIS_*`, `EVENT_BUS_TOPIC_PREFIX`...); a
/// missing or invalid setting is a usage error naming it.
pub fn redis_settings_from_env() -> Result<RedisSettings, CliError> {
    let settings = RedisSettings::from_env().map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(name) = settings.service_name() {
        eventbus_runtime::metadata::set_service_name(name);
    }
    Ok(settings)
}

/// The backend: the one asked for, else the one the Django setting `setting` (`EVENT_BUS_PRODUCER`
/// or `EVENT_BUS_CONSUMER`, a dotted path such as `edx_event_bus_redis.create_producer`) names.
pub fn backend(asked: Option<Backend>, setting: &str) -> Backend {
    asked.unwrap_or_else(|| match std::env::var(setting) {
        Ok(path) if path.starts_with("edx_event_bus_redis") => Backend::Redis,
        _ => Backend::Kafka,
    })
}

/// Run `future` to completion on a multi-threaded tokio runtime.
pub fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Bus(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

/// One event as a JSON line: its type, metadata (Python's `EventsMetadata.to_json`) and data
/// (Python's `to_dict`).
pub fn event_line(event: &dyn AnyEvent, metadata: &EventsMetadata) -> Value {
    json!({
        "event_type": event.descriptor().event_type,
        "metadata": metadata.to_json(),
        "data": event.to_json(),
    })
}

/// A type-erased receiver connected to the signal of every event type that can travel on the bus;
/// disconnected when dropped.
pub struct Connected(Vec<(&'static EventDescriptor, ReceiverId)>);

impl Connected {
    /// Connect `receiver` to every serializable event type's signal.
    pub fn everywhere(name: &str, receiver: AnyReceiver) -> Self {
        let ids = registry::all()
            .filter(|d| d.is_serializable())
            .filter_map(|d| d.connect(name, receiver.clone()).ok().map(|id| (d, id)))
            .collect();
        Connected(ids)
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        for (descriptor, id) in self.0.drain(..) {
            descriptor.disconnect(id);
        }
    }
}
