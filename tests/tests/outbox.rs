//! The transactional outbox on the three real databases: SQLite (a file), MariaDB and PostgreSQL
//! (started by `scripts/services.sh`, URLs in `EVENT_BUS_TEST_MYSQL_URL` and
//! `EVENT_BUS_TEST_POSTGRES_URL`). Commit, rollback, a process that dies right after the commit,
//! the on-commit mode, rows written outside a transaction, relays sharing a database, unreadable
//! rows, status and purge.
//!
//! Signals are process-wide and the MariaDB and PostgreSQL tables are shared, so the tests take
//! one lock and start from empty tables.

use eventbus_runtime::backend::{Delivery, EventProducer, MemoryProducer, ProduceError};
use eventbus_runtime::outbox::{
    CommitError, CommitReport, Dialect, EventTransaction, Outbox, Relay, RelayOptions, RelaySummary,
};
use eventbus_runtime::prelude::*;
use eventbus_runtime::producer_config::{
    ConfiguredProducer, ProblemKind, ProducerConfig, ProductionMode,
};
use eventbus_runtime::registry::AnyEvent;
use eventbus_runtime::signal::BoxFuture;
use serde_json::json;
use sqlx::Row;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Test data: an item and its sequence number.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Item {
    pub name: String,
    pub seq: i64,
}

/// The test event.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.outbox.item.changed.v1",
    key_field = "item.name"
)]
pub struct ItemChanged {
    pub item: Item,
}

const EVENT_TYPE: &str = "org.openedx.test.outbox.item.changed.v1";

fn item(name: &str, seq: i64) -> ItemChanged {
    ItemChanged {
        item: Item {
            name: name.to_owned(),
            seq,
        },
    }
}

