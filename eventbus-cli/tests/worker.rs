//! `eventbus worker` as a process on the real services: three consumers (two Kafka topics, one
//! Redis stream) in one process; `/readyz` turns ready once all three are in their groups,
//! `/metrics` counts what each consumed, and SIGTERM drains them: exit 0, every event printed,
//! committed (Kafka) and acknowledged (Redis). A consumer that cannot be set up makes the worker
//! exit 3 naming it. `eventbus consume --metrics` serves the same endpoints. With a `[console]`
//! table the operator console is served on the same port.

mod support;

use eventbus_runtime::settings::names;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{create_topic, env, get, stdout_lines, terminate, wait};

const REDIS_URL: &str = "EVENT_BUS_REDIS_CONNECTION_URL";
/// A time before every test topic: a new Kafka group given it reads its topic from the start, so
/// an event produced just after the group's assignment, before its start offset is resolved, is
/// not skipped (a new group otherwise starts at the end of the topic).
const BEGINNING: &str = "2000-01-01T00:00:00Z";
const XBLOCK_PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
const XBLOCK_DATA: &str = r#"{"xblock_info": {"usage_key": "block-v1:edX+DemoX+2026+type@html+block@intro", "block_type": "html"}}"#;

fn eventbus() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("eventbus"));
    command
        .env(names::BOOTSTRAP_SERVERS, env(names::BOOTSTRAP_SERVERS))
        .env(names::SCHEMA_REGISTRY_URL, env(names::SCHEMA_REGISTRY_URL))
        .env(REDIS_URL, env(REDIS_URL))
        .env(names::SERVICE_NAME, "eventbus-worker-test")
        .env_remove(names::TOPIC_PREFIX)
        .env_remove("EVENT_BUS_PRODUCER")
        .env_remove("EVENT_BUS_CONSUMER");
    command
}

fn produce(backend: &str, topic: &str) {
    let out = eventbus()
        .args(["produce", "--backend", backend, "--topic", topic])
        .args(["--event-type", XBLOCK_PUBLISHED, "--data", XBLOCK_DATA])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The value of the sample `series` in a scrape.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        line.strip_prefix(series)?
            .strip_prefix(' ')?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

fn committed(group: &str, topic: &str) -> Option<i64> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", env(names::BOOTSTRAP_SERVERS))
        .set("group.id", group)
        .create()
        .unwrap();
    let mut partitions = rdkafka::TopicPartitionList::new();
    partitions.add_partition(topic, 0);
    let committed = consumer
        .committed_offsets(partitions, Duration::from_secs(30))
        .unwrap();
    match committed.find_partition(topic, 0).unwrap().offset() {
        rdkafka::Offset::Offset(n) => Some(n),
        _ => None,
    }
}

/// `(pending, entries-read)` of `group` on `stream`.
fn redis_group(stream: &str, group: &str) -> (i64, i64) {
    let client = redis::Client::open(env(REDIS_URL)).unwrap();
    let mut connection = client.get_connection().unwrap();
    let groups: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(stream)
        .query(&mut connection)
        .unwrap();
    let ours = groups
        .iter()
        .find(|g| g.get("name") == Some(&redis::Value::BulkString(group.as_bytes().to_vec())))
        .expect("the group exists");
    let int = |name: &str| match ours.get(name) {
        Some(redis::Value::Int(n)) => *n,
        other => panic!("{name}: {other:?}"),
    };
    (int("pending"), int("entries-read"))
}

