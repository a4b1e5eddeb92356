//! The command line's logs: `--log-level` and `RUST_LOG` choose them, `--log-format json` writes
//! JSON lines, no colour codes when standard error is not a terminal, and the consumer's audit
//! log shows the decoded key as the producer's does (on the real broker and registry).

mod support;

use eventbus_runtime::settings::names;
use serde_json::Value;
use std::process::{Command, Output};
use support::{create_topic, env};

const XBLOCK_PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
const KEY: &str = "block-v1:edX+DemoX+2026+type@html+block@intro";

fn eventbus() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("eventbus"));
    command
        .env(names::BOOTSTRAP_SERVERS, env(names::BOOTSTRAP_SERVERS))
        .env(names::SCHEMA_REGISTRY_URL, env(names::SCHEMA_REGISTRY_URL))
        .env(names::SERVICE_NAME, "eventbus-logs-test")
        .env_remove(names::TOPIC_PREFIX)
        .env_remove("RUST_LOG")
        .env_remove("EVENTBUS_LOG")
        .env_remove("EVENT_BUS_PRODUCER")
        .env_remove("EVENT_BUS_CONSUMER");
    command
}

fn produce(command: &mut Command, topic: &str) -> Output {
    command
        .args([
            "produce",
            "--topic",
            topic,
            "--event-type",
            XBLOCK_PUBLISHED,
        ])
        .args([
            "--data",
            &format!(r#"{{"xblock_info": {{"usage_key": "{KEY}", "block_type": "html"}}}}"#),
        ])
        .output()
        .unwrap()
}

#[test]
fn log_level_format_and_colours() {
    let topic = format!("cli-logs-{}", uuid::Uuid::new_v4().simple());
    create_topic(&topic);

    // The default (warn) shows no audit log.
    let out = produce(&mut eventbus(), &topic);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Message delivered"), "{stderr}");

    // RUST_LOG is honoured; redirected logs have no ANSI colour codes.
    let out = produce(eventbus().env("RUST_LOG", "info"), &topic);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Message delivered to Kafka event bus"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "colour codes: {stderr:?}");

    // --log-level wins over RUST_LOG; --log-format json writes one JSON object per line.
    let out = produce(
        eventbus()
            .env("RUST_LOG", "error")
            .args(["--log-level", "info", "--log-format", "json"]),
        &topic,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let logs: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let delivered = logs
        .iter()
        .find(|l| l["fields"]["message"] == "Message delivered to Kafka event bus")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(delivered["level"], "INFO");
    assert_eq!(delivered["fields"]["key"], KEY);

    // The consumer's audit log shows the same decoded key.
    let out = eventbus()
        .args(["--log-level", "info", "--log-format", "json", "consume"])
        .args(["--topic", &topic, "--group-id", &format!("g-{topic}")])
        .args([
            "--offset-time",
            "2020-01-01T00:00:00Z",
            "--max-messages",
            "1",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let received: Value = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["fields"]["message"] == "Message received from Kafka")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(received["fields"]["key"], KEY);

    // A filter that does not parse is a usage error naming the option.
    let out = eventbus()
        .args(["--log-level", "info,[", "events", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--log-level `info,[`"));
}
