//! The `eventbus` command line, run as a process: exit codes, reports, and the main job on the
//! embedded default and on the real Kafka broker and schema registry started by
//! `scripts/services.sh` (their addresses come from its `env`, as `scripts/test.sh` sets them).

mod support;

use assert_cmd::Command;
use eventbus_runtime::settings::names;
use serde_json::Value;
use std::path::PathBuf;
use support::{
    committed_and_dead_letters, create_topic, eventbus, eventbus_on_services,
    eventbus_on_services_std, eventbus_std, produce_xblock, run, Output, REDIS_URL, XBLOCK_DATA,
    XBLOCK_PUBLISHED,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/producer_config")
        .join(name)
}

#[test]
fn demo_round_trip_on_the_embedded_default() {
    let out = run(eventbus().args(["demo", "--events", "4", "--verbose"]));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("embedded default: mock Kafka cluster at 127.0.0.1:"),
        "{}",
        out.stderr
    );
    // 3 event types, 4 events each; xblock.published goes to 2 enabled topics.
    assert!(
        out.stdout
            .contains("ok: 12 event(s) sent, 16 reception(s), 0 missing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("content-authoring-xblock-archive"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("disabled, not produced"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "consumer of content-authoring-xblock-published: 4 processed, 0 dead-lettered"
        ),
        "{}",
        out.stdout
    );
    // The catalog-info topic goes through the outbox (a SQLite file of the run) and its relay.
    assert!(out.stdout.contains("produced (outbox)"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(".db: 4 row(s) published by the relay, 0 failed attempt(s)"),
        "{}",
        out.stdout
    );
    // --verbose: each reception as a JSON line, with the metadata that travelled in the headers.
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 16);
    for line in &lines {
        assert_eq!(
            line["metadata"]["source"], "openedx/eventbus-demo/web",
            "{line}"
        );
        assert_eq!(line["event_type"], line["metadata"]["event_type"]);
    }
}

