//! What the command-line tests share: running the command and reading what it printed, and
//! creating topics on the test broker.

#![allow(dead_code)]

use assert_cmd::Command;
use eventbus_runtime::avro::Example;
use eventbus_runtime::kafka::{KafkaAdmin, TopicSpec};
use eventbus_runtime::outbox::{Outbox, OutboxRow};
use eventbus_runtime::settings::{names, KafkaSettings};
use eventbus_runtime::{registry, EventsMetadata};

/// What a run of the command printed, and its exit code.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(output: std::process::Output) -> Self {
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Run the command to its end.
pub fn run(command: &mut Command) -> Output {
    command.output().unwrap().into()
}

/// A test setting from the environment that `scripts/test.sh` sets; panics naming it otherwise.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test.sh, which starts the services")
    })
}

/// Create `topic` (one partition) on the test broker.
pub fn create_topic(topic: &str) {
    let settings = KafkaSettings::builder(
        env(names::BOOTSTRAP_SERVERS),
        env(names::SCHEMA_REGISTRY_URL),
    )
    .build()
    .unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        KafkaAdmin::new(&settings)
            .unwrap()
            .create_topics(&[TopicSpec::new(topic, 1)])
            .await
            .unwrap();
    });
}

/// The Kafka settings of the test services.
pub fn kafka_settings() -> KafkaSettings {
    KafkaSettings::builder(
        env(names::BOOTSTRAP_SERVERS),
        env(names::SCHEMA_REGISTRY_URL),
    )
    .build()
    .unwrap()
}

/// The Redis settings of the test services.
pub fn redis_settings() -> eventbus_runtime::settings::RedisSettings {
    eventbus_runtime::settings::RedisSettings::builder(env(REDIS_URL))
        .build()
        .unwrap()
}

/// The Redis URL setting.
pub const REDIS_URL: &str = "EVENT_BUS_REDIS_CONNECTION_URL";
/// The event type most tests produce.
pub const XBLOCK_PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
/// Its data.
pub const XBLOCK_DATA: &str = r#"{"xblock_info": {"usage_key": "block-v1:edX+DemoX+2026+type@html+block@intro", "block_type": "html"}}"#;

/// The command with no bus settings at all: the embedded default.
pub fn eventbus() -> Command {
    Command::from_std(eventbus_std())
}

/// [`eventbus`] as a plain process command, with none of the caller's bus, prefix, dead-letter,
/// producer or outbox settings.
pub fn eventbus_std() -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("eventbus"));
    for name in [
        names::BOOTSTRAP_SERVERS,
        names::SCHEMA_REGISTRY_URL,
        names::TOPIC_PREFIX,
        names::DEAD_LETTER_TOPIC,
        "EVENT_BUS_REDIS_DEAD_LETTER_STREAM",
        "EVENT_BUS_PRODUCER_CONFIG",
        "EVENT_BUS_PRODUCER",
        "EVENT_BUS_CONSUMER",
        "EVENT_BUS_OUTBOX_URL",
        "EVENT_BUS_PRODUCER_MODE",
        REDIS_URL,
    ] {
        command.env_remove(name);
    }
    command
}

/// The command pointed at the test services (Kafka, registry, Redis), stopped after 120 s.
pub fn eventbus_on_services() -> Command {
    let mut command = Command::from_std(eventbus_on_services_std());
    command.timeout(std::time::Duration::from_secs(120));
    command
}

/// [`eventbus_on_services`] as a plain process command.
pub fn eventbus_on_services_std() -> std::process::Command {
    let (servers, registry) = services();
    let mut command = eventbus_std();
    command
        .env(names::BOOTSTRAP_SERVERS, servers)
        .env(names::SCHEMA_REGISTRY_URL, registry)
        .env(REDIS_URL, env(REDIS_URL))
        .env(names::SERVICE_NAME, "eventbus-cli-test");
    command
}

/// The Kafka bootstrap servers and registry URL of the test services.
pub fn services() -> (String, String) {
    (
        env(names::BOOTSTRAP_SERVERS),
        env(names::SCHEMA_REGISTRY_URL),
    )
}

