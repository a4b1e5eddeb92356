//! The Django package `edx-event-bus-outbox/` (issue 22) end to end, on the real services: a small
//! Django service (`tests/django/`: a view that saves a row and sends openedx-events'
//! SESSION_LOGIN_COMPLETED, routed to the outbox producer by `EVENT_BUS_PRODUCER_CONFIG` alone,
//! with `ATOMIC_REQUESTS`), driven in process by `tests/django/drive.py` with Django's test
//! Client, on SQLite, MariaDB and PostgreSQL:
//!
//! 1. the Django migration makes the tables of the Rust migration (compared by introspection:
//!    columns, types, nullability, defaults, indexes), and each side accepts the other's tables;
//! 2. committed requests are published by the relay to Kafka, then Redis, and received by the
//!    Python consumers (edx-event-bus-kafka, edx-event-bus-redis) with equal data and metadata,
//!    exactly once; requests that fail after the send leave no row and publish nothing; the row
//!    bytes equal those `OutboxRow::new` makes for the same event and metadata; the package's
//!    status command matches `eventbus outbox status`;
//! 3. `immediate` topics go to the immediate producer; invalid settings stop the start-up with
//!    every error named; the missing table is a check warning;
//! 4. 10 000 requests while the (private) broker is SIGSTOPped for 20 s, and again while it is
//!    SIGKILLed and restarted 10 s later: all delivered once (SQLite);
//! 5. the package installs with pip from the repository path into a fresh venv.
//!
//! The MariaDB and PostgreSQL tables are those of `eventbus` (as tests/tests/outbox.rs uses
//! them): the tests take one lock and start from empty tables. Needs the services
//! (`eval "$(scripts/services.sh up)"`) and the reference venv (`EVENTBUS_PYTHON`, made by
//! `scripts/python-venv.sh` with the package installed). `-- --nocapture` shows the counts.

#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/mod.rs"]
mod support;

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::outbox::{Outbox, OutboxRow, Relay, RelayOptions};
use eventbus_runtime::redis::RedisProducer;
use eventbus_runtime::settings::RedisSettings;
use eventbus_runtime::EventsMetadata;
use eventbus_tests::fault::outbox::{relay_options, wait_published};
use eventbus_tests::fault::{exclusive, fault_settings, BrokerFault, PrivateKafka};
use kafka_support::{builder, create_topics, descriptor, service_env, unique};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const LOGIN: &str = "org.openedx.learning.auth.session.login.completed.v1";
const KEY_FIELD: &str = "user.pii.username";
const TOPIC: &str = "django-logins";

/// The MariaDB and PostgreSQL tables are shared by the tests of this file.
static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A database under test: its name for the messages and its URL (Django's and the relay's).
struct Db {
    name: &'static str,
    url: String,
}

fn required(name: &str) -> String {
    eventbus_tests::required_env(name, "MariaDB and PostgreSQL")
}

/// A new SQLite file of this test process.
fn sqlite_file(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eventbus-django-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let file = dir.join(format!("{test}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    file
}

/// SQLite (a file of this test), MariaDB and PostgreSQL.
fn databases(test: &str) -> Vec<Db> {
    vec![
        Db {
            name: "SQLite",
            url: format!("sqlite://{}", sqlite_file(test).display()),
        },
        Db {
            name: "MariaDB",
            url: required("EVENT_BUS_TEST_MYSQL_URL"),
        },
        Db {
            name: "PostgreSQL",
            url: required("EVENT_BUS_TEST_POSTGRES_URL"),
        },
    ]
}

/// Run `tests/django/drive.py ARGS` on the database `url` with `env`.
fn drive(url: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let script = support::workspace_root().join("tests/django/drive.py");
    Command::new(support::python())
        .arg(&script)
        .args(args)
        .env("EVENTBUS_DJANGO_DB", url)
        .env("EVENTBUS_DJANGO_TOPIC", TOPIC)
        .env_remove("EVENTBUS_DJANGO_OUTBOX")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()))
}

