//! Helpers of the Kafka tests (`kafka_*.rs` include this file as a module): settings from the
//! environment, unique topics, receivers that collect what the consumer dispatched, raw
//! producing and reading.
//!
//! The tests need the real services: `eval "$(scripts/services.sh up)"` sets
//! `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`.

#![allow(dead_code)]

use eventbus_runtime::consume::{CancellationToken, ConsumeSummary, ConsumerError};
use eventbus_runtime::kafka::{KafkaAdmin, KafkaConsumer, TopicSpec};
use eventbus_runtime::registry::EventDescriptor;
use eventbus_runtime::settings::{KafkaSettings, KafkaSettingsBuilder};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use uuid::Uuid;

#[path = "collector.rs"]
mod collector;
#[allow(unused_imports)]
pub use collector::{Collector, Received};

#[path = "logins.rs"]
mod logins;
#[allow(unused_imports)]
pub use logins::{send_example_logins, LOGIN};

/// The registry entry of a catalog event type.
pub fn descriptor(event_type: &str) -> &'static EventDescriptor {
    openedx_events::link();
    eventbus_runtime::registry::find(event_type)
        .unwrap_or_else(|| panic!("{event_type} is in the catalog"))
}

/// Metadata for an event sent now, at the microsecond precision the `ce_time` header carries.
pub fn metadata_for(descriptor: &EventDescriptor) -> eventbus_runtime::EventsMetadata {
    use chrono::SubsecRound;
    let now = chrono::Utc::now().trunc_subsecs(6);
    eventbus_runtime::EventsMetadata::at(descriptor.event_type, descriptor.minor_version, now)
}

/// The example login event with `user.pii.username` set to `username`.
pub fn login_for(username: &str) -> std::sync::Arc<dyn eventbus_runtime::registry::AnyEvent> {
    let d = descriptor(LOGIN);
    let mut json = d
        .example(eventbus_runtime::avro::Example::Full)
        .unwrap()
        .to_json();
    json["user"]["pii"]["username"] = Value::from(username);
    d.from_json(&json).unwrap()
}

/// The bootstrap servers and registry URL of the test services; panics when they are not set.
pub fn service_env() -> (String, String) {
    let get =
        |name: &str| eventbus_tests::required_env(name, "a real Kafka broker and schema registry");
    (
        get("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS"),
        get("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL"),
    )
}

/// Log to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// Settings for a test: the services, a topic prefix, fast polls, consumers that start at the
/// beginning of a new topic.
pub fn builder(prefix: &str) -> KafkaSettingsBuilder {
    init_tracing();
    let (servers, registry) = service_env();
    KafkaSettings::builder(servers, registry)
        .topic_prefix(prefix)
        .service_name("rust-tests")
        .common(|c| {
            c.poll_timeout = Duration::from_millis(200);
            c.poll_failure_sleep = Duration::from_millis(200);
        })
        .client_option("auto.offset.reset", "earliest")
        .client_option("session.timeout.ms", "6000")
        .client_option("linger.ms", "5")
}

/// A unique name: `{base}-{8 hex digits}`.
pub fn unique(base: &str) -> String {
    format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// Create the (full) topics with `partitions` partitions each.
pub async fn create_topics(settings: &KafkaSettings, names: &[&str], partitions: i32) {
    let admin = KafkaAdmin::new(settings).expect("admin client");
    let specs: Vec<TopicSpec> = names
        .iter()
        .map(|n| TopicSpec::new(*n, partitions))
        .collect();
    admin.create_topics(&specs).await.expect("create topics");
}

/// A consumer running in a task.
pub struct Running {
    token: CancellationToken,
    handle: JoinHandle<Result<ConsumeSummary, ConsumerError>>,
}

impl Running {
    /// Start `consumer`.
    pub fn start(consumer: KafkaConsumer) -> Self {
        let token = CancellationToken::new();
        let handle = tokio::spawn(consumer.consume(token.clone()));
        Running { token, handle }
    }

    /// Whether it returned already.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Ask it to stop and wait for its result.
    pub async fn stop(self) -> Result<ConsumeSummary, ConsumerError> {
        self.token.cancel();
        self.join().await
    }

    /// Wait for it to return by itself (within 60 s).
    pub async fn join(self) -> Result<ConsumeSummary, ConsumerError> {
        tokio::time::timeout(Duration::from_secs(60), self.handle)
            .await
            .expect("the consumer stops within 60 s")
            .expect("the consumer task does not panic")
    }
}

/// A raw producer (no schema registry, no headers of its own).
pub fn raw_producer(settings: &KafkaSettings) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", settings.bootstrap_servers())
        .set("linger.ms", "5")
        .create()
        .expect("raw producer")
}