/// `eventbus produce` of the XBlock event to `topic` on the test services.
pub fn produce_xblock(topic: &str) -> Output {
    run(eventbus_on_services()
        .args([
            "produce",
            "--event-type",
            XBLOCK_PUBLISHED,
            "--topic",
            topic,
        ])
        .args(["--data", XBLOCK_DATA]))
}

/// The offset committed by `group` on partition 0 of `topic`, if any, and the number of
/// messages in `dead_letter_topic` (0 when it does not exist).
pub fn committed_and_dead_letters(
    group: &str,
    topic: &str,
    dead_letter_topic: &str,
) -> (Option<i64>, i64) {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let (servers, _) = services();
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &servers)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut partitions = rdkafka::TopicPartitionList::new();
    partitions.add_partition(topic, 0);
    let timeout = std::time::Duration::from_secs(30);
    let committed = consumer.committed_offsets(partitions, timeout).unwrap();
    let offset = match committed.find_partition(topic, 0).unwrap().offset() {
        rdkafka::Offset::Offset(n) => Some(n),
        _ => None,
    };
    let metadata = consumer
        .fetch_metadata(Some(dead_letter_topic), timeout)
        .unwrap();
    let exists = metadata.topics().iter().any(|t| {
        t.name() == dead_letter_topic && t.error().is_none() && !t.partitions().is_empty()
    });
    let dead_letters = if exists {
        let (low, high) = consumer
            .fetch_watermarks(dead_letter_topic, 0, timeout)
            .unwrap();
        high - low
    } else {
        0
    };
    (offset, dead_letters)
}

/// Wait for `child` to exit within `timeout` (else kill it and panic); its exit code.
pub fn wait(child: &mut std::process::Child, timeout: std::time::Duration) -> i32 {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command did not exit within {timeout:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Send SIGTERM to `child` (by its PID) and wait for it to exit, at most 60 s; its exit code.
pub fn terminate(child: &mut std::process::Child) -> i32 {
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait(child, std::time::Duration::from_secs(60))
}

/// The lines `child` prints, read by a thread of their own (which ends with them).
pub fn stdout_lines(
    child: &mut std::process::Child,
) -> (
    std::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    (received, reader)
}

/// GET `url`: the status and body, or `None` when nothing answers.
pub fn get(url: &str) -> Option<(u16, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::get(url).await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    })
}

/// What `eventbus topics create` prints for `topic` with `partitions` partitions replicated
/// `factor` times on the brokers `servers`, and, with `dead_letter`, its dead-letter topic (one
/// partition, the same factor).
pub fn created_lines(
    topic: &str,
    partitions: u32,
    factor: u32,
    servers: &str,
    dead_letter: bool,
) -> String {
    let mut lines = format!(
        "created topic {topic} ({partitions} partition(s), replication factor {factor}) on the \
         Kafka brokers {servers}\n"
    );
    if dead_letter {
        lines.push_str(&format!(
            "created dead-letter topic {topic}-dead-letter (1 partition(s), replication factor \
             {factor})\n"
        ));
    }
    lines
}

/// Write `n` xblock.published rows for `topic` into the outbox at `url` as a service would;
/// their event ids.
pub fn write_outbox_rows(url: &str, topic: &str, n: usize) -> Vec<String> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let outbox = Outbox::connect(url).await.unwrap();
        openedx_events::link();
        let descriptor = registry::find(XBLOCK_PUBLISHED).unwrap();
        let rows: Vec<OutboxRow> = (0..n)
            .map(|_| {
                let event = descriptor.example(Example::Full).unwrap();
                let metadata = EventsMetadata::new(XBLOCK_PUBLISHED, 0);
                OutboxRow::new(&*event, &metadata, topic, "xblock_info.usage_key").unwrap()
            })
            .collect();
        outbox.insert(&rows).await.unwrap();
        outbox.close().await;
        rows.into_iter().map(|r| r.event_id).collect()
    })
}