#[test]
fn a_worker_of_three_consumers_drains_on_sigterm() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (topic_a, topic_b, stream) = (
        format!("worker-a-{id}"),
        format!("worker-b-{id}"),
        format!("worker-s-{id}"),
    );
    create_topic(&topic_a);
    create_topic(&topic_b);
    let port = free_port();
    let (dir, config) = config_file(
        &id,
        "worker.toml",
        &format!(
            "metrics = \"127.0.0.1:{port}\"\n\
             [[consumers]]\ntransport = \"kafka\"\ntopic = \"{topic_a}\"\ngroup = \"ga-{id}\"\n\
             offset_time = \"{BEGINNING}\"\n\
             [[consumers]]\ntransport = \"kafka\"\ntopic = \"{topic_b}\"\ngroup = \"gb-{id}\"\n\
             offset_time = \"{BEGINNING}\"\n\
             [[consumers]]\nname = \"stream\"\ntransport = \"redis\"\ntopic = \"{stream}\"\n\
             group = \"gs-{id}\"\nconsumer_name = \"w1\"\n"
        ),
    );
    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let mut child = eventbus()
        .args(["worker", "--config"])
        .arg(&config)
        .env("EVENTBUS_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let (received, reader) = stdout_lines(&mut child);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base, || {
        std::fs::read_to_string(dir.join("stderr")).unwrap()
    });
    assert_eq!(get(&format!("{base}/livez")).map(|r| r.0), Some(200));

    for _ in 0..3 {
        produce("kafka", &topic_a);
        produce("kafka", &topic_b);
        produce("redis", &stream);
    }
    let mut printed = Vec::new();
    while printed.len() < 9 {
        match received.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => printed.push(line),
            Err(e) => panic!("{} of 9 events printed: {e}", printed.len()),
        }
    }
    assert!(printed.iter().all(|l| l.contains(XBLOCK_PUBLISHED)));
    let (_, metrics) = get(&format!("{base}/metrics")).unwrap();
    for (system, topic, group) in [
        ("kafka", &topic_a, format!("ga-{id}")),
        ("kafka", &topic_b, format!("gb-{id}")),
        ("redis", &stream, format!("gs-{id}")),
    ] {
        let series = format!("eventbus_consumer_processed_messages_total{{system=\"{system}\",topic=\"{topic}\",group=\"{group}\",event_type=\"{XBLOCK_PUBLISHED}\"}}");
        assert_eq!(sample(&metrics, &series), Some(3.0), "{series}");
    }

    let code = terminate(&mut child);
    reader.join().unwrap();
    let log = std::fs::read_to_string(dir.join("stderr")).unwrap();
    assert_eq!(code, 0, "{log}");
    for summary in [
        format!("kafka:{topic_a}/ga-{id}: 3 event(s) processed, 0 dead-lettered"),
        format!("kafka:{topic_b}/gb-{id}: 3 event(s) processed, 0 dead-lettered"),
        "stream: 3 event(s) processed, 0 dead-lettered".to_owned(),
    ] {
        assert!(log.contains(&summary), "{summary}: {log}");
    }
    assert_eq!(committed(&format!("ga-{id}"), &topic_a), Some(3));
    assert_eq!(committed(&format!("gb-{id}"), &topic_b), Some(3));
    assert_eq!(redis_group(&stream, &format!("gs-{id}")), (0, 3));
    let _ = std::fs::remove_dir_all(dir);
}

/// A worker file with `[console]`: the operator console's pages on the operations port, beside
/// `/metrics`, until SIGTERM ends the worker with 0 (and the port with it).
#[test]
fn a_worker_serves_the_console_on_its_operations_port() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let topic = format!("worker-console-{id}");
    create_topic(&topic);
    let port = free_port();
    let (dir, config) = config_file(
        &id,
        "worker.toml",
        &format!(
            "metrics = \"127.0.0.1:{port}\"\n\
             [console]\n\
             [[consumers]]\ntransport = \"kafka\"\ntopic = \"{topic}\"\ngroup = \"g-{id}\"\n"
        ),
    );
    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let mut child = eventbus()
        .args(["worker", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(dir.join("stderr")).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base, log);

    let (status, page) = get(&format!("{base}/")).expect("the overview answers");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>Overview</h1>"), "{page}");
    let (status, page) = get(&format!("{base}/catalog")).expect("the catalog answers");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("75 event types"), "{page}");
    let (status, page) = get(&format!("{base}/no-such-page")).expect("an answer");
    assert_eq!(status, 404, "the console's own not-found page: {page}");
    let (status, metrics) = get(&format!("{base}/metrics")).expect("the metrics answer");
    assert_eq!(status, 200, "{metrics}");
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    assert!(
        metrics.contains(&format!("group=\"g-{id}\"")),
        "the worker's consumer in the metrics: {metrics}"
    );

    assert_eq!(terminate(&mut child), 0, "{}", log());
    assert!(
        log().contains(&format!(
            "worker: operator console on http://127.0.0.1:{port} (read-only)"
        )),
        "{}",
        log()
    );
    assert!(
        get(&format!("{base}/")).is_none(),
        "the console stopped with the worker"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A `[console]` without `metrics`, or with actions on a non-loopback operations address and no
/// token: refused with exit 2 saying why, before anything is served.
#[test]
fn a_console_table_is_refused_without_an_address_or_a_token_off_loopback() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let consumer = "[[consumers]]\ntransport = \"kafka\"\ntopic = \"t\"\ngroup = \"g\"\n";
    let (dir, alone) = config_file(&id, "alone.toml", &format!("[console]\n{consumer}"));
    let out = eventbus()
        .args(["worker", "--config"])
        .arg(&alone)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "[console] is served on the operations address: give `metrics` too \
             (metrics = \"127.0.0.1:9100\", say)"
        ),
        "{stderr}"
    );
    let (_, public) = config_file(
        &id,
        "public.toml",
        &format!("metrics = \"0.0.0.0:9\"\n[console]\nactions = true\n{consumer}"),
    );
    let out = eventbus()
        .args(["worker", "--config"])
        .arg(&public)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refusing to serve actions on 0.0.0.0:9 without a token"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Poll `{base}/readyz` until it answers 200 (at most 60 s); `log()` tells why not.