/// Produce raw bytes and headers to `partition` (or any) of a full topic.
pub async fn produce_raw(
    producer: &FutureProducer,
    topic: &str,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[(&str, Option<&[u8]>)],
) {
    let headers = headers.iter().fold(OwnedHeaders::new(), |h, (key, value)| {
        h.insert(Header { key, value: *value })
    });
    let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic).headers(headers);
    if let Some(key) = key {
        record = record.key(key);
    }
    if let Some(value) = value {
        record = record.payload(value);
    }
    producer
        .send(record, Duration::from_secs(10))
        .await
        .map_err(|(e, _)| e)
        .expect("raw produce");
}

/// A message read by [`read_topic`].
#[derive(Debug, Clone)]
pub struct RawMessage {
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl RawMessage {
    /// The values of a header, as text.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| String::from_utf8_lossy(v.as_deref().unwrap_or_default()).into_owned())
            .collect()
    }

    /// The single value of a header; panics when absent or repeated.
    pub fn header(&self, name: &str) -> String {
        match self.header_values(name).as_slice() {
            [value] => value.clone(),
            other => panic!("header {name}: {other:?} in {:?}", self.headers),
        }
    }
}

/// Read `n` messages from every partition of a full topic, from the start, without a group;
/// panics if fewer arrive within `timeout`.
pub async fn read_topic(
    settings: &KafkaSettings,
    topic: &str,
    n: usize,
    timeout: Duration,
) -> Vec<RawMessage> {
    let servers = settings.bootstrap_servers().to_owned();
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &servers)
            .set("group.id", unique("reader"))
            .set("enable.auto.commit", "false")
            .create()
            .expect("reader");
        let metadata = consumer
            .fetch_metadata(Some(&topic), Duration::from_secs(10))
            .expect("metadata");
        let mut tpl = TopicPartitionList::new();
        for partition in metadata.topics()[0].partitions() {
            tpl.add_partition_offset(&topic, partition.id(), Offset::Beginning)
                .expect("partition");
        }
        consumer.assign(&tpl).expect("assign");
        let start = Instant::now();
        let mut messages = Vec::new();
        while messages.len() < n {
            assert!(
                start.elapsed() < timeout,
                "read {} of {n} messages from {topic} in {timeout:?}: {messages:?}",
                messages.len()
            );
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
                messages.push(RawMessage {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec),
                    headers: m
                        .headers()
                        .map(|h| {
                            h.iter()
                                .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
        messages
    })
    .await
    .expect("reader task")
}

/// Wait until the consumer group has `members` members in a stable state.
pub async fn wait_for_group(
    settings: &KafkaSettings,
    group: &str,
    members: usize,
    timeout: Duration,
) {
    let servers = settings.bootstrap_servers().to_owned();
    let group = group.to_owned();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &servers)
            .create()
            .expect("group watcher");
        let start = Instant::now();
        loop {
            if let Ok(list) = consumer.fetch_group_list(Some(&group), Duration::from_secs(5)) {
                if let Some(g) = list.groups().iter().find(|g| g.name() == group) {
                    if g.state() == "Stable" && g.members().len() == members {
                        return;
                    }
                }
            }
            assert!(
                start.elapsed() < timeout,
                "group {group} never had {members} stable members"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    })
    .await
    .expect("group watcher task");
}

/// A dotted key path for an event type: its default key field, or the first path to a
/// non-optional scalar in its schema.
pub fn key_path(descriptor: &EventDescriptor) -> String {
    if let Some(field) = descriptor.default_key_field {
        return field.to_owned();
    }
    let schema = descriptor.schema().expect("serializable").json().clone();
    fn walk(schema: &Value, record: &Value, prefix: &str, out: &mut Vec<String>) {
        for field in record["fields"].as_array().into_iter().flatten() {
            let name = field["name"].as_str().unwrap_or_default();
            let path = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            };
            if eventbus_runtime::key::key_schema(schema, &path).is_ok() {
                out.push(path.clone());
            }
            if field["type"].get("type").and_then(Value::as_str) == Some("record") {
                walk(schema, &field["type"], &path, out);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&schema, &schema, "", &mut paths);
    paths
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{} has no scalar field to key on", descriptor.event_type))
}

/// The offset the group has committed for a partition of a (full) topic.
pub async fn committed_offset(
    settings: &KafkaSettings,
    group: &str,
    full_topic: &str,
    partition: i32,
) -> Offset {
    let (servers, group, topic) = (
        settings.bootstrap_servers().to_owned(),
        group.to_owned(),
        full_topic.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &servers)
            .set("group.id", &group)
            .create()
            .expect("offsets client");
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&topic, partition);
        let committed = consumer
            .committed_offsets(tpl, Duration::from_secs(10))
            .expect("committed offsets");
        committed
            .find_partition(&topic, partition)
            .expect("the partition asked for")
            .offset()
    })
    .await
    .unwrap()
}
