//! The fault-injection harness of the fault tests (`tests/tests/fault_*.rs`): servers and
//! consumers the test owns and can kill, freeze and restart, and exact counting of what was sent,
//! delivered and processed.
//!
//! - [`PrivateKafka`]: a single-node KRaft broker of the test's own (free ports, data that
//!   survives restarts): `bootstrap`, `pid`, `kill` (SIGKILL and reap), `pause`/`resume`
//!   (SIGSTOP/SIGCONT), `restart` (same ports and data, waits until ready), `create_topic`.
//! - [`PrivateCluster`]: a three-broker KRaft cluster of the test's own (three brokers, three
//!   controllers; production replication): `bootstrap`, `kill_broker`, `pause_broker`/
//!   `resume_broker`, `restart_broker`, `create_topic` (optionally led by one broker),
//!   `partitions` (leader, replicas, ISR), `wait_in_sync`, `coordinator_of` a group.
//! - [`PrivateRedis`]: a redis-server of the test's own with AOF persistence (`appendfsync
//!   always`): `url`, `pid`, `kill`, `pause`/`resume`, `restart`.
//! - [`ConsumerProcess`]: the `fault_consumer` binary (the runtime's Kafka or Redis consumer,
//!   recording each processed event in a file before its receiver returns) as a process to
//!   SIGKILL and restart in the same group; Kafka members use static membership.
//! - [`events`]: the numbered events (`user.id` = sequence number) every test sends, and
//!   [`produce_numbered`]: sending them through any `EventProducer` with bounded concurrency.
//! - [`SendLedger`], [`DeliveryReport`], [`RedeliveryReport`]: the counts, printed, and the
//!   exact assertions of `immediate` producing, of a guaranteed producer, and of at-least-once
//!   consuming.
//! - [`kafka_read`], [`redis_read`]: what a topic or stream holds, committed offsets, pending
//!   entries.
//! - [`outbox`]: a fresh transactional outbox, the application's transactions of numbered
//!   events, an in-process relay's options, and what the outbox holds.
//!
//! Counts: [`report`] prints a line on standard error past the test harness's output capture, so
//! that `cargo test` (and CI's log) shows every fault test's counts even when it passes.
//!
//! Rules: the harness signals only processes it started, by the PID of the child it holds and
//! has not reaped; every wait is bounded ([`wait_for`]); servers and scratch directories are
//! stopped and deleted on drop (`EVENTBUS_FAULT_KEEP=1` keeps the directories, with the servers'
//! logs). Hold [`exclusive`] for the whole of a fault test so a binary's fault tests run one at a
//! time.
//!
//! A fault test, in short (see `tests/tests/fault_kafka.rs` for the real ones):
//!
//! ```no_run
//! # async fn fault_test() -> Result<(), eventbus_tests::fault::HarnessError> {
//! use eventbus_runtime::backend::EventProducer;
//! use eventbus_runtime::kafka::KafkaProducer;
//! use eventbus_runtime::settings::KafkaSettings;
//! use eventbus_tests::fault::kafka_read::read_topic;
//! use eventbus_tests::fault::*;
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let _one_at_a_time = exclusive().await;
//! let mut kafka = PrivateKafka::start().await?;
//! kafka.create_topic("fault-events", 3).await?;
//! let registry = std::env::var("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL").expect("the registry");
//! let settings = KafkaSettings::builder(kafka.bootstrap(), registry)
//!     .topic_prefix("fault")
//!     .build()
//!     .expect("settings");
//! let producer: Arc<dyn EventProducer> = Arc::new(KafkaProducer::new(&settings).expect("producer"));
//! let resolved = Resolved::default();
//! let pacing = Pacing { in_flight: 1_000, per_second: None };
//! let sending = tokio::spawn(produce_numbered(producer, "events", 10_000, pacing, resolved.clone()));
//! resolved.wait_for(5_000, Duration::from_secs(60)).await.expect("half resolved");
//! kafka.kill()?;
//! tokio::time::sleep(Duration::from_secs(10)).await;
//! kafka.restart().await?;
//! let ledger = tokio::time::timeout(Duration::from_secs(120), sending)
//!     .await
//!     .expect("every send resolves within the bound")
//!     .expect("no panic");
//! let bootstrap = kafka.bootstrap();
//! let delivered = tokio::task::spawn_blocking(move || {
//!     read_topic(&bootstrap, "fault-events", Duration::from_secs(60))
//! })
//! .await
//! .expect("reader")?;
//! let events: Vec<Processed> = delivered.iter().map(|d| d.event).collect();
//! let report = DeliveryReport::new(&ledger, &events);
//! println!("{report}");
//! report.assert_immediate(); // a guaranteed producer: report.assert_all_delivered_once()
//! # Ok(()) }
//! ```
//!
//! The servers are started by `scripts/fault-node.sh`, which reuses `scripts/lib/*.sh` (same jars
//! and broker configuration as `scripts/services.sh`; Redis with the AOF settings above).

pub mod chaos;
pub mod cluster;
pub mod consumer;
pub mod error;
pub mod events;
pub mod kafka;
pub mod kafka_read;
pub mod ledger;
pub mod outbox;
pub mod process;
pub mod processed;
pub mod produce;
pub mod redis;
pub mod redis_read;
pub mod spans;
pub mod support;

pub use cluster::{PartitionState, PrivateCluster};
pub use consumer::{ConsumerProcess, ConsumerTransport};
pub use error::HarnessError;
pub use kafka::{fault_settings, BrokerFault, PrivateKafka};
pub use ledger::{DeliveryReport, RedeliveryReport, SendLedger};
pub use process::{OwnedProcess, Signal};
pub use processed::Processed;
pub use produce::{
    finish_producing, produce_all, produce_numbered, start_producing, Pacing, Resolved,
};
pub use redis::PrivateRedis;
pub use support::{exclusive, free_port, report, wait_for, ScratchDir};

/// `println!` for a fault test's counts, printed past the test harness's output capture (see
/// [`report`]).
#[macro_export]
macro_rules! fault_report {
    ($($arg:tt)*) => {
        $crate::fault::report(format_args!($($arg)*))
    };
}
