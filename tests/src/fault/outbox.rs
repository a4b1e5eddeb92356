//! The transactional outbox in the fault tests: a fresh outbox, the application's transactions
//! of numbered events, the relay's options, and what the outbox holds. These panic on a database
//! error (a test's setup, not what it measures).

use super::events::{numbered, sequence_of_avro, EVENT_TYPE, KEY_FIELD};
use super::ledger::SendLedger;
use super::support::ScratchDir;
use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::outbox::{EventTransaction, Outbox, RelayOptions};
use eventbus_runtime::producer_config::{ConfiguredProducer, ProducerConfig};
use openedx_events::learning::SessionLoginCompleted;
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The outbox of `url` with new, empty tables (those of an earlier run dropped).
pub async fn fresh_outbox(url: &str) -> Outbox {
    let outbox = Outbox::connect(url).await.expect("outbox database");
    for table in ["eventbus_outbox", "eventbus_outbox_lease"] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(outbox.pool())
            .await
            .expect("drop the outbox tables");
    }
    outbox.migrate().await.expect("outbox tables");
    outbox
}

/// A fresh SQLite outbox in `dir`, and the configured producer (mode `outbox`) that routes the
/// numbered events sent to `topic` (without the prefix) into it, relayed through `producer`;
/// keep the configured producer while the application writes.
pub async fn sqlite_outbox(
    dir: &ScratchDir,
    topic: &str,
    producer: Arc<dyn EventProducer>,
) -> (Outbox, ConfiguredProducer) {
    let outbox = fresh_outbox(&format!(
        "sqlite://{}",
        dir.path().join("outbox.db").display()
    ))
    .await;
    let config = ProducerConfig::from_value(&json!({
        EVENT_TYPE: {topic: {"event_key_field": KEY_FIELD, "enabled": true, "mode": "outbox"}}
    }))
    .expect("configuration");
    let configured = ConfiguredProducer::connect_with_outbox(&config, producer, outbox.clone());
    (outbox, configured)
}

/// Write the numbered events `0..count` through `outbox` as the application does: with
/// `send_event` in transactions of `per_transaction` events, each committed (`count` a
/// multiple of `per_transaction`). The configured producer must route them to the outbox.
pub async fn write_numbered(outbox: &Outbox, count: u64, per_transaction: u64) {
    let step = usize::try_from(per_transaction).expect("fits");
    for first in (0..count).step_by(step) {
        let mut tx = EventTransaction::begin(outbox.pool()).await.expect("begin");
        for seq in first..first + per_transaction {
            let (event, _) = numbered(seq);
            let event = event
                .as_any()
                .downcast_ref::<SessionLoginCompleted>()
                .expect("a SessionLoginCompleted")
                .clone();
            let report = tx.send_event(event).await.expect("send");
            assert!(report.is_ok(), "{report:?}");
        }
        tx.commit().await.expect("commit");
    }
}

/// The options of an in-process relay of a fault test: `relay_id`, batches of `batch_size`,
/// polls every 50 ms, backoff from 200 ms to 2 s, a 120 s lease.
pub fn relay_options(relay_id: &str, batch_size: usize) -> RelayOptions {
    RelayOptions {
        relay_id: relay_id.to_owned(),
        batch_size,
        poll_interval: Duration::from_millis(50),
        min_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
        lease: Duration::from_secs(120),
        ..RelayOptions::default()
    }
}

/// What the outbox holds: one ledger entry per row (its sequence number and event id), all `Ok`
/// (the application's commit succeeded); `n` events expected.
pub async fn ledger_of(outbox: &Outbox, n: u64) -> SendLedger {
    let rows = sqlx::query("SELECT event_id, event_data FROM eventbus_outbox")
        .fetch_all(outbox.pool())
        .await
        .expect("read the outbox");
    let mut ledger = SendLedger::new(usize::try_from(n).expect("fits"));
    for row in rows {
        let id: String = row.get(0);
        let data: Vec<u8> = row.get(1);
        let seq = sequence_of_avro(&data).expect("a fault-test event");
        ledger.record(seq, id.parse().expect("a UUID"), Ok(()));
    }
    ledger
}

/// Wait until at least `count` rows are published (polling every 50 ms; panics after `bound`);
/// how many are.
pub async fn wait_published(outbox: &Outbox, count: u64, bound: Duration) -> u64 {
    let deadline = Instant::now() + bound;
    loop {
        let published = outbox.status().await.expect("outbox status").published;
        if published >= count {
            return published;
        }
        assert!(
            Instant::now() < deadline,
            "only {published} of {count} rows published within {bound:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
