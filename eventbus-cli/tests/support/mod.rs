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
