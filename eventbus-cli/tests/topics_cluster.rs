//! `eventbus topics create` without `--replication-factor` replicates a topic as much as the
//! cluster can hold, min(3, live brokers): 1 on the single broker of `scripts/services.sh`, 3 on
//! its three-broker cluster (`scripts/services.sh up cluster`, which sets
//! `EVENT_BUS_TEST_KAFKA_CLUSTER_SERVERS`; `scripts/test.sh` starts it). A factor given is kept.

mod support;

use eventbus_runtime::settings::names;
use support::{created_lines, eventbus_on_services, run};

/// The cluster's brokers.
const CLUSTER: &str = "EVENT_BUS_TEST_KAFKA_CLUSTER_SERVERS";

fn unique(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::new_v4().simple())
}

/// `eventbus` on the three-broker cluster (and the services' registry).
fn eventbus_on_cluster() -> assert_cmd::Command {
    let servers = std::env::var(CLUSTER).unwrap_or_else(|_| {
        panic!(
            "{CLUSTER} is not set: start the three-broker cluster with `scripts/services.sh up \
             cluster` and `eval \"$(scripts/services.sh env)\"` (scripts/test.sh does)"
        )
    });
    let mut command = eventbus_on_services();
    command.env(names::BOOTSTRAP_SERVERS, servers);
    command
}

#[test]
fn topics_are_replicated_three_times_on_the_cluster_by_default() {
    let topic = unique("cli-cluster");
    let servers = std::env::var(CLUSTER).unwrap_or_default();
    let out = run(eventbus_on_cluster().args(["topics", "create", &topic, "--partitions", "3"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, created_lines(&topic, 3, 3, &servers, true));
    let out = run(eventbus_on_cluster().args(["topics", "describe", &topic]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let partitions: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("  partition "))
        .collect();
    assert_eq!(partitions.len(), 4, "{}", out.stdout);
    for line in partitions {
        // "  partition 0: leader 2, replicas [2, 3, 1], isr [2, 3, 1], low 0, ..."
        let list = |name: &str| -> Vec<i32> {
            let rest = &line[line.find(&format!("{name} [")).expect(name) + name.len() + 2..];
            let mut ids: Vec<i32> = rest[..rest.find(']').expect("]")]
                .split(", ")
                .map(|id| id.parse().expect("a broker id"))
                .collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(list("replicas"), [1, 2, 3], "{line}");
        assert_eq!(list("isr"), [1, 2, 3], "{line}");
    }

    // A factor given is kept.
    let other = unique("cli-cluster");
    let out = run(eventbus_on_cluster().args([
        "topics",
        "create",
        &other,
        "--replication-factor",
        "2",
        "--no-dead-letter",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, created_lines(&other, 1, 2, &servers, false));
}

#[test]
fn topics_are_replicated_once_on_a_single_broker_by_default() {
    let topic = unique("cli-single");
    let servers = support::env(names::BOOTSTRAP_SERVERS);
    let out = run(eventbus_on_services().args(["topics", "create", &topic, "--no-dead-letter"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, created_lines(&topic, 1, 1, &servers, false));
}