fn wait_ready(base: &str, log: impl Fn() -> String) {
    let start = Instant::now();
    while get(&format!("{base}/readyz")).map(|r| r.0) != Some(200) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not ready within 60 s: {:?}; log: {}",
            get(&format!("{base}/readyz")),
            log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn consume_serves_metrics_and_readiness_while_it_runs() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (topic, group) = (format!("consume-metrics-{id}"), format!("gc-{id}"));
    create_topic(&topic);
    let port = free_port();
    let mut child = eventbus()
        .args([
            "consume",
            "-t",
            &topic,
            "-g",
            &group,
            "--offset-time",
            BEGINNING,
        ])
        .arg("--metrics")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (received, reader) = stdout_lines(&mut child);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base, String::new);
    assert_eq!(get(&format!("{base}/livez")).map(|r| r.0), Some(200));
    produce("kafka", &topic);
    produce("kafka", &topic);
    for n in 0..2 {
        let line = received
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{n} of 2 events printed: {e}"));
        assert!(line.contains(XBLOCK_PUBLISHED), "{line}");
    }
    let (_, metrics) = get(&format!("{base}/metrics")).unwrap();
    let series = format!("eventbus_consumer_processed_messages_total{{system=\"kafka\",topic=\"{topic}\",group=\"{group}\",event_type=\"{XBLOCK_PUBLISHED}\"}}");
    assert_eq!(sample(&metrics, &series), Some(2.0), "{series}");
    assert_eq!(terminate(&mut child), 0);
    reader.join().unwrap();
    assert_eq!(committed(&group, &topic), Some(2));
    assert!(
        get(&format!("{base}/metrics")).is_none(),
        "the server stopped with the command"
    );
}

/// A scratch folder of the test `id` with the worker configuration `name` holding `text`: the
/// folder and the file.
fn config_file(id: &str, name: &str, text: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("worker-test-{id}"));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(name);
    std::fs::write(&config, text).unwrap();
    (dir, config)
}