static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The databases under test: a SQLite file of this test, then MariaDB and PostgreSQL.
fn databases(test: &str) -> Vec<String> {
    // One folder per test process; each test starts from a new file (a few KiB, left behind).
    let dir = std::env::temp_dir().join(format!("eventbus-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = dir.join(format!("{test}.db"));
    let _ = std::fs::remove_file(&sqlite);
    let required = |name: &str| eventbus_tests::required_env(name, "MariaDB and PostgreSQL");
    vec![
        format!("sqlite://{}", sqlite.display()),
        required("EVENT_BUS_TEST_MYSQL_URL"),
        required("EVENT_BUS_TEST_POSTGRES_URL"),
    ]
}

/// The outbox of `url`, with new tables and an application table `app_items`.
async fn fresh_outbox(url: &str) -> Outbox {
    let outbox = Outbox::connect(url).await.unwrap();
    for table in ["eventbus_outbox", "eventbus_outbox_lease"] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(outbox.pool())
            .await
            .unwrap();
    }
    outbox.migrate().await.unwrap();
    outbox.migrate().await.expect("migrating twice is harmless");
    for sql in [
        "DROP TABLE IF EXISTS app_items",
        "CREATE TABLE app_items (name VARCHAR(100) NOT NULL)",
    ] {
        sqlx::query(sql).execute(outbox.pool()).await.unwrap();
    }
    outbox
}

fn config(mode: ProductionMode) -> ProducerConfig {
    ProducerConfig::from_value(&json!({
        EVENT_TYPE: {
            "items": {"event_key_field": "item.name", "enabled": true, "mode": mode.name()},
        }
    }))
    .unwrap()
}

async fn count(outbox: &Outbox, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(outbox.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn insert_app_row(tx: &mut EventTransaction<'static, sqlx::Any>, name: &str) {
    let sql = if tx.connection().backend_name() == "PostgreSQL" {
        "INSERT INTO app_items (name) VALUES ($1)"
    } else {
        "INSERT INTO app_items (name) VALUES (?)"
    };
    sqlx::query(sql)
        .bind(name.to_owned())
        .execute(tx.connection())
        .await
        .unwrap();
}

/// Send the events `seqs` of item `name`, outside any transaction.
async fn send_items(name: &str, seqs: std::ops::Range<i64>) {
    for seq in seqs {
        let report = ItemChanged::signal()
            .send_event(item(name, seq))
            .await
            .unwrap();
        assert!(report.is_ok(), "{report:?}");
    }
}

/// Produce the test event through `outbox` (the `outbox` mode; nothing goes to the producer).
fn through(outbox: &Outbox) -> ConfiguredProducer {
    ConfiguredProducer::connect_with_outbox(
        &config(ProductionMode::Outbox),
        Arc::new(MemoryProducer::new()),
        outbox.clone(),
    )
}

fn relay(outbox: &Outbox, producer: Arc<dyn EventProducer>, id: &str) -> Relay {
    Relay::new(
        outbox.clone(),
        producer,
        RelayOptions {
            relay_id: id.to_owned(),
            batch_size: 100,
            poll_interval: Duration::from_millis(20),
            ..RelayOptions::default()
        },
    )
}

fn seqs(memory: &MemoryProducer) -> Vec<i64> {
    memory
        .events()
        .iter()
        .map(|e| {
            e.event
                .as_any()
                .downcast_ref::<ItemChanged>()
                .unwrap()
                .item
                .seq
        })
        .collect()
}

#[tokio::test]
async fn committed_events_are_published_once_and_rolled_back_ones_never() {
    let _lock = LOCK.lock().await;
    for url in databases("commit") {
        let outbox = fresh_outbox(&url).await;
        let bus = Arc::new(MemoryProducer::new());
        let _producing = through(&outbox);

        // Committed: the application's row and the event's row.
        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        insert_app_row(&mut tx, "kept").await;
        let report = tx.send_event(item("kept", 1)).await.unwrap();
        assert!(report.is_ok(), "{url}: {report:?}");
        assert_eq!(tx.pending_rows(), 1);
        assert_eq!(
            bus.events().len(),
            0,
            "{url}: nothing reaches the bus before the relay"
        );
        assert_eq!(
            tx.commit().await.unwrap(),
            CommitReport {
                outbox_rows: 1,
                produced: 0
            }
        );

        // Rolled back explicitly, and dropped: neither row exists.
        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        insert_app_row(&mut tx, "rolled back").await;
        tx.send_event(item("rolled back", 2))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        tx.rollback().await.unwrap();
        {
            let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
            insert_app_row(&mut tx, "dropped").await;
            tx.send_event(item("dropped", 3))
                .await
                .unwrap()
                .into_result()
                .unwrap();
        }
        assert_eq!(
            count(&outbox, "SELECT COUNT(*) FROM app_items").await,
            1,
            "{url}"
        );
        assert_eq!(
            count(&outbox, "SELECT COUNT(*) FROM eventbus_outbox").await,
            1,
            "{url}"
        );
        let status = outbox.status().await.unwrap();
        assert_eq!((status.pending, status.published), (1, 0), "{url}");

        let relay = relay(&outbox, bus.clone(), "relay-commit");
        assert_eq!(
            relay.pass().await.unwrap(),
            RelaySummary {
                published: 1,
                failed_attempts: 0,
                unreadable: 0,
                unmarked: 0
            },
            "{url}"
        );
        assert_eq!(
            relay.pass().await.unwrap().published,
            0,
            "{url}: published once"
        );
        let events = bus.events();
        assert_eq!(events.len(), 1, "{url}");
        assert_eq!(events[0].topic, "items");
        assert_eq!(events[0].metadata.event_type, EVENT_TYPE);
        assert_eq!(
            events[0].event.as_any().downcast_ref::<ItemChanged>(),
            Some(&item("kept", 1))
        );
        let status = outbox.status().await.unwrap();
        assert_eq!((status.pending, status.published), (0, 1), "{url}");
        assert_eq!(status.oldest_pending_age_seconds, None);
        outbox.close().await;
    }
}

#[tokio::test]
async fn the_event_id_in_the_row_is_the_one_published() {
    let _lock = LOCK.lock().await;
    for url in databases("metadata") {
        let outbox = fresh_outbox(&url).await;
        let bus = Arc::new(MemoryProducer::new());
        let _producing = through(&outbox);
        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        tx.send_event(item("a", 1))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        tx.commit().await.unwrap();
        let row =
            sqlx::query("SELECT event_id, event_type, topic, event_key_field FROM eventbus_outbox")
                .fetch_one(outbox.pool())
                .await
                .unwrap();
        relay(&outbox, bus.clone(), "relay-meta")
            .pass()
            .await
            .unwrap();
        let published = &bus.events()[0];
        assert_eq!(
            row.get::<String, _>(0),
            published.metadata.id.to_string(),
            "{url}"
        );
        assert_eq!(row.get::<String, _>(1), EVENT_TYPE);
        assert_eq!(row.get::<String, _>(2), "items");
        assert_eq!(row.get::<String, _>(3), "item.name");
        assert_eq!(published.key.to_string(), "a");
        outbox.close().await;
    }
}

/// A child process (this test binary, re-run) commits an event and aborts at once; the relay of
/// the parent then publishes it.
#[tokio::test]
async fn an_event_committed_by_a_process_that_dies_at_once_is_published() {
    if let Ok(url) = std::env::var("EVENTBUS_OUTBOX_CHILD_URL") {
        // The child: commit, then die without any clean-up.
        let outbox = Outbox::connect(&url).await.unwrap();
        let _producing = through(&outbox);
        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        insert_app_row(&mut tx, "before the crash").await;
        tx.send_event(item("crash", 42))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        tx.commit().await.unwrap();
        std::process::abort();
    }
    let _lock = LOCK.lock().await;
    for url in databases("crash") {
        let outbox = fresh_outbox(&url).await;
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "an_event_committed_by_a_process_that_dies_at_once_is_published",
                "--nocapture",
            ])
            .env("EVENTBUS_OUTBOX_CHILD_URL", &url)
            .status()
            .unwrap();
        assert!(!status.success(), "{url}: the child aborts");
        let bus = Arc::new(MemoryProducer::new());
        let summary = relay(&outbox, bus.clone(), "relay-crash")
            .pass()
            .await
            .unwrap();
        assert_eq!(summary.published, 1, "{url}");
        assert_eq!(seqs(&bus), [42]);
        assert_eq!(count(&outbox, "SELECT COUNT(*) FROM app_items").await, 1);
        outbox.close().await;
    }
}

/// A Django service writes rows as the README documents them (openedx-events' metadata and Avro
/// serializer, in one transaction with its own row); the relay publishes exactly those events.
#[tokio::test]
async fn rows_written_by_a_python_service_are_published_by_the_relay() {
    let _lock = LOCK.lock().await;
    openedx_events::link();
    let python = std::env::var("EVENTBUS_PYTHON").unwrap_or_else(|_| {
        panic!("EVENTBUS_PYTHON is not set: scripts/test.sh sets it (scripts/python-venv.sh)")
    });
    let url = &databases("python")[0];
    let file = url.trim_start_matches("sqlite://");
    let outbox = fresh_outbox(url).await;
    let data = json!({"user": {"id": 7, "is_active": true,
        "pii": {"username": "ada", "email": "ada@example.com", "name": "Ada"}}});
    let write = |rollback: bool| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/outbox_writer.py");
        let mut command = std::process::Command::new(&python);
        command.args([
            script,
            file,
            "org.openedx.learning.auth.session.login.completed.v1",
            "logins",
            "user.pii.username",
            &data.to_string(),
            "2",
        ]);
        if rollback {
            command.arg("rollback");
        }
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<String>>(&out.stdout).unwrap()
    };
    let rolled_back = write(true);
    let ids = write(false);
    assert_eq!((rolled_back.len(), ids.len()), (2, 2));
    assert_eq!(count(&outbox, "SELECT COUNT(*) FROM app_items").await, 1);
    assert_eq!(
        count(&outbox, "SELECT COUNT(*) FROM eventbus_outbox").await,
        2
    );

    let bus = Arc::new(MemoryProducer::new());
    let summary = relay(&outbox, bus.clone(), "relay-python")
        .pass()
        .await
        .unwrap();
    assert_eq!(
        (summary.published, summary.unreadable),
        (2, 0),
        "{summary:?}"
    );
    let events = bus.events();
    assert_eq!(
        events
            .iter()
            .map(|e| e.metadata.id.to_string())
            .collect::<Vec<_>>(),
        ids
    );
    for event in &events {
        assert_eq!(event.topic, "logins");
        assert_eq!(event.key.to_string(), "ada");
        assert_eq!(event.event.to_json(), data);
        assert_eq!(event.metadata.source, "openedx/python-reference/web");
        assert_eq!(event.metadata.sourcelib, [11, 2, 0]);
    }
    outbox.close().await;
}

