//! `eventbus outbox`, run as a process: migrate, status, relay to the real Kafka broker and to the
//! real Redis (read back with `eventbus consume`), purge, and the errors naming the database.

mod support;

use assert_cmd::Command;
use eventbus_runtime::settings::names;
use serde_json::Value;
use std::time::Duration;
use support::{create_topic, env, run, write_outbox_rows as write_rows, XBLOCK_PUBLISHED};

/// The command with the test services' settings, and nothing else of the environment's bus
/// settings.
fn eventbus() -> Command {
    let mut command = Command::cargo_bin("eventbus").unwrap();
    for name in [
        names::TOPIC_PREFIX,
        "EVENT_BUS_PRODUCER",
        "EVENT_BUS_OUTBOX_URL",
    ] {
        command.env_remove(name);
    }
    command
        .env(names::BOOTSTRAP_SERVERS, env(names::BOOTSTRAP_SERVERS))
        .env(names::SCHEMA_REGISTRY_URL, env(names::SCHEMA_REGISTRY_URL))
        .env(names::SERVICE_NAME, "eventbus-outbox-test")
        .env(
            "EVENT_BUS_REDIS_CONNECTION_URL",
            env("EVENT_BUS_REDIS_CONNECTION_URL"),
        )
        .timeout(Duration::from_secs(120));
    command
}

