//! What the command-line tests share: running the command and reading what it printed, and
//! creating topics on the test broker.

#![allow(dead_code)]

use assert_cmd::Command;
use eventbus_runtime::kafka::{KafkaAdmin, TopicSpec};
use eventbus_runtime::settings::{names, KafkaSettings};

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
    eventbus_runtime::settings::RedisSettings::builder(env("EVENT_BUS_REDIS_CONNECTION_URL"))
        .build()
        .unwrap()
}

/// The command pointed at the test services (Kafka, registry, Redis), with none of the caller's
/// prefix, backend or outbox settings.
pub fn eventbus_on_services() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("eventbus"));
    for name in [
        names::TOPIC_PREFIX,
        names::DEAD_LETTER_TOPIC,
        "EVENT_BUS_REDIS_DEAD_LETTER_STREAM",
        "EVENT_BUS_PRODUCER_CONFIG",
        "EVENT_BUS_PRODUCER",
        "EVENT_BUS_CONSUMER",
        "EVENT_BUS_OUTBOX_URL",
        "EVENT_BUS_PRODUCER_MODE",
    ] {
        command.env_remove(name);
    }
    command
        .env(names::BOOTSTRAP_SERVERS, env(names::BOOTSTRAP_SERVERS))
        .env(names::SCHEMA_REGISTRY_URL, env(names::SCHEMA_REGISTRY_URL))
        .env(
            "EVENT_BUS_REDIS_CONNECTION_URL",
            env("EVENT_BUS_REDIS_CONNECTION_URL"),
        )
        .env(names::SERVICE_NAME, "eventbus-cli-test")
        .timeout(std::time::Duration::from_secs(120));
    command
}
