//! What the console's tests share: the services' settings, a console started in this process on
//! 127.0.0.1:0, HTTP requests, topics with events, dead letters, Redis entries and an outbox
//! database.

#![allow(dead_code)]

use eventbus_console::{Console, ConsoleConfig};
use eventbus_runtime::avro::Example;
use eventbus_runtime::consume::{DLQ_ATTEMPTS, DLQ_FAILED_RECEIVERS};
use eventbus_runtime::kafka::dead_letter::{DeadLetter, DeadLetterProducer};
use eventbus_runtime::kafka::{
    KafkaAdmin, KafkaProducer, ReadRange, StoredMessage, TopicReader, TopicSpec,
};
use eventbus_runtime::outbox::{Outbox, OutboxRow};
use eventbus_runtime::redis::RedisProducer;
use eventbus_runtime::settings::{names, KafkaSettings, RedisSettings};
use eventbus_runtime::{registry, EventsMetadata};
use std::time::Duration;

/// The XBlock published event, keyed by `xblock_info.usage_key`.
pub const PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
/// The XBlock deleted event, keyed the same way.
pub const DELETED: &str = "org.openedx.content_authoring.xblock.deleted.v1";

/// A test setting from the environment (`eval "$(scripts/services.sh env)"`).
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with the services' settings (scripts/services.sh env)")
    })
}

/// A fresh topic prefix, so that the pages show only this test's topics.
pub fn unique_prefix(test: &str) -> String {
    format!("console-{test}-{}", uuid::Uuid::new_v4().simple())
}

/// The Kafka settings of the test services with `prefix`.
pub fn kafka_settings(prefix: &str) -> KafkaSettings {
    KafkaSettings::builder(
        env(names::BOOTSTRAP_SERVERS),
        env(names::SCHEMA_REGISTRY_URL),
    )
    .topic_prefix(prefix)
    .build()
    .expect("the services' settings")
}

/// A console running in this process; stopped when dropped.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stop the console and wait (at most 10 s) for it to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), handle)
                .await
                .expect("the console stops within 10 s")
                .expect("the console task");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Start a console with `config` (its address replaced by 127.0.0.1:0).
pub async fn start(mut config: ConsoleConfig) -> Running {
    config.addr = "127.0.0.1:0".parse().expect("an address");
    start_on(config).await
}

/// Start a console with `config` as it is.
pub async fn start_on(config: ConsoleConfig) -> Running {
    let console = Console::bind(config).await.expect("the console starts");
    let base = format!("http://{}", console.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        console
            .serve(async move {
                let _ = stopped.await;
            })
            .await
            .expect("the console serves");
    });
    Running {
        base,
        stop: Some(stop),
        handle: Some(handle),
    }
}

/// A console on the services with `prefix`, read-only.
pub async fn start_read_only(prefix: &str) -> Running {
    start(ConsoleConfig::new(
        "127.0.0.1:0".parse().expect("an address"),
        kafka_settings(prefix),
    ))
    .await
}

/// An HTTP client that gives up after 60 s.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client")
}

/// GET `url`: the status and the body.
pub async fn get(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// POST the form `fields` (URL-encoded by hand: the fields are plain ASCII) to `url`.
pub async fn post(url: &str, fields: &[(&str, &str)], auth: Option<&str>) -> (u16, String) {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25")
                    .replace('&', "%26")
                    .replace('=', "%3D")
                    .replace('+', "%2B")
                    .replace(' ', "+")
            )
        })
        .collect();
    let mut request = client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.join("&"));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// How many times `needle` occurs in `haystack`.
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Create `topic` (without the prefix) with `partitions`.
pub async fn create_topic(settings: &KafkaSettings, topic: &str, partitions: i32) {
    KafkaAdmin::new(settings)
        .expect("an admin client")
        .create_topics(&[TopicSpec::new(settings.full_topic(topic), partitions)])
        .await
        .expect("the topic is created");
}