/// Delete a test's SQLite file (and its WAL files).
fn remove_sqlite(url: &str) {
    let path = url.trim_start_matches("sqlite://");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

fn sqlite_url(test: &str) -> String {
    let file = std::env::temp_dir().join(format!(
        "eventbus-cli-outbox-{test}-{}.db",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&file);
    format!("sqlite://{}", file.display())
}

fn status(url: &str) -> Value {
    let out = run(eventbus().args(["outbox", "status", "--json", "--url", url]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(out.stdout.trim()).unwrap()
}

/// The ids of the events `eventbus consume` reads from `topic` (at most `n`).
fn consumed_ids(backend: &str, topic: &str, n: usize) -> Vec<String> {
    let extra = if backend == "redis" {
        format!(r#"{{"check_backlog": true, "max_messages": {n}}}"#)
    } else {
        format!(r#"{{"offset_time": "2020-01-01T00:00:00Z", "max_messages": {n}}}"#)
    };
    let out = run(eventbus().args([
        "consume",
        "--backend",
        backend,
        "--topic",
        topic,
        "--group-id",
        &format!("{topic}-reader"),
        "--extra",
        &extra,
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
        .lines()
        .map(|l| {
            let line: Value = serde_json::from_str(l).unwrap();
            line["metadata"]["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn relay_publishes_every_row_to_kafka_then_purge_deletes_them() {
    let url = sqlite_url("kafka");
    let topic = format!("outbox-cli-{}", uuid::Uuid::new_v4().simple());
    create_topic(&topic);

    let out = run(eventbus().args(["outbox", "migrate", "--url", &url]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("outbox tables ready in sqlite://"),
        "{}",
        out.stdout
    );
    let ids = write_rows(&url, &topic, 5);
    let before = status(&url);
    assert_eq!(before["pending"], 5, "{before}");
    assert_eq!(before["published"], 0);
    assert_eq!(before["topics"][0]["topic"], topic.as_str());
    let text = run(eventbus().args(["outbox", "status", "--url", &url]));
    assert!(
        text.stdout
            .contains(&format!("{topic}: 5 pending, 0 failing, oldest ")),
        "{}",
        text.stdout
    );

    let out = run(eventbus().args(["outbox", "relay", "--until-empty", "--url", &url]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(summary["relay"]["published"], 5, "{summary}");
    assert_eq!(summary["relay"]["failed_attempts"], 0);
    let after = status(&url);
    assert_eq!(
        (after["pending"].as_u64(), after["published"].as_u64()),
        (Some(0), Some(5))
    );

    let mut read = consumed_ids("kafka", &topic, 5);
    read.sort();
    let mut ids = ids;
    ids.sort();
    assert_eq!(read, ids);

    let out = run(eventbus().args(["outbox", "purge", "--older-than", "0s", "--url", &url]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        "deleted 5 published row(s) older than 0s"
    );
    assert_eq!(status(&url)["published"], 0);
    remove_sqlite(&url);
}

#[test]
fn relay_publishes_to_redis() {
    let url = sqlite_url("redis");
    let topic = format!("outbox-cli-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(
        run(eventbus().args(["outbox", "migrate", "--url", &url])).code,
        0
    );
    let ids = write_rows(&url, &topic, 3);
    let out = run(eventbus().args([
        "outbox",
        "relay",
        "--backend",
        "redis",
        "--until-empty",
        "--url",
        &url,
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(r#""published":3"#), "{}", out.stdout);
    assert_eq!(consumed_ids("redis", &topic, 3), ids, "in order");
    remove_sqlite(&url);
}

#[test]
fn outbox_errors_name_the_database() {
    let out = run(eventbus().args(["outbox", "status", "--url", "oracle://scott:tiger@db/x"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("outbox database `oracle://scott:***@db/x`: unsupported scheme"),
        "{}",
        out.stderr
    );
    let out = run(eventbus().args([
        "outbox",
        "status",
        "--url",
        "mysql://eventbus:s3cret@127.0.0.1:1/eventbus",
    ]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "cannot connect to the outbox database `mysql://eventbus:***@127.0.0.1:1/eventbus`"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cret"));
    let out = run(eventbus().args(["outbox", "status"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--url"), "{}", out.stderr);
    let out = run(eventbus().args([
        "outbox",
        "purge",
        "--older-than",
        "soon",
        "--url",
        "sqlite://x.db",
    ]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--older-than"), "{}", out.stderr);
}

#[test]
fn config_check_shows_the_modes_and_needs_an_outbox_for_the_outbox_mode() {
    let file = std::env::temp_dir().join(format!("eventbus-modes-{}.yaml", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "{XBLOCK_PUBLISHED}:\n  a: {{event_key_field: xblock_info.usage_key, enabled: true, mode: outbox}}\n  b: {{event_key_field: xblock_info.usage_key, enabled: true, mode: on-commit}}\n  c: {{event_key_field: xblock_info.usage_key, enabled: true}}\n"
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let check = |mode: Option<&str>, outbox: Option<&str>| {
        let mut command = eventbus();
        command
            .args(["config", "check", "--env", file])
            .env_remove("EVENT_BUS_PRODUCER_CONFIG")
            .env_remove("EVENT_BUS_PRODUCER_MODE");
        if let Some(mode) = mode {
            command.env("EVENT_BUS_PRODUCER_MODE", mode);
        }
        if let Some(url) = outbox {
            command.env("EVENT_BUS_OUTBOX_URL", url);
        }
        run(&mut command)
    };
    let out = check(None, None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "{XBLOCK_PUBLISHED}, topic `a`: `mode` is `outbox` but no outbox is configured"
        )),
        "{}",
        out.stdout
    );
    let out = check(None, Some("sqlite://x.db"));
    assert_eq!(out.code, 0, "{}", out.stdout);
    let line = |topic: &str| {
        out.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{topic} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("a").ends_with("enabled (outbox)"), "{}", out.stdout);
    assert!(line("b").ends_with("enabled (on-commit)"), "{}", out.stdout);
    assert!(line("c").ends_with("enabled"), "{}", out.stdout);
    // The default mode applies to `c`.
    let out = check(Some("on-commit"), Some("sqlite://x.db"));
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("c ") && l.ends_with("enabled (on-commit)")),
        "{}",
        out.stdout
    );
    let out = check(Some("sometimes"), Some("sqlite://x.db"));
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("`EVENT_BUS_PRODUCER_MODE` must be `immediate`, `on-commit` or `outbox`, found the string \"sometimes\""),
        "{}",
        out.stdout
    );
}

#[test]
fn config_check_env_with_the_variable_unset_is_a_usage_error() {
    // Nothing to check: no producer configuration, no connection.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env_remove("EVENT_BUS_PRODUCER_CONFIG")
        .env_remove(names::BOOTSTRAP_SERVERS)
        .env_remove(names::SCHEMA_REGISTRY_URL)
        .env_remove("EVENT_BUS_REDIS_CONNECTION_URL"));
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "nothing to check: EVENT_BUS_PRODUCER_CONFIG is not set (or blank), no connection \
             is configured"
        ),
        "{}",
        out.stderr
    );
    // The connections alone are something to check.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env_remove("EVENT_BUS_PRODUCER_CONFIG"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "kafka {}: PLAINTEXT",
            env(names::BOOTSTRAP_SERVERS)
        )),
        "{}",
        out.stdout
    );
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env("EVENT_BUS_PRODUCER_CONFIG", r#"{"org.openedx.content_authoring.xblock.published.v1": {"acme certs": {"event_key_field": "xblock_info.usage_key", "enabled": true}}}"#));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("topic `acme certs`: not a valid topic name"),
        "{}",
        out.stdout
    );
}