/// [`drive`], which must succeed; its JSON output.
fn drive_json(url: &str, env: &[(&str, &str)], args: &[&str]) -> Value {
    let output = drive(url, env, args);
    assert!(
        output.status.success(),
        "drive.py {args:?} on {url} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "drive.py {args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// [`drive`], which must succeed; its standard output.
fn drive_text(url: &str, env: &[(&str, &str)], args: &[&str]) -> String {
    let output = drive(url, env, args);
    assert!(
        output.status.success(),
        "drive.py {args:?} on {url} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// New tables: the service's and the outbox's, made by Django's `migrate`.
fn fresh_service(url: &str, env: &[(&str, &str)]) {
    drive_json(url, env, &["reset"]);
    let migrated = drive_json(url, env, &["migrate"]);
    assert!(
        migrated["migrate"]
            .as_str()
            .unwrap_or_default()
            .contains("Applying edx_event_bus_outbox.0001_initial... OK"),
        "{migrated}"
    );
}

/// The event data the view sends for user `id` (the to_dict/to_json form).
fn user_json(id: i64) -> Value {
    json!({"user": {"id": id, "is_active": true, "pii": {
        "username": format!("user-{id}"),
        "email": format!("user-{id}@example.com"),
        "name": format!("User {id}"),
    }}})
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Each row the package wrote holds the bytes `OutboxRow::new` makes for the same event (the
/// data of user `first + i`) and metadata: event type, topic, key path and event id equal,
/// `event_data` and the `metadata` text byte for byte.
fn assert_rows_as_rust_writes_them(rows: &[Value], first: i64) -> usize {
    let descriptor = descriptor(LOGIN);
    for (i, row) in rows.iter().enumerate() {
        let id = first + i as i64;
        let event = descriptor
            .from_json(&user_json(id))
            .expect("the login event");
        let metadata_text = row["metadata"].as_str().expect("metadata text");
        let metadata_json: Value = serde_json::from_str(metadata_text).expect("metadata JSON");
        let metadata = EventsMetadata::from_json(&metadata_json).expect("metadata");
        let rust = OutboxRow::new(&*event, &metadata, TOPIC, KEY_FIELD).expect("a row");
        assert_eq!(row["event_type"], rust.event_type);
        assert_eq!(row["topic"], rust.topic);
        assert_eq!(row["event_key_field"], rust.event_key_field);
        assert_eq!(row["event_id"], rust.event_id);
        assert_eq!(
            row["event_data"].as_str(),
            Some(hex(&rust.event_data).as_str()),
            "event_data of user {id}"
        );
        assert_eq!(
            metadata_text, rust.metadata,
            "the metadata text of user {id}"
        );
        assert_eq!(row["attempts"], 0);
        assert_eq!(row["published_at_us"], Value::Null);
    }
    rows.len()
}

/// The `eventbus` binary of this build, when it was built (`cargo test --workspace` builds it).
fn eventbus_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let binary = exe.parent()?.parent()?.join("eventbus");
    binary.exists().then_some(binary)
}

/// The ages (`1h 2m 3s`, `0s`) of a status text replaced by `AGE`.
fn without_ages(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut rest = line;
            while let Some(at) = ["oldest pending: ", "oldest "]
                .iter()
                .filter_map(|m| rest.find(m).map(|i| (i, m.len())))
                .min_by_key(|&(i, len)| (i, std::cmp::Reverse(len)))
            {
                out.push_str(&rest[..at.0 + at.1]);
                rest = &rest[at.0 + at.1..];
                let end = rest.find(';').unwrap_or(rest.len());
                out.push_str("AGE");
                rest = &rest[end..];
            }
            out.push_str(rest);
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `manage.py eventbus_outbox_status --json` equals what `eventbus outbox status --json` prints
/// (`OutboxStatus`), ages within 2 s; the text too, ages aside, when the CLI binary is built.
async fn assert_status_matches(db: &Db, outbox: &Outbox) -> &'static str {
    let python: Value =
        serde_json::from_str(&drive_text(&db.url, &[], &["status", "--json"])).expect("JSON");
    let rust = serde_json::to_value(outbox.status().await.expect("status")).expect("JSON");
    let ages = |v: &Value| {
        let mut ages = vec![v["oldest_pending_age_seconds"].as_f64()];
        ages.extend(
            v["topics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["oldest_pending_age_seconds"].as_f64()),
        );
        ages
    };
    for (p, r) in ages(&python).into_iter().zip(ages(&rust)) {
        match (p, r) {
            (Some(p), Some(r)) => assert!((p - r).abs() < 2.0, "{}: ages {p} {r}", db.name),
            (p, r) => assert_eq!(p, r, "{}", db.name),
        }
    }
    let strip = |mut v: Value| {
        v["oldest_pending_age_seconds"] = Value::Null;
        for t in v["topics"].as_array_mut().unwrap() {
            t["oldest_pending_age_seconds"] = Value::Null;
        }
        v
    };
    let python_keys = python
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    let rust_keys = rust
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(python_keys, rust_keys, "{}: the keys of --json", db.name);
    assert_eq!(strip(python), strip(rust), "{}: status --json", db.name);
    let Some(binary) = eventbus_binary() else {
        println!(
            "[django] {}: status --json compared; the text was not (no eventbus binary in this build)",
            db.name
        );
        return "json";
    };
    let cli = Command::new(binary)
        .args(["outbox", "status", "--url", &db.url])
        .output()
        .expect("run eventbus");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let python_text = drive_text(&db.url, &[], &["status"]);
    assert_eq!(
        without_ages(python_text.trim_end()),
        without_ages(String::from_utf8_lossy(&cli.stdout).trim_end()),
        "{}: status text",
        db.name
    );
    "json and text"
}

#[test]
fn the_status_command_prints_durations_as_the_cli_does() {
    // humantime's format_duration (what `eventbus outbox status` prints) of whole seconds.
    let cases = [
        (0.4, "0s"),
        (59.0, "59s"),
        (60.0, "1m"),
        (3_600.0, "1h"),
        (3_661.9, "1h 1m 1s"),
        (86_400.0, "1day"),
        (2.0 * 86_400.0 + 5.0, "2days 5s"),
        (2_630_016.0, "1month"),
        (31_557_600.0, "1year"),
        (
            2.0 * 31_557_600.0 + 3.0 * 2_630_016.0 + 7_200.0,
            "2years 3months 2h",
        ),
    ];
    let url = format!("sqlite://{}", sqlite_file("durations").display());
    let args: Vec<String> = cases.iter().map(|(s, _)| s.to_string()).collect();
    let mut command = vec!["durations"];
    command.extend(args.iter().map(String::as_str));
    let printed = drive_json(&url, &[], &command);
    let expected: Vec<&str> = cases.iter().map(|(_, text)| *text).collect();
    assert_eq!(printed, json!(expected));
    println!(
        "[django] status durations: {} cases as humantime prints them",
        cases.len()
    );
}

/// Where the relay publishes.
#[derive(Clone, Copy, Debug)]
enum Backend {
    Kafka,
    Redis,
}

/// What the Python consumer (`tests/python/{kafka,redis}_interop.py consume`) received.
fn consume_with_python(backend: Backend, prefix: &str, count: usize, dir: &Path) -> Value {
    let (script, mut command) = match backend {
        Backend::Kafka => {
            let (servers, registry) = service_env();
            let mut command = Command::new(support::python());
            command
                .env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", servers)
                .env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL", registry);
            ("kafka_interop.py", command)
        }
        Backend::Redis => {
            let mut command = Command::new(support::python());
            command.env(
                "EVENT_BUS_REDIS_CONNECTION_URL",
                required("EVENT_BUS_REDIS_CONNECTION_URL"),
            );
            ("redis_interop.py", command)
        }
    };
    let out = dir.join(format!("{prefix}.json"));
    let output = command
        .arg(support::workspace_root().join("tests/python").join(script))
        .args(["consume", TOPIC, &unique("django-py"), &count.to_string()])
        .arg(&out)
        .env("EVENT_BUS_TOPIC_PREFIX", prefix)
        .env("EVENTS_SERVICE_NAME", "python-interop")
        .output()
        .expect("run the Python consumer");
    assert!(
        output.status.success(),
        "{script} consume failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    support::read_json(&out)
}

/// How many messages the bus holds for the topic: the Kafka topic's high watermarks, the Redis
/// stream's length.
async fn messages_on_bus(backend: Backend, full_topic: &str) -> i64 {
    match backend {
        Backend::Kafka => {
            let (servers, _) = service_env();
            let consumer: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", servers)
                .set("group.id", unique("django-watermarks"))
                .create()
                .expect("a client");
            consumer
                .fetch_watermarks(full_topic, 0, Duration::from_secs(10))
                .expect("watermarks")
                .1
        }
        Backend::Redis => {
            let client = redis::Client::open(required("EVENT_BUS_REDIS_CONNECTION_URL"))
                .expect("a Redis client");
            let mut connection = client
                .get_multiplexed_async_connection()
                .await
                .expect("Redis");
            redis::cmd("XLEN")
                .arg(full_topic)
                .query_async(&mut connection)
                .await
                .expect("XLEN")
        }
    }
}

/// Committed requests are published once by the relay through `backend` and received by the
/// Python consumer with equal data and metadata; failed requests leave nothing.
async fn requests_through_the_relay(backend: Backend) {
    let _lock = LOCK.lock().await;
    openedx_events::link();
    let dir = support::scratch_dir(&format!("django-{backend:?}"));
    for db in databases(&format!("relay-{backend:?}")) {
        let started = Instant::now();
        fresh_service(&db.url, &[]);
        let committed = drive_json(&db.url, &[], &["requests", "1", "3"]);
        assert_eq!(
            (committed["ok"].as_i64(), committed["failed"].as_i64()),
            (Some(3), Some(0)),
            "{}",
            db.name
        );
        let failed = drive_json(&db.url, &[], &["requests", "101", "2", "fail"]);
        assert_eq!(
            (failed["ok"].as_i64(), failed["failed"].as_i64()),
            (Some(0), Some(2)),
            "{}",
            db.name
        );
        let written = drive_json(&db.url, &[], &["rows"]);
        let rows = written["rows"].as_array().unwrap().clone();
        assert_eq!(
            written["logins"], 3,
            "{}: the failed requests' logins are rolled back",
            db.name
        );
        assert_eq!(
            rows.len(),
            3,
            "{}: the failed requests' events are rolled back",
            db.name
        );
        let compared = assert_rows_as_rust_writes_them(&rows, 1);

        let outbox = Outbox::connect(&db.url)
            .await
            .expect("the relay's connection");
        // One row failing once, so that both status reports show a failing row and its error.
        let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM eventbus_outbox")
            .fetch_one(outbox.pool())
            .await
            .expect("the first row");
        sqlx::query(&format!(
            "UPDATE eventbus_outbox SET attempts = 1, last_error = 'broker away' WHERE id = {first}"
        ))
        .execute(outbox.pool())
        .await
        .expect("mark a row failing");
        let status_compared = assert_status_matches(&db, &outbox).await;

        let prefix = unique("django");
        let full_topic = format!("{prefix}-{TOPIC}");
        let producer: Arc<dyn EventProducer> = match backend {
            Backend::Kafka => {
                let settings = builder(&prefix).build().expect("Kafka settings");
                create_topics(&settings, &[&full_topic], 1).await;
                Arc::new(KafkaProducer::new(&settings).expect("a Kafka producer"))
            }
            Backend::Redis => {
                let settings = RedisSettings::builder(required("EVENT_BUS_REDIS_CONNECTION_URL"))
                    .topic_prefix(&prefix)
                    .service_name("rust-tests")
                    .build()
                    .expect("Redis settings");
                Arc::new(
                    RedisProducer::new(&settings)
                        .await
                        .expect("a Redis producer"),
                )
            }
        };
        let relay = Relay::new(
            outbox.clone(),
            producer.clone(),
            RelayOptions {
                relay_id: format!("django-{backend:?}"),
                batch_size: 100,
                poll_interval: Duration::from_millis(20),
                ..RelayOptions::default()
            },
        );
        let summary = relay.pass().await.expect("a relay pass");
        assert_eq!(
            (
                summary.published,
                summary.failed_attempts,
                summary.unreadable
            ),
            (3, 0, 0),
            "{}: {summary:?}",
            db.name
        );
        assert_eq!(
            relay.pass().await.expect("a relay pass").published,
            0,
            "{}: published once",
            db.name
        );
        let status = outbox.status().await.expect("status");
        assert_eq!(
            (status.pending, status.published, status.failing),
            (0, 3, 0),
            "{}",
            db.name
        );
        assert_status_matches(&db, &outbox).await;

        let consumed = consume_with_python(backend, &prefix, 3, &dir);
        assert_eq!(
            consumed["errors"],
            json!([]),
            "{}: the Python consumer logged errors",
            db.name
        );
        let events = consumed["events"].as_array().unwrap();
        assert_eq!(events.len(), 3, "{}", db.name);
        let by_id: BTreeMap<&str, &Value> = rows
            .iter()
            .map(|r| (r["event_id"].as_str().unwrap(), r))
            .collect();
        let mut users = BTreeSet::new();
        for event in events {
            let id = event["metadata"]["id"].as_str().unwrap();
            let row = by_id
                .get(id)
                .unwrap_or_else(|| panic!("{}: event {id} has no row", db.name));
            let metadata: Value = serde_json::from_str(row["metadata"].as_str().unwrap()).unwrap();
            assert_eq!(event["event_type"], LOGIN);
            assert_eq!(
                event["metadata"], metadata,
                "{}: the metadata the view's signal made",
                db.name
            );
            assert_eq!(event["from_event_bus"], true);
            let user = event["data"]["user"]["id"].as_i64().unwrap();
            assert_eq!(
                event["data"],
                user_json(user),
                "{}: the data the view sent",
                db.name
            );
            users.insert(user);
        }
        assert_eq!(
            users,
            BTreeSet::from([1, 2, 3]),
            "{}: each committed login once",
            db.name
        );
        let on_bus = messages_on_bus(backend, &full_topic).await;
        assert_eq!(on_bus, 3, "{}: exactly once on the bus", db.name);
        let after = drive_json(&db.url, &[], &["rows"]);
        assert!(after["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["published_at_us"].is_null()));
        println!(
            "[django] {} via {backend:?}: requests committed 3, failed 2; rows 3, logins 3; rows equal to Rust's: {compared}; \
             status compared ({status_compared}); relay published {}, then 0; Python consumer received {}, \
             users {users:?}; messages on the bus {on_bus}; {:.1?}",
            db.name,
            summary.published,
            events.len(),
            started.elapsed()
        );
        outbox.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_requests_reach_the_python_kafka_consumer_once_and_failed_ones_never() {
    requests_through_the_relay(Backend::Kafka).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_requests_reach_the_python_redis_consumer_once_and_failed_ones_never() {
    requests_through_the_relay(Backend::Redis).await;
}

/// The number of columns and indexes of an introspected schema, for the report.
fn shape(schema: &Value) -> String {
    ["eventbus_outbox", "eventbus_outbox_lease"]
        .iter()
        .map(|table| {
            let t = &schema["tables"][table];
            format!(
                "{table}: {} columns, {} index rows",
                t["columns"].as_array().map_or(0, Vec::len),
                t["indexes"].as_array().map_or(0, Vec::len)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_django_migration_makes_the_tables_of_the_rust_migration() {
    let _lock = LOCK.lock().await;
    // The models Django knows (the migration's state) are the package's models: a service's
    // `makemigrations` finds nothing to add.
    let url = format!("sqlite://{}", sqlite_file("makemigrations").display());
    let check = drive_json(&url, &[], &["makemigrations-check"]);
    assert!(
        check["makemigrations"]
            .as_str()
            .unwrap_or_default()
            .starts_with("No changes detected"),
        "{check}"
    );
    for db in databases("schema") {
        let started = Instant::now();
        // Django first; then the relay's migration on Django's tables changes nothing.
        fresh_service(&db.url, &[]);
        let django = drive_json(&db.url, &[], &["introspect"]);
        assert_eq!(
            django["tables"]["eventbus_outbox"]["columns"]
                .as_array()
                .map(Vec::len),
            Some(11),
            "{}: {django}",
            db.name
        );
        let outbox = Outbox::connect(&db.url).await.expect("connect");
        outbox
            .migrate()
            .await
            .expect("the relay's migration accepts the tables Django made");
        outbox.close().await;
        assert_eq!(
            drive_json(&db.url, &[], &["introspect"]),
            django,
            "{}: after the Rust migration",
            db.name
        );

        // The Rust migration alone.
        drive_json(&db.url, &[], &["drop-outbox"]);
        let outbox = Outbox::connect(&db.url).await.expect("connect");
        outbox.migrate().await.expect("the Rust migration");
        outbox.close().await;
        let rust = drive_json(&db.url, &[], &["introspect"]);
        assert_eq!(
            django,
            rust,
            "{}: the Django migration's tables differ from the Rust migration's:\nDjango: {}\nRust:   {}",
            db.name,
            serde_json::to_string_pretty(&django).unwrap(),
            serde_json::to_string_pretty(&rust).unwrap()
        );

        // Django's migration on the relay's tables (CREATE TABLE IF NOT EXISTS) changes nothing.
        let migrated = drive_json(&db.url, &[], &["migrate"]);
        assert!(migrated["migrate"]
            .as_str()
            .unwrap()
            .contains("Applying edx_event_bus_outbox.0001_initial... OK"));
        assert_eq!(
            drive_json(&db.url, &[], &["introspect"]),
            rust,
            "{}",
            db.name
        );
        println!(
            "[django] schema on {} ({}): Django's tables = Rust's tables ({}); each migration accepts the other's tables; {:.1?}",
            db.name,
            django["vendor"],
            shape(&django),
            started.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immediate_topics_go_to_the_immediate_producer_and_bad_settings_stop_the_start_up() {
    let _lock = LOCK.lock().await;
    let url = format!("sqlite://{}", sqlite_file("settings").display());
    fresh_service(&url, &[]);

    // `immediate`: the recording producer gets the event, no row is written; the login is kept.
    let immediate = r#"{"TOPICS": {"django-logins": "immediate"}, "IMMEDIATE_PRODUCER": "shop.immediate.create_producer"}"#;
    let sent = drive_json(
        &url,
        &[("EVENTBUS_DJANGO_OUTBOX", immediate)],
        &["immediate", "7"],
    );
    assert_eq!(sent["ok"], 1, "{sent}");
    let events = sent["sent"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{sent}");
    assert_eq!(events[0]["topic"], TOPIC);
    assert_eq!(events[0]["event_type"], LOGIN);
    assert_eq!(events[0]["event_key_field"], KEY_FIELD);
    assert_eq!(
        (
            sent["rows"].as_array().unwrap().len(),
            sent["logins"].as_i64()
        ),
        (0, Some(1)),
        "{sent}"
    );

    // `on-commit`: sent after the request's commit; never when it rolls back.
    let on_commit = r#"{"TOPICS": {"django-logins": "on-commit"}, "IMMEDIATE_PRODUCER": "shop.immediate.create_producer"}"#;
    let committed = drive_json(
        &url,
        &[("EVENTBUS_DJANGO_OUTBOX", on_commit)],
        &["immediate", "8"],
    );
    assert_eq!(
        committed["sent"].as_array().map(Vec::len),
        Some(1),
        "{committed}"
    );
    assert_eq!(
        (
            committed["rows"].as_array().unwrap().len(),
            committed["logins"].as_i64()
        ),
        (0, Some(2)),
        "{committed}"
    );
    let rolled_back = drive_json(
        &url,
        &[("EVENTBUS_DJANGO_OUTBOX", on_commit)],
        &["immediate", "9", "fail"],
    );
    assert_eq!(rolled_back["failed"], 1, "{rolled_back}");
    assert_eq!(rolled_back["sent"], json!([]), "{rolled_back}");
    assert_eq!(
        (
            rolled_back["rows"].as_array().unwrap().len(),
            rolled_back["logins"].as_i64()
        ),
        (0, Some(2)),
        "{rolled_back}"
    );

    // `outbox`, outside any transaction: the row is committed at once (autocommit).
    let outside = drive_json(&url, &[], &["outside", "10"]);
    assert_eq!(outside["in_atomic_block"], false);
    let written = drive_json(&url, &[], &["rows"]);
    let rows = written["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{written}");
    assert_rows_as_rust_writes_them(rows, 10);

    // Every error at once, each naming the setting and the topic; the start-up fails.
    let bad = r#"{"DATABASE": "nope", "DEFAULT_MODE": "later", "TOPICS": {"django-logins": "immediate", "other-topic": "sometimes"}, "COLOR": "red"}"#;
    let output = drive(&url, &[("EVENTBUS_DJANGO_OUTBOX", bad)], &["check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the start-up must fail: {stderr}");
    let expected = [
        "ImproperlyConfigured",
        "edx_event_bus_outbox.E001: EVENT_BUS_OUTBOX['COLOR'] is not a known key",
        "edx_event_bus_outbox.E002: EVENT_BUS_OUTBOX['DATABASE'] = 'nope' is not an alias of DATABASES",
        "edx_event_bus_outbox.E003: EVENT_BUS_OUTBOX['DEFAULT_MODE'] = 'later' is not a mode",
        "edx_event_bus_outbox.E004: EVENT_BUS_OUTBOX['TOPICS']['other-topic'] = 'sometimes' is not a mode (topic 'other-topic')",
        "edx_event_bus_outbox.E005: Topic 'django-logins' is in 'immediate' mode but EVENT_BUS_OUTBOX['IMMEDIATE_PRODUCER'] is not set",
    ];
    for line in expected {
        assert!(stderr.contains(line), "missing {line:?} in:\n{stderr}");
    }
    let unimportable =
        r#"{"DEFAULT_MODE": "immediate", "IMMEDIATE_PRODUCER": "no_such_module.create_producer"}"#;
    let output = drive(
        &url,
        &[("EVENTBUS_DJANGO_OUTBOX", unimportable)],
        &["check"],
    );
    let stderr2 = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr2.contains("edx_event_bus_outbox.E006: EVENT_BUS_OUTBOX['IMMEDIATE_PRODUCER'] = 'no_such_module.create_producer' cannot be imported"), "{stderr2}");

    // Warnings: a topic no producer configuration uses; the tables missing (checked with --database).
    let typo = r#"{"TOPICS": {"django-login": "outbox"}}"#;
    let output = drive(&url, &[("EVENTBUS_DJANGO_OUTBOX", typo)], &["check"]);
    let stderr3 = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "warnings only: {stderr3}");
    assert!(
        stderr3.contains(
            "(edx_event_bus_outbox.W002) EVENT_BUS_OUTBOX['TOPICS'] names topic 'django-login'"
        ),
        "{stderr3}"
    );
    drive_json(&url, &[], &["drop-outbox"]);
    let output = drive(&url, &[], &["check", "--database", "default"]);
    let stderr4 = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "warnings only: {stderr4}");
    assert!(stderr4.contains("(edx_event_bus_outbox.W001) The outbox table(s) eventbus_outbox, eventbus_outbox_lease are missing from database 'default'"), "{stderr4}");
    println!(
        "[django] immediate: 1 event to the immediate producer, 0 rows, 1 login; on-commit: 1 sent after a commit, 0 after a rollback; \
         outside a transaction: 1 row committed at once; start-up refused with {} errors (E001-E005) and with E006; warnings W002 and W001",
        expected.len() - 1
    );
}

/// The event ids (`ce_id`) of every message of `topic` (full name) on `bootstrap`, read from the
/// start of each partition up to its high watermark (at most `bound`).
fn event_ids_on_topic(bootstrap: &str, topic: &str, bound: Duration) -> Vec<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("django-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("a reader");
    let partitions = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata")
        .topics()[0]
        .partitions()
        .len() as i32;
    let mut assignment = TopicPartitionList::new();
    let mut remaining = BTreeMap::new();
    for partition in 0..partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, Duration::from_secs(10))
            .expect("watermarks");
        if high > low {
            remaining.insert(partition, high);
            assignment
                .add_partition_offset(topic, partition, Offset::Beginning)
                .expect("assign");
        }
    }
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + bound;
    let mut ids = Vec::new();
    while !remaining.is_empty() {
        assert!(
            Instant::now() < deadline,
            "reading {topic}: {} read, left {remaining:?}",
            ids.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = message.expect("a message");
        let id = message
            .headers()
            .and_then(|h| h.iter().find(|h| h.key == "ce_id").and_then(|h| h.value))
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .expect("a ce_id header");
        ids.push(id);
        if remaining
            .get(&message.partition())
            .is_some_and(|&high| message.offset() + 1 >= high)
        {
            remaining.remove(&message.partition());
        }
    }
    ids
}

/// 10 000 requests of the Django service (SQLite) while the relay publishes to a private broker,
/// which suffers `fault` during the burst: every committed event is delivered.
async fn burst_through(fault: BrokerFault) {
    const REQUESTS: u64 = 10_000;
    kafka_support::init_tracing();
    let _one_at_a_time = exclusive().await;
    let _lock = LOCK.lock().await;
    let started = Instant::now();
    let (_, registry) = service_env();
    let mut kafka = PrivateKafka::start().await.expect("a private broker");
    let prefix = unique("django-burst");
    let full_topic = format!("{prefix}-{TOPIC}");
    kafka.create_topic(&full_topic, 3).await.expect("the topic");
    let settings = fault_settings(&kafka.bootstrap(), &registry, &prefix)
        .build()
        .expect("settings");
    let producer: Arc<dyn EventProducer> =
        Arc::new(KafkaProducer::new(&settings).expect("producer"));

    let url = format!("sqlite://{}", sqlite_file("burst").display());
    fresh_service(&url, &[]);
    let outbox = Outbox::connect(&url).await.expect("the outbox");
    let shutdown = CancellationToken::new();
    let relaying = tokio::spawn({
        let relay = Relay::new(
            outbox.clone(),
            producer.clone(),
            relay_options("django-burst", 500),
        );
        let shutdown = shutdown.clone();
        async move { relay.run(shutdown).await }
    });
    let requesting = tokio::task::spawn_blocking({
        let url = url.clone();
        move || drive_json(&url, &[], &["requests", "1", &REQUESTS.to_string()])
    });
    let before_fault = wait_published(&outbox, 1_000, Duration::from_secs(120)).await;
    let fault_at = started.elapsed();
    let at_stop = outbox.status().await.expect("status");
    let fault = kafka.inflict(fault).await.expect("the broker comes back");
    let at_cont = outbox.status().await.expect("status");
    let written_while_stopped =
        (at_cont.pending + at_cont.published) - (at_stop.pending + at_stop.published);
    let requests = requesting.await.expect("the requests");
    let requested_in = started.elapsed();
    assert_eq!(
        (requests["ok"].as_u64(), requests["failed"].as_u64()),
        (Some(REQUESTS), Some(0)),
        "{requests}"
    );
    let published = wait_published(&outbox, REQUESTS, Duration::from_secs(300)).await;
    shutdown.cancel();
    let summary = relaying.await.expect("the relay does not panic");
    let status = outbox.status().await.expect("status");
    let rows: BTreeSet<String> = sqlx::query_scalar("SELECT event_id FROM eventbus_outbox")
        .fetch_all(outbox.pool())
        .await
        .expect("the rows")
        .into_iter()
        .collect();
    let bootstrap = kafka.bootstrap();
    let topic = full_topic.clone();
    let ids = tokio::task::spawn_blocking(move || {
        event_ids_on_topic(&bootstrap, &topic, Duration::from_secs(120))
    })
    .await
    .expect("read the topic");
    let distinct: BTreeSet<String> = ids.iter().cloned().collect();
    let duplicates = ids.len() - distinct.len();
    println!(
        "[django] burst: {REQUESTS} requests ({} ok, {} failed) in {requested_in:.1?}; broker {fault} when {before_fault} rows were published \
         ({fault_at:.1?} in); rows written while it was away {written_while_stopped}, pending when it came back {}; rows {}, published {published}, pending {}; relay published {}, failed attempts {}, unmarked {}; \
         topic: {} messages, {} distinct events, {duplicates} duplicates; total {:.1?}",
        requests["ok"], requests["failed"], at_cont.pending, rows.len(), status.pending, summary.published, summary.failed_attempts, summary.unmarked,
        ids.len(), distinct.len(), started.elapsed()
    );
    assert!(
        written_while_stopped > 0,
        "the burst went on while the broker was away"
    );
    assert_eq!(rows.len() as u64, REQUESTS, "one row per request");
    assert_eq!((status.pending, status.published), (0, REQUESTS));
    assert_eq!(distinct, rows, "every committed event delivered");
    assert!(
        duplicates as u64 <= summary.failed_attempts + summary.unmarked,
        "{duplicates} duplicates, but only {} failed attempts and {} acknowledged rows left \
         unmarked could have made them",
        summary.failed_attempts,
        summary.unmarked
    );
    assert_eq!(
        summary.published, REQUESTS,
        "each row marked published once"
    );
    outbox.close().await;
    let file = url.trim_start_matches("sqlite://");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{file}{suffix}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_are_all_delivered_through_a_broker_stopped_during_the_burst() {
    burst_through(BrokerFault::Stop(Duration::from_secs(20))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_are_all_delivered_through_a_broker_killed_during_the_burst() {
    burst_through(BrokerFault::Kill(Duration::from_secs(10))).await;
}

/// `pip install edx-event-bus-outbox/` into a new venv (not the reference one, no system site
/// packages): it installs with its dependencies, its app loads, its migration runs on SQLite and
/// `get_producer()` returns the outbox producer.
#[test]
fn the_package_installs_with_pip_from_the_repository_path_in_a_fresh_venv() {
    let started = Instant::now();
    let dir = support::scratch_dir("django-pip");
    // The package is copied: pip builds a local folder in place (build/, *.egg-info).
    let package = dir.join("edx-event-bus-outbox");
    let copied = Command::new("cp")
        .arg("-r")
        .arg(support::workspace_root().join("edx-event-bus-outbox"))
        .arg(&package)
        .status()
        .expect("cp");
    assert!(copied.success());
    let base = Command::new(support::python())
        .args(["-c", "import sys; print(sys._base_executable)"])
        .output()
        .expect("the base interpreter");
    let base = String::from_utf8(base.stdout).unwrap().trim().to_owned();
    let venv = dir.join("venv");
    let made = Command::new(&base)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python -m venv");
    assert!(made.success(), "{base} -m venv failed");
    let python = venv.join("bin/python");
    let install = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(&package)
        .output()
        .expect("pip install");
    assert!(
        install.status.success(),
        "pip install failed:\n{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let installed_in = started.elapsed();
    let script = r#"
import json, django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["openedx_events", "edx_event_bus_outbox"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    EVENT_BUS_PRODUCER="edx_event_bus_outbox.create_producer",
    EVENTS_SERVICE_NAME="pip-test",
)
django.setup()
from importlib.metadata import version
from django.core.management import call_command
from django.db import connection
from openedx_events.event_bus import get_producer
call_command("migrate", verbosity=0)
import edx_event_bus_outbox, sys
print(json.dumps({
    "version": version("edx-event-bus-outbox"),
    "location": edx_event_bus_outbox.__file__,
    "producer": type(get_producer()).__name__,
    "tables": sorted(t for t in connection.introspection.table_names() if t.startswith("eventbus_")),
    "django": django.get_version(),
    "prefix": sys.prefix,
}))
"#;
    let run = Command::new(&python)
        .args(["-c", script])
        .output()
        .expect("python");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let answer: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    assert_eq!(answer["version"], "0.1.0");
    assert_eq!(answer["producer"], "OutboxEventProducer");
    assert_eq!(
        answer["tables"],
        json!(["eventbus_outbox", "eventbus_outbox_lease"])
    );
    assert!(
        answer["location"]
            .as_str()
            .unwrap()
            .starts_with(venv.to_str().unwrap()),
        "{answer}"
    );
    println!(
        "[django] pip: edx-event-bus-outbox {} installed into a fresh venv in {installed_in:.1?} (Django {}), \
         get_producer() = {}, migrated tables {}; {:.1?}",
        answer["version"], answer["django"], answer["producer"], answer["tables"], started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