/// Produce an XBlock event of `event_type` with the usage key `block` to `topic`; its
/// (partition, offset).
pub async fn produce(
    producer: &KafkaProducer,
    topic: &str,
    event_type: &str,
    block: &str,
) -> (i32, i64) {
    openedx_events::link();
    let descriptor = registry::find(event_type).expect("a catalog event");
    let data = serde_json::json!({"xblock_info": {
        "usage_key": format!("block-v1:edX+DemoX+2026+type@html+block@{block}"),
        "block_type": "html"
    }});
    let event = descriptor.from_json(&data).expect("valid data");
    let metadata = EventsMetadata::new(event_type, descriptor.minor_version);
    let delivery = producer
        .send_event(topic, "xblock_info.usage_key", event, &metadata)
        .await
        .expect("the event is produced");
    delivery.kafka_position().expect("a Kafka position")
}

/// Commit `offset` of the full topic `topic`'s `partition` for the consumer group `group` (which
/// then has a lag on the overview).
pub fn commit_offset(group: &str, topic: &str, partition: i32, offset: i64) {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set(
            "bootstrap.servers",
            env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS"),
        )
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("a consumer");
    let mut offsets = rdkafka::TopicPartitionList::new();
    offsets
        .add_partition_offset(topic, partition, rdkafka::Offset::Offset(offset))
        .expect("an offset");
    consumer
        .commit(&offsets, CommitMode::Sync)
        .expect("committed");
}

/// The usage key of `block`, as the pages show it.
pub fn usage_key(block: &str) -> String {
    format!("block-v1:edX+DemoX+2026+type@html+block@{block}")
}

/// `text` as a query value (percent-encoding what is not unreserved).
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A producer on the services with `prefix`.
pub fn producer(prefix: &str) -> KafkaProducer {
    KafkaProducer::new(&kafka_settings(prefix)).expect("a producer")
}

/// The messages of the full topic `topic` (all partitions), in offset order.
pub async fn messages(settings: &KafkaSettings, topic: &str) -> Vec<StoredMessage> {
    let info = KafkaAdmin::new(settings)
        .expect("admin")
        .describe_topic(topic)
        .await
        .expect("described")
        .expect("the topic exists");
    let mut reader = TopicReader::open(settings, &info, &ReadRange::default()).expect("a reader");
    let mut all = Vec::new();
    while let Some(message) = reader.next().await.expect("read") {
        all.push(message);
    }
    all
}

/// Send each of `originals` (messages of the full topic `source`) to the dead-letter topic
/// `dead_letter_topic` (without the prefix) with the error kind of the same rank, failed by the
/// receiver `audit` after 3 attempts, as the consumer of `orders-group` would.
pub async fn send_dead_letters(
    settings: &KafkaSettings,
    source: &str,
    dead_letter_topic: &str,
    originals: &[StoredMessage],
    kinds: &[&str],
) {
    let dead_letters = DeadLetterProducer::new(
        settings,
        settings.full_topic(dead_letter_topic),
        "orders-group".into(),
    )
    .expect("a dead-letter producer");
    for (message, kind) in originals.iter().zip(kinds) {
        let details = [
            (DLQ_FAILED_RECEIVERS, "audit".to_owned()),
            (DLQ_ATTEMPTS, "3".to_owned()),
        ];
        dead_letters
            .send(&DeadLetter {
                key: message.key.as_deref(),
                value: message.value.as_deref(),
                headers: &message.headers,
                topic: source,
                partition: message.partition,
                offset: message.offset,
                timestamp_ms: message.timestamp_ms,
                error_kind: kind,
                error: "the receiver audit failed",
                details: &details,
            })
            .await
            .expect("a dead letter");
    }
}

/// The CSRF token in a page's form.
pub fn csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF field")
        .to_owned()
}

/// The Redis settings of the test services with `prefix`.
pub fn redis_settings(prefix: &str) -> RedisSettings {
    RedisSettings::builder(env("EVENT_BUS_REDIS_CONNECTION_URL"))
        .topic_prefix(prefix)
        .build()
        .expect("Redis settings")
}

