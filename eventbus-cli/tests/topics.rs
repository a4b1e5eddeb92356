//! `eventbus topics` on the real Kafka broker (topic auto-creation off) and Redis of
//! `scripts/services.sh`: create with partitions and the dead-letter topic, list, describe, and
//! the errors of a topic created twice or missing.

mod support;

use support::{created_lines, eventbus_on_services, run};

fn unique(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::new_v4().simple())
}

#[test]
fn create_describe_and_list_a_topic_with_its_dead_letter_topic() {
    let topic = unique("cli-topics");
    let servers = support::env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS");
    let out = run(eventbus_on_services().args(["topics", "create", &topic, "--partitions", "3"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, created_lines(&topic, 3, 1, &servers, true));

    let out = run(eventbus_on_services().args(["topics", "describe", &topic]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut expected = format!("topic {topic}: 3 partition(s), 0 message(s)\n");
    for p in 0..3 {
        expected.push_str(&format!(
            "  partition {p}: leader 1, replicas [1], isr [1], low 0, high 0 (0 message(s))\n"
        ));
    }
    expected.push_str(&format!(
        "dead-letter topic {topic}-dead-letter: 1 partition(s), 0 message(s)\n  partition 0: \
         leader 1, replicas [1], isr [1], low 0, high 0 (0 message(s))\n"
    ));
    assert_eq!(out.stdout, expected);

    let out = run(eventbus_on_services().args(["topics", "list"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ours: Vec<&str> = out.stdout.lines().filter(|l| l.contains(&topic)).collect();
    assert_eq!(
        ours,
        [
            format!("{topic}  3 partition(s)"),
            format!("{topic}-dead-letter  1 partition(s)  dead letters of {topic}"),
        ]
    );

    // Again: a clear error naming the topic and the servers; accepted with --if-not-exists.
    let out = run(eventbus_on_services().args(["topics", "create", &topic, "--partitions", "3"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        format!(
            "error: topic {topic} already exists on the Kafka brokers {servers} (give \
             --if-not-exists to accept it as it is; `eventbus topics describe {topic}` shows it)"
        )
    );
    assert_eq!(out.stdout, "");
    let out = run(eventbus_on_services().args(["topics", "create", &topic, "--if-not-exists"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "topic {topic} already exists: kept as it is on the Kafka brokers {servers}\n\
             dead-letter topic {topic}-dead-letter already exists: kept as it is\n"
        )
    );
}

#[test]
fn a_prefix_and_no_dead_letter_topic() {
    let prefix = unique("pfx");
    let out = run(eventbus_on_services()
        .env("EVENT_BUS_TOPIC_PREFIX", &prefix)
        .args(["topics", "create", "certs", "--no-dead-letter"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(
        out.stdout
            .starts_with(&format!("created topic {prefix}-certs (1 partition(s)")),
        "{}",
        out.stdout
    );
    let out = run(eventbus_on_services()
        .env("EVENT_BUS_TOPIC_PREFIX", &prefix)
        .args(["topics", "describe", "certs"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.ends_with(&format!(
            "dead-letter topic {prefix}-certs-dead-letter: does not exist\n"
        )),
        "{}",
        out.stdout
    );
    // With a prefix, list shows that prefix's topics only.
    let out = run(eventbus_on_services()
        .env("EVENT_BUS_TOPIC_PREFIX", &prefix)
        .args(["topics", "list"]));
    assert_eq!(out.stdout, format!("{prefix}-certs  1 partition(s)\n"));
}

#[test]
fn missing_topics_and_bad_arguments_are_named() {
    let servers = support::env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS");
    let topic = unique("cli-missing");
    let out = run(eventbus_on_services().args(["topics", "describe", &topic]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        format!(
            "error: topic {topic} does not exist on the Kafka brokers {servers} (`eventbus \
             topics create {topic}` creates it)"
        )
    );
    let out = run(eventbus_on_services().args(["topics", "create", "a b"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("`a b` is not a valid topic name"),
        "{}",
        out.stderr
    );
    let out = run(eventbus_on_services().args(["topics", "create", &topic, "--partitions", "0"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--partitions must be at least 1, not 0"),
        "{}",
        out.stderr
    );
    // The brokers' refusal: exit 1, naming the topic and the servers.
    let out =
        run(eventbus_on_services().args(["topics", "create", &topic, "--replication-factor", "3"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        format!(
            "error: create topic {topic} on the Kafka brokers {servers}: InvalidReplicationFactor \
             (Broker: Invalid replication factor)"
        )
    );
    let out = run(eventbus_on_services().args(["topics", "create", "--backend", "redis", &topic]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("topics create is for Kafka: a Redis stream is created by its first entry"),
        "{}",
        out.stderr
    );
    // Unreachable brokers: named, exit 3.
    let out = run(eventbus_on_services()
        .env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
        .env("EVENT_BUS_KAFKA_PRODUCE_TIMEOUT", "2")
        .args(["topics", "describe", &topic]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .lines()
            .last()
            .unwrap_or_default()
            .starts_with("error: cannot reach the Kafka bootstrap servers 127.0.0.1:1 within 2s"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_says_the_defaults_and_what_redrive_leaves() {
    let help = |args: &[&str]| {
        let out = run(eventbus_on_services().args(args).arg("--help"));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        out.stdout.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let create = help(&["topics", "create"]);
    for expected in [
        "The default (1) suits a single broker and keeps every event in order",
        "Default: what the cluster can hold, min(3, live brokers): 1 on a single broker, 3 on a production cluster",
        "A topic that already exists is an error unless --if-not-exists",
        "Kafka only: a Redis stream is created by its first entry",
    ] {
        assert!(create.contains(expected), "{expected:?} not in:\n{create}");
    }
    let redrive = help(&["dead-letters", "redrive"]);
    for expected in [
        "Kafka cannot delete messages: the dead letters stay in the dead-letter topic",
        "The range redriven is printed: start the next redrive after it (--from-offset)",
        "--delete removes each redriven entry from the dead-letter stream once its copy is in \
         the source stream",
        "each acknowledged by the brokers (acks=all) before the next",
    ] {
        assert!(
            redrive.contains(expected),
            "{expected:?} not in:\n{redrive}"
        );
    }
    for args in [
        &["topics"][..],
        &["topics", "list"],
        &["topics", "describe"],
        &["dead-letters"],
        &["dead-letters", "list"],
        &["dead-letters", "show"],
    ] {
        assert!(help(args).contains("Usage: eventbus"), "{args:?}");
    }
}

/// Whether `topics describe` finds the topic (a deletion takes a moment to reach the metadata).
fn eventually_gone(topic: &str) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let out = run(eventbus_on_services().args(["topics", "describe", topic]));
        if out.code == 1 && out.stderr.contains("does not exist") {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

#[test]
fn delete_needs_yes_then_removes_the_topic_and_its_dead_letter_topic() {
    let servers = support::env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS");
    let topic = unique("cli-delete");
    let out = run(eventbus_on_services().args(["topics", "create", &topic]));
    assert_eq!(out.code, 0, "{}", out.stderr);

    // Without --yes: refused, naming what would go, and nothing is deleted.
    let out = run(eventbus_on_services().args(["topics", "delete", &topic]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        format!(
            "error: topics delete removes the topic {topic} and its dead-letter topic \
             {topic}-dead-letter from the Kafka brokers {servers}, with every message in them, \
             for good: give --yes to confirm"
        )
    );
    let out = run(eventbus_on_services().args(["topics", "describe", &topic]));
    assert_eq!(out.code, 0, "still there: {}", out.stderr);

    let out = run(eventbus_on_services().args(["topics", "delete", &topic, "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "deleted topic {topic} on the Kafka brokers {servers}\n\
             deleted dead-letter topic {topic}-dead-letter\n"
        )
    );
    assert!(eventually_gone(&topic), "{topic} still described");
    assert!(
        eventually_gone(&format!("{topic}-dead-letter")),
        "its dead-letter topic still described"
    );

    // Gone: an error naming it, unless --if-exists.
    let out = run(eventbus_on_services().args(["topics", "delete", &topic, "--yes"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "error: topic {topic} does not exist on the Kafka brokers {servers}"
        )),
        "{}",
        out.stderr
    );
    let out =
        run(eventbus_on_services().args(["topics", "delete", &topic, "--yes", "--if-exists"]));
    assert_eq!(out.code, 0, "{}", out.stderr);

    // --keep-dead-letter keeps it.
    let kept = unique("cli-delete-keep");
    let out = run(eventbus_on_services().args(["topics", "create", &kept]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(eventbus_on_services().args([
        "topics",
        "delete",
        &kept,
        "--yes",
        "--keep-dead-letter",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("deleted topic {kept} on the Kafka brokers {servers}\n")
    );
    assert!(eventually_gone(&kept));
    let out = run(eventbus_on_services().args(["topics", "list"]));
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with(&format!("{kept}-dead-letter "))),
        "{}",
        out.stdout
    );
    let out = run(eventbus_on_services().args([
        "topics",
        "delete",
        &format!("{kept}-dead-letter"),
        "--yes",
        "--keep-dead-letter",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
}