#[test]
fn demo_with_a_configuration_file_and_a_topic_prefix() {
    let out = run(eventbus()
        .args(["demo", "--events", "2", "--config"])
        .arg(fixture("producer.toml"))
        .env(names::TOPIC_PREFIX, "dev"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // producer.toml: catalog_info.changed to 1 enabled topic, xblock.published to 2.
    assert!(
        out.stdout
            .contains("ok: 4 event(s) sent, 6 reception(s), 0 missing"),
        "{}",
        out.stdout
    );
}

#[test]
fn demo_refuses_an_invalid_configuration() {
    let out = run(eventbus()
        .args(["demo", "--config"])
        .arg(fixture("invalid.yaml")));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("no-such-field"), "{}", out.stderr);
}

#[test]
fn config_check_reports_every_problem() {
    let out = run(eventbus()
        .args(["config", "check"])
        .arg(fixture("invalid.yaml")));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    for topic in [
        "no-such-field",
        "ends-on-record",
        "ends-on-optional",
        "through-scalar",
        "missing-key",
        "yes-is-not-a-boolean",
        "misspelled",
        "not-a-map",
        "certificate_config.changed.v1: the event type is in-process only",
        "catalog_info.changed.v2: unknown event type",
    ] {
        assert!(
            out.stdout.contains(topic),
            "{topic} not reported:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stderr
            .contains("problem(s) in the producer configuration"),
        "{}",
        out.stderr
    );

    let out = run(eventbus()
        .args(["config", "check"])
        .arg(fixture("producer.yaml"))
        .arg(fixture("override.yaml")));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("valid: "), "{}", out.stdout);

    let out = run(eventbus()
        .args(["config", "check", "--env", "--json"])
        .env("EVENT_BUS_PRODUCER_CONFIG", format!(r#"{{"{XBLOCK_PUBLISHED}": {{"t": {{"event_key_field": "xblock_info.usage_key", "enabled": true}}}}}}"#)));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json[XBLOCK_PUBLISHED]["t"]["event_key_field"],
        "xblock_info.usage_key"
    );

    let out = run(eventbus().args(["config", "check"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn config_check_warns_when_nothing_is_produced() {
    // Set but empty: valid, and flagged.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env("EVENT_BUS_PRODUCER_CONFIG", "{}"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "warning: no enabled topic: this configuration produces no event to the event bus \
             (is EVENT_BUS_PRODUCER_CONFIG set?)"
        ),
        "{}",
        out.stdout
    );
    // Every topic disabled: the same.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env("EVENT_BUS_PRODUCER_CONFIG", format!(r#"{{"{XBLOCK_PUBLISHED}": {{"t": {{"event_key_field": "xblock_info.usage_key", "enabled": false}}}}}}"#)));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("warning: no enabled topic"),
        "{}",
        out.stdout
    );
    // One enabled topic: no warning.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env("EVENT_BUS_PRODUCER_CONFIG", format!(r#"{{"{XBLOCK_PUBLISHED}": {{"t": {{"event_key_field": "xblock_info.usage_key", "enabled": true}}}}}}"#)));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("warning"), "{}", out.stdout);
    // Unset, with a connection configured: the connection is shown, and the unset setting flagged.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env(names::BOOTSTRAP_SERVERS, "broker-1.example:9092")
        .env(names::SCHEMA_REGISTRY_URL, "http://registry.example/"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "warning: EVENT_BUS_PRODUCER_CONFIG is not set (or blank): this service produces no \
             event to the event bus"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn produce_validates_the_data_before_touching_the_bus() {
    let out = run(eventbus().args([
        "produce",
        "--event-type",
        XBLOCK_PUBLISHED,
        "--topic",
        "t",
        "--data",
        r#"{"xblock_info": {"usage_key": "not-a-key", "block_type": "html"}}"#,
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("field `xblock_info.usage_key`"),
        "{}",
        out.stderr
    );

    let out = run(eventbus()
        .args(["produce", "--event-type", XBLOCK_PUBLISHED, "--topic", "t"])
        .args(["--key-field", "xblock_info.nope", "--data", XBLOCK_DATA]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("xblock_info.nope"), "{}", out.stderr);

    let out = run(eventbus()
        .args([
            "produce",
            "--event-type",
            "org.openedx.nope.v1",
            "--topic",
            "t",
        ])
        .args(["--data", "{}"]));
    assert_eq!(out.code, 2, "{}", out.stderr);

    // Valid data, but no bus configured: a usage error naming the setting.
    let out = run(eventbus()
        .args(["produce", "--event-type", XBLOCK_PUBLISHED, "--topic", "t"])
        .args(["--data", XBLOCK_DATA]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(names::BOOTSTRAP_SERVERS),
        "{}",
        out.stderr
    );
}

#[test]
fn consume_refuses_unknown_options_and_those_of_the_other_backend() {
    for (backend, extra, message) in [
        (
            "kafka",
            r#"{"from_start": true}"#,
            "unknown option `from_start`",
        ),
        (
            "kafka",
            r#"{"check_backlog": true}"#,
            "check_backlog only apply to the redis backend",
        ),
        (
            "redis",
            r#"{"offset_time": "2020-01-01T00:00:00Z"}"#,
            "offset_time only applies to the kafka backend",
        ),
    ] {
        let out = run(eventbus()
            .args(["consume", "--topic", "t", "--group-id", "g"])
            .args(["--backend", backend, "--extra", extra]));
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains(message), "{}", out.stderr);
    }
    // Without the Redis URL, the setting is named.
    let out = run(eventbus()
        .args(["consume", "--topic", "t", "--group-id", "g"])
        .env(
            "EVENT_BUS_CONSUMER",
            "edx_event_bus_redis.RedisEventConsumer",
        ));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(REDIS_URL), "{}", out.stderr);
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["events", "--help"],
        vec!["schemas", "check", "--help"],
        vec!["config", "check", "--help"],
        vec!["produce", "--help"],
        vec!["consume", "--help"],
        vec!["demo", "--help"],
    ] {
        let out = run(eventbus().args(&args));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.contains("Usage: eventbus"),
            "{args:?}: {}",
            out.stdout
        );
    }
    assert_eq!(run(eventbus().arg("nope")).code, 2);
}

#[test]
fn consume_help_says_where_a_new_group_starts() {
    let out = run(eventbus().args(["consume", "--help"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let help = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "a new consumer group starts at the END of the topic, as Python's consumer does",
        "--offset-time 2020-01-01T00:00:00Z (Kafka)",
        r#"--extra '{"check_backlog": true}' (Redis)"#,
        "Without it a new group starts at the end of the topic",
    ] {
        assert!(help.contains(expected), "{expected:?} not in:\n{help}");
    }
}

#[test]
fn demo_round_trip_on_the_real_broker_and_registry() {
    let out = run(eventbus_on_services().args(["demo", "--events", "3"]));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("Kafka at 127.0.0.1:"), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("ok: 9 event(s) sent, 12 reception(s), 0 missing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("3 row(s) published by the relay"),
        "{}",
        out.stdout
    );
}

#[test]
fn produce_names_its_source_and_warns_when_the_service_is_unset() {
    let topic = format!("cli-source-{}", uuid::Uuid::new_v4().simple());
    create_topic(&topic);
    let produce = |command: &mut assert_cmd::Command, service: &[&str]| {
        run(command
            .args([
                "produce",
                "--event-type",
                XBLOCK_PUBLISHED,
                "--topic",
                &topic,
            ])
            .args(["--data", XBLOCK_DATA])
            .args(service))
    };
    let source = |out: &Output| -> Value {
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str::<Value>(out.stdout.trim()).unwrap()["source"].clone()
    };
    // No service name anywhere: Python's placeholder, and a warning saying how to set it.
    let out = produce(
        eventbus_on_services()
            .env_remove(names::SERVICE_NAME)
            .env_remove("SERVICE_VARIANT"),
        &[],
    );
    assert_eq!(source(&out), "openedx/SERVICE_NAME_UNSET/web");
    assert!(
        out.stderr.contains(
            "warning: no service name (--service, EVENTS_SERVICE_NAME or SERVICE_VARIANT): the \
             event's source is openedx/SERVICE_NAME_UNSET/web, as Python sends it"
        ),
        "{}",
        out.stderr
    );
    // --service, or the setting: no warning.
    let out = produce(
        eventbus_on_services().env_remove(names::SERVICE_NAME),
        &["--service", "lms"],
    );
    assert_eq!(source(&out), "openedx/lms/web");
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let out = produce(&mut eventbus_on_services(), &[]);
    assert_eq!(source(&out), "openedx/eventbus-cli-test/web");
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let out = produce(&mut eventbus_on_services(), &["--service", " "]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn produce_then_consume_through_the_real_broker() {
    let topic = format!("cli-test-{}", uuid::Uuid::new_v4().simple());
    create_topic(&topic);
    let out = produce_xblock(&topic);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let delivery: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(delivery["topic"], topic.as_str());
    assert_eq!(delivery["offset"], 0);

    let out = run(eventbus_on_services()
        .args([
            "consume",
            "--topic",
            &topic,
            "--group-id",
            &format!("{topic}-group"),
        ])
        .args([
            "--extra",
            r#"{"offset_time": "2020-01-01T00:00:00Z", "max_messages": 1}"#,
        ])
        .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(line["event_type"], XBLOCK_PUBLISHED);
    assert_eq!(line["metadata"]["id"], delivery["id"]);
    assert_eq!(line["metadata"]["source"], "openedx/eventbus-cli-test/web");
    assert_eq!(
        line["data"]["xblock_info"]["usage_key"],
        "block-v1:edX+DemoX+2026+type@html+block@intro"
    );
    // Where it was read from, beside the event; the key decoded with its registry schema.
    assert_eq!(line["topic"], topic.as_str());
    assert_eq!(line["partition"], 0);
    assert_eq!(line["offset"], 0);
    assert_eq!(line["key"], "block-v1:edX+DemoX+2026+type@html+block@intro");
    assert!(
        out.stderr.contains("1 event(s) processed, 0 dead-lettered"),
        "{}",
        out.stderr
    );
}

#[test]
fn produce_then_consume_through_redis() {
    let url = std::env::var(REDIS_URL).unwrap_or_else(|_| {
        panic!("{REDIS_URL} is not set: run the tests with scripts/test.sh, which starts Redis")
    });
    produce_then_consume_through_redis_with(&[(REDIS_URL, url)]);
}

/// The same through Redis' TLS port, as its ACL user, trusting the test CA (all from
/// `scripts/services.sh env`).
#[test]
fn produce_then_consume_through_redis_over_tls_as_an_acl_user() {
    let ca = PathBuf::from(support::env("EVENTBUS_TEST_TLS_DIR")).join("ca.pem");
    produce_then_consume_through_redis_with(&[
        (REDIS_URL, support::env("EVENTBUS_TEST_REDIS_TLS_URL")),
        (
            "EVENT_BUS_REDIS_USERNAME",
            support::env("EVENTBUS_TEST_REDIS_ACL_USER"),
        ),
        (
            "EVENT_BUS_REDIS_PASSWORD",
            support::env("EVENTBUS_TEST_REDIS_ACL_PASSWORD"),
        ),
        ("EVENT_BUS_REDIS_SSL_CA_LOCATION", ca.display().to_string()),
    ]);
}

/// Produce an event with `eventbus produce` and read it back with `eventbus consume`, both with
/// the Redis settings `settings`.
fn produce_then_consume_through_redis_with(settings: &[(&str, String)]) {
    let topic = format!("cli-test-{}", uuid::Uuid::new_v4().simple());
    let redis = |command: &mut Command| {
        command
            .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
            .env("EVENT_BUS_PRODUCER", "edx_event_bus_redis.create_producer")
            .env(names::SERVICE_NAME, "eventbus-cli-test");
    };
    let mut produce = eventbus();
    redis(&mut produce);
    let out = run(produce
        .args([
            "produce",
            "--event-type",
            XBLOCK_PUBLISHED,
            "--topic",
            &topic,
        ])
        .args(["--data", XBLOCK_DATA]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let delivery: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(delivery["topic"], topic.as_str());
    assert!(delivery["entry_id"].as_str().unwrap().contains('-'));
    assert_eq!(delivery.get("offset"), None, "no Kafka offset for Redis");

    let mut consume = eventbus();
    redis(&mut consume);
    let out = run(consume
        .args(["consume", "--backend", "redis", "--topic", &topic])
        .args(["--group-id", "g", "--consumer-name", "cli"])
        .args(["--extra", r#"{"check_backlog": true, "max_messages": 1}"#])
        .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(line["event_type"], XBLOCK_PUBLISHED);
    assert_eq!(line["metadata"]["id"], delivery["id"]);
    assert_eq!(line["metadata"]["source"], "openedx/eventbus-cli-test/web");
    assert_eq!(line["stream"], topic.as_str());
    assert_eq!(line["entry_id"], delivery["entry_id"]);
    assert_eq!(line.get("offset"), None, "no Kafka offset for Redis");
    assert!(
        out.stderr.contains("1 event(s) processed, 0 dead-lettered"),
        "{}",
        out.stderr
    );
}

/// Run `command` with its standard output closed before it writes anything (as `| head -0`
/// would), so its first write fails with a broken pipe.
fn run_with_closed_stdout(command: &mut std::process::Command) -> Output {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap().into()
}

#[test]
fn every_printing_command_exits_quietly_on_a_closed_pipe() {
    let schemas_dir =
        std::env::temp_dir().join(format!("eventbus-cli-pipe-{}", std::process::id()));
    for args in [
        vec!["events", "list"],
        vec!["events", "list", "--json"],
        vec!["events", "show", XBLOCK_PUBLISHED],
        vec!["schemas", "check"],
        vec![
            "schemas",
            "generate",
            "--dir",
            schemas_dir.to_str().unwrap(),
        ],
        vec!["demo", "--events", "1", "--verbose"],
    ] {
        let out = run_with_closed_stdout(eventbus_std().args(&args));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("error"), "{args:?}: {}", out.stderr);
    }
    let out = run_with_closed_stdout(
        eventbus_std()
            .args(["config", "check"])
            .arg(fixture("producer.toml")),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    // A check that fails still says so on standard error, with its exit code.
    let out = run_with_closed_stdout(
        eventbus_std()
            .args(["config", "check"])
            .arg(fixture("invalid.yaml")),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(schemas_dir);
}

#[test]
fn consume_stops_on_a_closed_pipe_without_committing_or_dead_lettering() {
    let topic = format!("cli-pipe-{}", uuid::Uuid::new_v4().simple());
    let group = format!("{topic}-group");
    create_topic(&topic);
    for _ in 0..3 {
        let out = produce_xblock(&topic);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let consume = |extra: &str| {
        let mut command = eventbus_on_services_std();
        command.args([
            "consume",
            "--topic",
            &topic,
            "--group-id",
            &group,
            "--extra",
            extra,
        ]);
        command
    };
    let dead_letter_topic = format!("{topic}-dead-letter");

    // Standard output closed before the first event: nothing printed, nothing committed past
    // the start, nothing dead-lettered, a quiet exit.
    let out = run_with_closed_stdout(&mut consume(r#"{"offset_time": "2020-01-01T00:00:00Z"}"#));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    assert!(!out.stderr.contains("dead-letter"), "{}", out.stderr);
    // The replay placed the group at offset 0 (the next message to read): the first event.
    assert_eq!(
        committed_and_dead_letters(&group, &topic, &dead_letter_topic),
        (Some(0), 0)
    );

    // One event printed and committed; then a closed pipe leaves the commit where it was.
    let out = run(Command::from_std(consume(
        r#"{"offset_time": "2020-01-01T00:00:00Z", "max_messages": 1}"#,
    ))
    .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert_eq!(
        committed_and_dead_letters(&group, &topic, &dead_letter_topic),
        (Some(1), 0)
    );
    let out = run_with_closed_stdout(&mut consume("{}"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        committed_and_dead_letters(&group, &topic, &dead_letter_topic),
        (Some(1), 0)
    );
    // The events not printed are still there for the next run.
    let out = run(Command::from_std(consume(r#"{"max_messages": 2}"#))
        .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    assert_eq!(
        committed_and_dead_letters(&group, &topic, &dead_letter_topic),
        (Some(3), 0)
    );
}

const REDEMPTION_REVERSED: &str = "org.openedx.enterprise.subsidy.redemption-reversed.v1";

#[test]
fn the_schema_registry_refusal_of_a_dash_in_a_namespace_is_explained() {
    let cause =
        format!("the namespace `{REDEMPTION_REVERSED}` holds `-`, which Avro names do not allow");
    let out = run(eventbus().args(["events", "show", REDEMPTION_REVERSED]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "schema registry: refused as invalid (error 42201) by registries that check Avro names, \
             such as Apicurio, so it cannot be produced to Kafka there (from Python either): {cause}"
        )),
        "{}",
        out.stdout
    );
    let out = run(eventbus().args(["events", "show", XBLOCK_PUBLISHED]));
    assert!(!out.stdout.contains("schema registry:"), "{}", out.stdout);

    // The topic exists: the producer checks it before the registry.
    let topic = format!("cli-dash-{}", uuid::Uuid::new_v4().simple());
    create_topic(&topic);
    let out = run(eventbus_on_services()
        .args([
            "produce",
            "--event-type",
            REDEMPTION_REVERSED,
            "--topic",
            &topic,
        ])
        .args(["--key-field", "redemption.subsidy_identifier"])
        .args([
            "--data",
            r#"{"redemption": {"subsidy_identifier": "s", "content_key": "c", "lms_user_id": 1}}"#,
        ]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("error 42201"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("; the cause: {cause}")),
        "{}",
        out.stderr
    );
}

#[test]
fn produce_names_an_invalid_surrogate_in_the_json() {
    let out = run(eventbus()
        .args(["produce", "--event-type", XBLOCK_PUBLISHED, "--topic", "t"])
        .args(["--data", "-"])
        .write_stdin("{\"xblock_info\": {\n  \"block_type\": \"h\\udc00tml\"}}"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: standard input is not JSON: the string escape `\\udc00` at line 2, column 19 \
             is an invalid surrogate (a low surrogate without a high one before it)"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn redis_consume_stops_on_a_closed_pipe_with_the_entry_still_pending() {
    let url = std::env::var(REDIS_URL).unwrap_or_else(|_| {
        panic!("{REDIS_URL} is not set: run the tests with scripts/test.sh, which starts Redis")
    });
    let topic = format!("cli-pipe-{}", uuid::Uuid::new_v4().simple());
    let mut produce = eventbus_std();
    produce.env(REDIS_URL, &url).args([
        "produce",
        "--backend",
        "redis",
        "--event-type",
        XBLOCK_PUBLISHED,
        "--topic",
        &topic,
        "--data",
        XBLOCK_DATA,
    ]);
    let out = run(&mut Command::from_std(produce));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let delivery: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let consume = |extra: &str| {
        let mut command = eventbus_std();
        command.env(REDIS_URL, &url).args([
            "consume",
            "--backend",
            "redis",
            "--topic",
            &topic,
            "--group-id",
            "g",
            "--consumer-name",
            "cli",
            "--extra",
            extra,
        ]);
        command
    };
    let out = run_with_closed_stdout(&mut consume(r#"{"check_backlog": true}"#));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    // Not acknowledged: the same consumer reads the entry again first.
    let out = run(Command::from_std(consume(r#"{"max_messages": 1}"#))
        .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(line["metadata"]["id"], delivery["id"]);
    assert!(
        out.stderr.contains("1 event(s) processed, 0 dead-lettered"),
        "{}",
        out.stderr
    );
}

#[test]
fn events_show_suggests_the_nearest_event_types() {
    let out = run(eventbus().args(["events", "show", "certificate.create.v1"]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: unknown event type \"certificate.create.v1\"; did you mean one of: \
         org.openedx.learning.certificate.created.v1"
    );
    let out = run(eventbus().args([
        "events",
        "show",
        "org.openedx.learning.course.enrolment.created.v1",
    ]));
    assert!(
        out.stderr
            .contains("did you mean one of: org.openedx.learning.course.enrollment.created.v1, "),
        "{}",
        out.stderr
    );
    let out = run(eventbus().args(["events", "show", "nothing.like.this"]));
    assert!(
        out.stderr.contains("`eventbus events list` shows them all"),
        "{}",
        out.stderr
    );
}

/// `config check --env` prints the effective security of each connection with every secret
/// masked, and the librdkafka this binary was built with: TLS, SCRAM and OIDC in every build (the
/// container image builds the same binary). Contradictions are refused by name.
#[test]
fn config_check_env_shows_each_connection_s_security_with_secrets_masked() {
    let dir = std::env::temp_dir().join(format!("config-check-security-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let ca = ca.display().to_string();
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env(names::BOOTSTRAP_SERVERS, "broker-1.example:9096")
        .env(names::SCHEMA_REGISTRY_URL, "https://registry.example/")
        .env(names::SCHEMA_REGISTRY_API_KEY, "registry-user")
        .env(names::SCHEMA_REGISTRY_API_SECRET, "MARKER-registry-secret")
        .env(names::SASL_MECHANISM, "SCRAM-SHA-512")
        .env(names::API_KEY, "eventbus")
        .env(names::API_SECRET, "MARKER-kafka-secret")
        .env(names::SSL_CA_LOCATION, &ca)
        .env(names::CONSUMER_GROUP_INSTANCE_ID, "lms-worker-0")
        .env("EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS", "10000")
        .env(
            "EVENT_BUS_KAFKA_OPTION_SSL_KEYSTORE_PASSWORD",
            "MARKER-keystore",
        )
        .env(
            REDIS_URL,
            "rediss://worker:MARKER-redis@redis.example:6380/0",
        ));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let all = format!("{}\n{}", out.stdout, out.stderr);
    assert!(!all.contains("MARKER"), "a secret is shown:\n{all}");
    for expected in [
        format!(
            "kafka broker-1.example:9096: SASL_SSL, SCRAM-SHA-512 as user \"eventbus\" \
             (password ***), TLS with CA {ca}, hostname verified"
        ),
        "kafka options: session.timeout.ms=10000, ssl.keystore.password=***".to_owned(),
        "kafka consumer groups: classic protocol, cooperative-sticky, session 10s, static member \
         \"lms-worker-0\", revocation drain 10s"
            .to_owned(),
        "schema registry https://registry.example: basic auth as \"registry-user\" (password ***)"
            .to_owned(),
        "schema registry TLS: trusts the system's CAs".to_owned(),
        "redis: rediss://worker:***@redis.example:6380/0".to_owned(),
    ] {
        assert!(
            out.stdout.contains(&expected),
            "{expected}\nnot in:\n{}",
            out.stdout
        );
    }
    let features = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("librdkafka "))
        .unwrap_or_else(|| panic!("no librdkafka line:\n{}", out.stdout));
    for feature in eventbus_runtime::kafka::build_info::REQUIRED_FEATURES {
        assert!(
            features.split([' ', ',']).any(|f| f == *feature),
            "this build of librdkafka lacks {feature}: {features}"
        );
    }

    // A contradiction: refused, naming both settings, exit 1.
    let out = run(eventbus()
        .args(["config", "check", "--env"])
        .env(names::BOOTSTRAP_SERVERS, "broker-1.example:9096")
        .env(names::SCHEMA_REGISTRY_URL, "https://registry.example/")
        .env(names::SECURITY_PROTOCOL, "PLAINTEXT")
        .env(names::SSL_CA_LOCATION, &ca));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "kafka: settings EVENT_BUS_KAFKA_SSL_CA_LOCATION and \
             EVENT_BUS_KAFKA_SECURITY_PROTOCOL contradict each other: PLAINTEXT has no TLS"
        ),
        "{}",
        out.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