#[tokio::test]
async fn on_commit_events_are_produced_after_the_commit_and_not_on_rollback() {
    let _lock = LOCK.lock().await;
    for url in databases("on_commit") {
        let outbox = fresh_outbox(&url).await;
        let bus = Arc::new(MemoryProducer::new());
        let _producing =
            ConfiguredProducer::connect(&config(ProductionMode::OnCommit), bus.clone())
                .expect("on-commit needs no outbox");

        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        tx.send_event(item("later", 1))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        assert_eq!(bus.events().len(), 0, "{url}: not before the commit");
        assert_eq!(tx.pending_rows(), 0, "on-commit writes no outbox row");
        assert_eq!(tx.commit().await.unwrap().produced, 1);
        assert_eq!(seqs(&bus), [1]);

        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        tx.send_event(item("never", 2))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(seqs(&bus), [1], "{url}: not after a rollback");

        // Outside a transaction: at once.
        ItemChanged::signal()
            .send_event(item("now", 3))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        assert_eq!(seqs(&bus), [1, 3]);
        assert_eq!(
            count(&outbox, "SELECT COUNT(*) FROM eventbus_outbox").await,
            0
        );
        outbox.close().await;
    }
}

/// A broker that is away: every send fails at once (`Down`, counting the attempts) or never ends
/// (`Stuck`, as for a relay stopped in the middle of a batch).
#[derive(Debug)]
enum Away {
    Down(AtomicUsize),
    Stuck,
}

