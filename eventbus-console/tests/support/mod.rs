//! What the console's tests share: the services' settings, a console started in this process on
//! 127.0.0.1:0, HTTP requests, topics with events.

#![allow(dead_code)]

use eventbus_console::{Console, ConsoleConfig};
use eventbus_runtime::kafka::{KafkaAdmin, KafkaProducer, TopicSpec};
use eventbus_runtime::settings::{names, KafkaSettings};
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
    (delivery.partition, delivery.offset)
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