#[test]
fn a_consumer_that_cannot_be_set_up_is_named_with_exit_3() {
    let (dir, config) = config_file(
        &uuid::Uuid::new_v4().simple().to_string(),
        "worker.yaml",
        "consumers:\n  - name: certificates\n    transport: redis\n    topic: t\n    group: g\n",
    );
    let out = eventbus()
        .args(["worker", "--config"])
        .arg(&config)
        .env(REDIS_URL, "redis://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error: consumer certificates: "),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_consumer_that_fails_stops_the_others_and_is_named_with_exit_3() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (bad, good) = (format!("worker-bad-{id}"), format!("worker-good-{id}"));
    create_topic(&bad);
    create_topic(&good);
    let (dir, config) = config_file(
        &id,
        "worker.toml",
        &format!(
            "[[consumers]]\nname = \"bad\"\ntransport = \"kafka\"\ntopic = \"{bad}\"\n\
             group = \"g-{id}\"\noffset_time = \"2020-01-01T00:00:00Z\"\n\
             [[consumers]]\nname = \"good\"\ntransport = \"kafka\"\ntopic = \"{good}\"\n\
             group = \"g-{id}\"\n"
        ),
    );
    // A message without CloudEvents headers: with on_error=stop its consumer fails.
    {
        use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
        let producer: BaseProducer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", env(names::BOOTSTRAP_SERVERS))
            .create()
            .unwrap();
        producer
            .send(BaseRecord::to(&bad).key("k").payload("not an event"))
            .map_err(|(e, _)| e)
            .unwrap();
        producer.flush(Duration::from_secs(30)).unwrap();
    }
    let mut child = eventbus()
        .args(["worker", "--config"])
        .arg(&config)
        .env("EVENT_BUS_KAFKA_CONSUMER_ON_ERROR", "stop")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = wait(&mut child, Duration::from_secs(90));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("bad: failed: "), "{stderr}");
    assert!(
        stderr.contains("good: 0 event(s) processed, 0 dead-lettered"),
        "{stderr}"
    );
    assert!(stderr.contains("error: consumer bad failed: "), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A worker with a `[relay]` beside a consumer of the relay's topic: the 5 rows written to its
/// outbox are published, consumed and printed; its `/metrics` shows the backlog at 0; SIGTERM
/// stops both, and the report counts 5 published. Without `EVENT_BUS_OUTBOX_URL` the worker is
/// refused with exit 2, naming the relay and the setting.
#[test]
fn a_worker_relays_its_outbox_beside_its_consumers() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let topic = format!("worker-relay-{id}");
    create_topic(&topic);
    let port = free_port();
    let (dir, config) = config_file(
        &id,
        "worker.toml",
        &format!(
            "metrics = \"127.0.0.1:{port}\"\n\
             [relay]\ntransport = \"kafka\"\n\
             [[consumers]]\nname = \"reader\"\ntransport = \"kafka\"\ntopic = \"{topic}\"\n\
             group = \"g-{id}\"\noffset_time = \"{BEGINNING}\"\n"
        ),
    );
    let outbox = format!("sqlite://{}", dir.join("outbox.db").display());
    let migrated = eventbus()
        .args(["outbox", "migrate", "--url", &outbox])
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    let written = support::write_outbox_rows(&outbox, &topic, 5);

    let refused = eventbus()
        .args(["worker", "--config"])
        .arg(&config)
        .env_remove("EVENT_BUS_OUTBOX_URL")
        .output()
        .unwrap();
    let refusal = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{refusal}");
    assert!(
        refusal.contains("outbox relay: the relay publishes the outbox of EVENT_BUS_OUTBOX_URL"),
        "{refusal}"
    );

    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let mut child = eventbus()
        .args(["worker", "--config"])
        .arg(&config)
        .env("EVENT_BUS_OUTBOX_URL", &outbox)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let (received, reader) = stdout_lines(&mut child);
    let mut printed = Vec::new();
    while printed.len() < written.len() {
        match received.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => printed.push(line),
            Err(e) => panic!(
                "{} of {} events printed: {e}; log: {}",
                printed.len(),
                written.len(),
                std::fs::read_to_string(dir.join("stderr")).unwrap()
            ),
        }
    }
    for id in &written {
        assert_eq!(
            printed
                .iter()
                .filter(|line| line.contains(id.as_str()))
                .count(),
            1,
            "event {id} printed once: {printed:?}"
        );
    }
    let base = format!("http://127.0.0.1:{port}");
    let backlog = format!("eventbus_outbox_pending_rows{{topic=\"{topic}\"}}");
    let start = Instant::now();
    loop {
        let metrics = get(&format!("{base}/metrics"))
            .map(|r| r.1)
            .unwrap_or_default();
        if sample(&metrics, &backlog) == Some(0.0) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{backlog} not 0 within 30 s: {metrics}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    let code = terminate(&mut child);
    reader.join().unwrap();
    let log = std::fs::read_to_string(dir.join("stderr")).unwrap();
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("outbox relay: 5 row(s) published, 0 failed attempt(s), 0 unreadable"),
        "{log}"
    );
    assert!(
        log.contains("reader: 5 event(s) processed, 0 dead-lettered"),
        "{log}"
    );
    assert_eq!(committed(&format!("g-{id}"), &topic), Some(5));
    let _ = std::fs::remove_dir_all(dir);
}