impl EventProducer for Away {
    fn send<'a>(
        &'a self,
        topic: &'a str,
        _event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        _metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>> {
        match self {
            Away::Down(attempts) => {
                attempts.fetch_add(1, Ordering::SeqCst);
                Box::pin(async move {
                    Err(ProduceError::Transport {
                        event_type: event.descriptor().event_type,
                        topic: topic.to_owned(),
                        source: "broker down (test)".into(),
                    })
                })
            }
            Away::Stuck => Box::pin(std::future::pending()),
        }
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        Box::pin(async { Ok(()) })
    }
}

fn down() -> Arc<Away> {
    Arc::new(Away::Down(AtomicUsize::new(0)))
}

#[tokio::test]
async fn an_on_commit_failure_is_returned_after_the_commit() {
    let _lock = LOCK.lock().await;
    let url = &databases("on_commit_failure")[0];
    let outbox = fresh_outbox(url).await;
    let _producing =
        ConfiguredProducer::connect(&config(ProductionMode::OnCommit), down()).unwrap();
    let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
    insert_app_row(&mut tx, "committed anyway").await;
    tx.send_event(item("x", 1))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    match tx.commit().await {
        Err(CommitError::OnCommitFailed(failures)) => {
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].failures[0].topic, "items");
        }
        other => panic!("expected OnCommitFailed, got {other:?}"),
    }
    assert_eq!(count(&outbox, "SELECT COUNT(*) FROM app_items").await, 1);
    outbox.close().await;
}

#[tokio::test]
async fn outside_a_transaction_the_outbox_row_is_written_at_once() {
    let _lock = LOCK.lock().await;
    for url in databases("no_transaction") {
        let outbox = fresh_outbox(&url).await;
        let bus = Arc::new(MemoryProducer::new());
        let _producing = through(&outbox);
        let report = ItemChanged::signal()
            .send_event(item("solo", 7))
            .await
            .unwrap();
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(
            count(&outbox, "SELECT COUNT(*) FROM eventbus_outbox").await,
            1,
            "{url}"
        );
        assert_eq!(bus.events().len(), 0);
        relay(&outbox, bus.clone(), "relay-solo")
            .pass()
            .await
            .unwrap();
        assert_eq!(seqs(&bus), [7], "{url}");
        outbox.close().await;
    }
}