/// Add an XBlock event of `event_type` with the usage key `block` to the Redis stream `stream`
/// (without the prefix); its entry id.
pub async fn produce_redis(
    producer: &RedisProducer,
    stream: &str,
    event_type: &str,
    block: &str,
) -> String {
    openedx_events::link();
    let descriptor = registry::find(event_type).expect("an event");
    let data =
        serde_json::json!({"xblock_info": {"usage_key": usage_key(block), "block_type": "html"}});
    let event = descriptor.from_json(&data).expect("valid data");
    let metadata = EventsMetadata::new(event_type, 0);
    let delivery = producer
        .send_event(stream, "xblock_info.usage_key", event, &metadata)
        .await
        .expect("sent");
    delivery.entry_id().expect("an entry id").to_owned()
}

/// A fresh, migrated SQLite outbox database of a test (the shared MariaDB and PostgreSQL hold
/// other tests' rows); its directory is removed when dropped.
pub struct SqliteOutbox {
    /// `sqlite://PATH`.
    pub url: String,
    dir: std::path::PathBuf,
}

impl SqliteOutbox {
    /// Insert `n` pending rows of XBlock published events (the catalog's full example) for
    /// `topic`.
    pub async fn insert(&self, topic: &str, n: usize) {
        openedx_events::link();
        let descriptor = registry::find(PUBLISHED).expect("the event");
        let rows: Vec<OutboxRow> = (0..n)
            .map(|_| {
                let event = descriptor.example(Example::Full).expect("an example");
                let metadata = EventsMetadata::new(PUBLISHED, 0);
                OutboxRow::new(&*event, &metadata, topic, "xblock_info.usage_key").expect("a row")
            })
            .collect();
        let outbox = Outbox::connect(&self.url).await.expect("the outbox");
        outbox.insert(&rows).await.expect("rows");
        outbox.close().await;
    }
}

impl Drop for SqliteOutbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A [`SqliteOutbox`] for the test `test`.
pub async fn sqlite_outbox(test: &str) -> SqliteOutbox {
    let dir =
        std::env::temp_dir().join(format!("console-{test}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let url = format!("sqlite://{}", dir.join("outbox.db").display());
    let outbox = Outbox::connect(&url).await.expect("the outbox");
    outbox.migrate().await.expect("the tables");
    outbox.close().await;
    SqliteOutbox { url, dir }
}

/// Write `message` (key, value and headers as they are) to `partition` of the full topic `topic`
/// with the broker timestamp `timestamp_ms`, as a producer setting its own timestamp would.
pub async fn produce_at(topic: &str, partition: i32, message: &StoredMessage, timestamp_ms: i64) {
    use rdkafka::message::{Header, OwnedHeaders};
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set(
            "bootstrap.servers",
            env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS"),
        )
        .create()
        .expect("a producer");
    let mut headers = OwnedHeaders::new();
    for (key, value) in &message.headers {
        headers = headers.insert(Header {
            key,
            value: value.as_deref(),
        });
    }
    let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic)
        .partition(partition)
        .timestamp(timestamp_ms)
        .headers(headers);
    if let Some(key) = message.key.as_deref() {
        record = record.key(key);
    }
    if let Some(value) = message.value.as_deref() {
        record = record.payload(value);
    }
    producer
        .send(record, Duration::from_secs(30))
        .await
        .map_err(|(error, _)| error)
        .expect("the message is produced");
}

/// Make the consumer group `group` on the Redis stream `stream` (its full name) from its first
/// entry and deliver `n` entries to it without acknowledging them: `n` pending entries.
pub async fn redis_pending(stream: &str, group: &str, n: usize) {
    let client = redis::Client::open(env("EVENT_BUS_REDIS_CONNECTION_URL")).expect("a client");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("a connection");
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("0")
        .query_async::<()>(&mut connection)
        .await
        .expect("the group");
    redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(group)
        .arg("console-test")
        .arg("COUNT")
        .arg(n)
        .arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async::<redis::Value>(&mut connection)
        .await
        .expect("delivered");
}
