//! `eventbus produce` fails fast and quietly: brokers that cannot be reached and a topic that does
//! not exist give exit code 3 and one clear message, within `EVENT_BUS_KAFKA_PRODUCE_TIMEOUT`, with
//! librdkafka's repeated connection errors logged once. Uses the real schema registry and broker of
//! `scripts/services.sh` (topic auto-creation off).

use assert_cmd::Command;
use eventbus_runtime::settings::names;

const XBLOCK_PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
const XBLOCK_DATA: &str = r#"{"xblock_info": {"usage_key": "block-v1:edX+DemoX+2026+type@html+block@intro", "block_type": "html"}}"#;

fn service(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test.sh, which starts the services")
    })
}

/// `eventbus produce` of an XBlock event to `topic` with these bootstrap servers and the test
/// registry; returns (exit code, stderr).
fn produce(servers: &str, topic: &str, timeout: &str) -> (i32, String) {
    let output = Command::cargo_bin("eventbus")
        .unwrap()
        .env_remove(names::TOPIC_PREFIX)
        .env_remove("EVENT_BUS_PRODUCER")
        .env_remove("EVENTBUS_LOG")
        .env(names::BOOTSTRAP_SERVERS, servers)
        .env(
            names::SCHEMA_REGISTRY_URL,
            service(names::SCHEMA_REGISTRY_URL),
        )
        .env(names::PRODUCE_TIMEOUT, timeout)
        .args([
            "produce",
            "--event-type",
            XBLOCK_PUBLISHED,
            "--topic",
            topic,
        ])
        .args(["--data", XBLOCK_DATA])
        .output()
        .unwrap();
    assert!(output.stdout.is_empty(), "nothing produced");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn unreachable_servers_exit_3_naming_them_with_few_log_lines() {
    let (code, stderr) = produce("127.0.0.1:1", "fail-fast-cli", "3");
    assert_eq!(code, 3, "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "error: producing {XBLOCK_PUBLISHED} to fail-fast-cli: cannot reach the Kafka \
             bootstrap servers 127.0.0.1:1 within 3s (EVENT_BUS_KAFKA_PRODUCE_TIMEOUT): \
             127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused"
        )),
        "{stderr}"
    );
    // librdkafka retries the connection every 100 ms to 10 s; each distinct failure is logged
    // once (before: every retry, twice).
    let broker_lines = stderr.lines().filter(|l| l.contains("127.0.0.1:1")).count();
    let all_down = stderr
        .lines()
        .filter(|l| l.contains("brokers are down"))
        .count();
    assert!(broker_lines < 6, "{broker_lines} lines:\n{stderr}");
    assert!(all_down <= 2, "{all_down} lines:\n{stderr}");
    assert!(stderr.lines().count() < 10, "{stderr}");
}

#[test]
fn a_topic_that_does_not_exist_exits_3_naming_it() {
    let servers = service(names::BOOTSTRAP_SERVERS);
    let topic = format!("fail-fast-missing-{}", std::process::id());
    let (code, stderr) = produce(&servers, &topic, "5");
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        stderr.lines().last(),
        Some(
            format!(
                "error: producing {XBLOCK_PUBLISHED} to {topic}: topic {topic} does not exist \
                 on the Kafka brokers {servers} (create it first, e.g. with `eventbus topics \
                 create`)"
            )
            .as_str()
        ),
        "{stderr}"
    );
}

#[test]
fn an_invalid_produce_timeout_is_a_usage_error_naming_the_setting() {
    let (code, stderr) = produce("127.0.0.1:1", "t", "0");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: setting EVENT_BUS_KAFKA_PRODUCE_TIMEOUT: invalid value \"0\": must be at least \
         a millisecond and at most a day"
    );
}