#[tokio::test]
async fn failed_attempts_keep_the_rows_pending_with_their_error() {
    let _lock = LOCK.lock().await;
    for url in databases("failures") {
        let outbox = fresh_outbox(&url).await;
        let _producing = through(&outbox);
        send_items("f", 0..3).await;
        let down = down();
        let summary = relay(&outbox, down.clone(), "relay-down")
            .pass()
            .await
            .unwrap();
        assert_eq!(summary.failed_attempts, 3, "{url}");
        assert_eq!(summary.published, 0);
        relay(&outbox, down.clone(), "relay-down")
            .pass()
            .await
            .unwrap();
        assert!(matches!(&*down, Away::Down(attempts) if attempts.load(Ordering::SeqCst) == 6));
        let status = outbox.status().await.unwrap();
        assert_eq!((status.pending, status.failing), (3, 3), "{url}");
        assert_eq!(status.topics.len(), 1);
        assert!(
            status.topics[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("broker down (test)"),
            "{status:?}"
        );
        assert_eq!(
            count(&outbox, "SELECT MIN(attempts) FROM eventbus_outbox").await,
            2,
            "{url}"
        );
        // The broker is back: the same relay publishes them, in order.
        let bus = Arc::new(MemoryProducer::new());
        relay(&outbox, bus.clone(), "relay-down")
            .pass()
            .await
            .unwrap();
        assert_eq!(seqs(&bus), [0, 1, 2], "{url}");
        assert_eq!(outbox.status().await.unwrap().pending, 0);
        outbox.close().await;
    }
}

#[tokio::test]
async fn a_row_this_program_cannot_read_stays_pending_and_does_not_block_the_others() {
    let _lock = LOCK.lock().await;
    for url in databases("unreadable") {
        let outbox = fresh_outbox(&url).await;
        let _producing = through(&outbox);
        ItemChanged::signal()
            .send_event(item("ok", 1))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        // A row a newer service wrote, for an event type this build does not know.
        let insert = if outbox.dialect() == Dialect::Postgres {
            "UPDATE eventbus_outbox SET event_type = $1"
        } else {
            "UPDATE eventbus_outbox SET event_type = ?"
        };
        sqlx::query(insert)
            .bind("org.openedx.test.outbox.unknown.v1")
            .execute(outbox.pool())
            .await
            .unwrap();
        ItemChanged::signal()
            .send_event(item("ok", 2))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        let bus = Arc::new(MemoryProducer::new());
        let summary = relay(&outbox, bus.clone(), "relay-unreadable")
            .pass()
            .await
            .unwrap();
        assert_eq!((summary.published, summary.unreadable), (1, 1), "{url}");
        assert_eq!(seqs(&bus), [2]);
        let status = outbox.status().await.unwrap();
        assert_eq!((status.pending, status.failing), (1, 1));
        let error = status.topics[0].last_error.clone().unwrap();
        assert!(
            error.contains("org.openedx.test.outbox.unknown.v1") && error.contains("not known"),
            "{error}"
        );
        outbox.close().await;
    }
}

#[tokio::test]
async fn two_relays_on_one_database_publish_every_row_once_in_order() {
    let _lock = LOCK.lock().await;
    for url in databases("two_relays") {
        let outbox = fresh_outbox(&url).await;
        let _producing = through(&outbox);
        let total = 600;
        let mut tx = EventTransaction::begin(outbox.pool()).await.unwrap();
        for seq in 0..total {
            tx.send_event(item("k", seq))
                .await
                .unwrap()
                .into_result()
                .unwrap();
        }
        assert_eq!(tx.commit().await.unwrap().outbox_rows, total as usize);
        let bus = Arc::new(MemoryProducer::new());
        let a = relay(&outbox, bus.clone(), "relay-a");
        let b = relay(&outbox, bus.clone(), "relay-b");
        let shutdown = tokio_util::sync::CancellationToken::new();
        let (run_a, run_b) = (a.run(shutdown.clone()), b.run(shutdown.clone()));
        let wait = async {
            for _ in 0..500 {
                if bus.events().len() >= total as usize {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Let both go on a little: nothing more may come.
            tokio::time::sleep(Duration::from_millis(200)).await;
            shutdown.cancel();
        };
        let (summary_a, summary_b, ()) = tokio::join!(run_a, run_b, wait);
        assert_eq!(seqs(&bus), (0..total).collect::<Vec<_>>(), "{url}");
        assert_eq!(summary_a.published + summary_b.published, total as u64);
        if outbox.dialect() == Dialect::Sqlite {
            // The relay that took the lease keeps it while it runs and publishes everything.
            assert_eq!(summary_a.published.min(summary_b.published), 0, "{url}");
        }
        // The leases were released on shutdown.
        assert_eq!(
            count(
                &outbox,
                "SELECT COUNT(*) FROM eventbus_outbox_lease WHERE owner IS NOT NULL"
            )
            .await,
            0
        );
        outbox.close().await;
    }
}

#[tokio::test]
async fn a_relay_stuck_mid_batch_keeps_its_topic_where_the_database_has_row_locks() {
    let _lock = LOCK.lock().await;
    for url in databases("stuck") {
        let outbox = fresh_outbox(&url).await;
        let _producing = through(&outbox);
        send_items("s", 0..3).await;
        let short_lease = |id: &str, producer: Arc<dyn EventProducer>| {
            Relay::new(
                outbox.clone(),
                producer,
                RelayOptions {
                    relay_id: id.to_owned(),
                    lease: Duration::from_millis(300),
                    ..RelayOptions::default()
                },
            )
        };
        let stuck = short_lease("relay-stuck", Arc::new(Away::Stuck));
        let stuck_pass = tokio::spawn(async move { stuck.pass().await });
        // Past the lease of the stuck relay.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let bus = Arc::new(MemoryProducer::new());
        let other = short_lease("relay-other", bus.clone());
        let published = other.pass().await.unwrap().published;
        if outbox.dialect() == Dialect::Sqlite {
            // No row locks: the lease expired, the other relay takes the topic (the stuck one
            // would publish its batch again if it woke up: a duplicate, never a loss).
            assert_eq!(published, 3, "{url}");
        } else {
            assert_eq!(
                published, 0,
                "{url}: the stuck relay still holds the row lock"
            );
            stuck_pass.abort();
            let _ = stuck_pass.await;
            // Its connection rolled back: the lock is gone.
            let mut published = 0;
            for _ in 0..50 {
                published += other.pass().await.unwrap().published;
                if published == 3 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(published, 3, "{url}");
        }
        assert_eq!(seqs(&bus), [0, 1, 2], "{url}");
        outbox.close().await;
    }
}

#[tokio::test]
async fn purge_deletes_only_published_rows_older_than_asked() {
    let _lock = LOCK.lock().await;
    for url in databases("purge") {
        let outbox = fresh_outbox(&url).await;
        let _producing = through(&outbox);
        send_items("p", 0..4).await;
        let bus = Arc::new(MemoryProducer::new());
        relay(&outbox, bus.clone(), "relay-purge")
            .pass()
            .await
            .unwrap();
        ItemChanged::signal()
            .send_event(item("p", 4))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        assert_eq!(
            outbox.purge(Duration::from_secs(3600)).await.unwrap(),
            0,
            "{url}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(
            outbox.purge(Duration::from_millis(1)).await.unwrap(),
            4,
            "{url}"
        );
        let status = outbox.status().await.unwrap();
        assert_eq!((status.pending, status.published), (1, 0));
        assert!(status.oldest_pending_age_seconds.unwrap() >= 0.0);
        outbox.close().await;
    }
}

#[tokio::test]
async fn the_outbox_mode_needs_an_outbox() {
    let _lock = LOCK.lock().await;
    let error = ConfiguredProducer::connect(
        &config(ProductionMode::Outbox),
        Arc::new(MemoryProducer::new()),
    )
    .unwrap_err();
    assert_eq!(error.problems().len(), 1);
    assert_eq!(error.problems()[0].kind, ProblemKind::OutboxNotConfigured);
    assert_eq!(
        error.to_string(),
        "invalid event bus producer configuration (1 problem):\n  - org.openedx.test.outbox.item.changed.v1, topic `items`: `mode` is `outbox` but no outbox is configured (set EVENT_BUS_OUTBOX_URL, or give the producer an outbox)"
    );
    // The default mode applies to topics without `mode`.
    let config = ProducerConfig::from_value(&json!({
        EVENT_TYPE: {"items": {"event_key_field": "item.name", "enabled": true}}
    }))
    .unwrap()
    .with_default_mode(ProductionMode::Outbox);
    assert_eq!(config.outbox_topics().count(), 1);
    assert!(ConfiguredProducer::connect(&config, Arc::new(MemoryProducer::new())).is_err());
}

#[test]
fn unknown_modes_are_reported_with_the_other_problems() {
    let error = ProducerConfig::from_value(&json!({
        EVENT_TYPE: {
            "a": {"event_key_field": "item.name", "enabled": true, "mode": "eventually"},
            "b": {"event_key_field": "item.nope", "enabled": true, "mode": "on_commit"},
        }
    }))
    .unwrap_err();
    let text = error.to_string();
    assert_eq!(error.problems().len(), 2, "{text}");
    assert!(
        text.contains("topic `a`: `mode` must be `immediate`, `on-commit` or `outbox`, found the string \"eventually\""),
        "{text}"
    );
    assert!(text.contains("topic `b`: "), "{text}");
    assert_eq!(
        ProductionMode::from_name("on_commit"),
        Some(ProductionMode::OnCommit)
    );
}

/// Acknowledged rows the database will not mark published at first (a trigger refuses the update,
/// as a database busy with the application's writes would) are marked on a later try, not
/// published again; refused for good, they stay pending, counted `unmarked`, and the next pass
/// publishes them once more.
#[tokio::test]
async fn acknowledged_rows_are_marked_on_a_later_try_rather_than_published_again() {
    let _lock = LOCK.lock().await;
    let url = databases("marking").remove(0);
    let outbox = fresh_outbox(&url).await;
    let _producing = through(&outbox);
    send_items("m", 0..3).await;
    let refuse =
        "CREATE TRIGGER refuse_marking BEFORE UPDATE OF published_at_us ON eventbus_outbox \
                  BEGIN SELECT RAISE(ABORT, 'busy (test)'); END";
    sqlx::query(refuse).execute(outbox.pool()).await.unwrap();
    // Lifted after the first tries (100 ms, then 200 ms apart).
    let lifting = tokio::spawn({
        let pool = outbox.pool().clone();
        async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            sqlx::query("DROP TRIGGER refuse_marking")
                .execute(&pool)
                .await
                .unwrap();
        }
    });
    let bus = Arc::new(MemoryProducer::new());
    let summary = relay(&outbox, bus.clone(), "relay-marking")
        .pass()
        .await
        .unwrap();
    lifting.await.unwrap();
    assert_eq!((summary.published, summary.unmarked), (3, 0));
    assert_eq!(seqs(&bus), [0, 1, 2], "published once");
    assert_eq!(outbox.status().await.unwrap().pending, 0);

    // Refused for good: left pending and counted, then published again by the next pass.
    send_items("m", 3..5).await;
    sqlx::query(refuse).execute(outbox.pool()).await.unwrap();
    let summary = relay(&outbox, bus.clone(), "relay-marking")
        .pass()
        .await
        .unwrap();
    assert_eq!((summary.published, summary.unmarked), (0, 2));
    assert_eq!(outbox.status().await.unwrap().pending, 2);
    sqlx::query("DROP TRIGGER refuse_marking")
        .execute(outbox.pool())
        .await
        .unwrap();
    let summary = relay(&outbox, bus.clone(), "relay-marking")
        .pass()
        .await
        .unwrap();
    assert_eq!((summary.published, summary.unmarked), (2, 0));
    assert_eq!(
        seqs(&bus),
        [0, 1, 2, 3, 4, 3, 4],
        "the unmarked rows published again"
    );
    assert_eq!(outbox.status().await.unwrap().pending, 0);
    outbox.close().await;
}
