//! What the Kafka clients record for operations (see [`crate::telemetry`]) beside the message
//! counts: the lag per partition (a probe of the committed offsets and watermarks), and readiness
//! from librdkafka's statistics (`statistics.interval.ms`: a broker is up) and the rebalances
//! (the consumer has its assignment).

use crate::sync::LockUnpoisoned;
use crate::telemetry::metrics;
use crate::telemetry::HealthCheck;
use rdkafka::Statistics;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The `statistics.interval.ms` this crate sets unless the settings give another: how often the
/// `connected` readiness and the lag gauges are refreshed.
pub const STATISTICS_INTERVAL_MS: &str = "5000";

/// Refreshes the lag gauges of a consumer every interval, on a thread of its own (its questions
/// to the brokers block; so the lag keeps being reported while a receiver holds the consumer);
/// when dropped, it stops and removes the gauges it set (the consumer left its group: other
/// members report those partitions).
///
/// A thread, not a blocking task of the runtime: the runtime's shutdown waits for its blocking
/// tasks, and a probe that held the consumer last closed it there (a close that can wait on the
/// brokers), which held a stopped consumer's process past its grace period. The thread holds the
/// consumer only while it asks, and nothing waits for it.
#[derive(Debug)]
pub(crate) struct LagProbe {
    reported: Arc<Mutex<Reported>>,
}

/// The partitions whose lag a probe set, and whether it stopped (then it sets no more).
#[derive(Debug, Default)]
struct Reported {
    stopped: bool,
    partitions: HashSet<(String, i32)>,
    group: String,
}

impl Drop for LagProbe {
    fn drop(&mut self) {
        let mut reported = self.reported.locked();
        reported.stopped = true;
        let Reported {
            partitions, group, ..
        } = &mut *reported;
        for (topic, partition) in partitions.drain() {
            metrics::forget_kafka_lag(&topic, group, partition);
        }
    }
}

/// Start refreshing the lag of `group` on the partitions assigned to `consumer`: the high
/// watermark minus the committed offset, every `statistics.interval.ms` of `settings` (default
/// [`STATISTICS_INTERVAL_MS`]); partitions without a committed offset are left out.
pub(crate) fn lag_probe<C>(
    consumer: Arc<C>,
    settings: &crate::settings::KafkaSettings,
    group: &str,
) -> LagProbe
where
    C: rdkafka::consumer::Consumer<super::consumer::EventConsumerContext> + Send + Sync + 'static,
{
    let interval_ms = settings
        .client_options()
        .get("statistics.interval.ms")
        .unwrap_or(STATISTICS_INTERVAL_MS)
        .parse::<u64>()
        .unwrap_or(5000)
        .max(100);
    let reported = Arc::new(Mutex::new(Reported {
        group: group.to_owned(),
        ..Reported::default()
    }));
    let probing = reported.clone();
    let consumer = Arc::downgrade(&consumer);
    let interval = std::time::Duration::from_millis(interval_ms);
    let spawned = std::thread::Builder::new()
        .name("eventbus-kafka-lag".into())
        .spawn(move || loop {
            if let Some(consumer) = consumer.upgrade() {
                record_lag(consumer.as_ref(), &probing);
            }
            // Until the next probe, checking every 100 ms whether to stop.
            let mut waited = std::time::Duration::ZERO;
            while waited < interval {
                let stopped = probing.locked().stopped;
                if stopped || consumer.strong_count() == 0 {
                    return;
                }
                let slice = PROBE_SLICE.min(interval - waited);
                std::thread::sleep(slice);
                waited += slice;
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the lag probe; the lag gauges are not reported");
    }
    LagProbe { reported }
}

/// How often a waiting lag probe checks whether it must stop.
const PROBE_SLICE: std::time::Duration = std::time::Duration::from_millis(100);

fn record_lag<C>(consumer: &C, reported: &Mutex<Reported>)
where
    C: rdkafka::consumer::Consumer<super::consumer::EventConsumerContext>,
{
    let timeout = std::time::Duration::from_secs(5);
    let Ok(assignment) = consumer.assignment() else {
        return;
    };
    let Ok(committed) = consumer.committed_offsets(assignment, timeout) else {
        return;
    };
    for element in committed.elements() {
        let rdkafka::Offset::Offset(done) = element.offset() else {
            continue;
        };
        let Ok((_, high)) =
            consumer.fetch_watermarks(element.topic(), element.partition(), timeout)
        else {
            continue;
        };
        let mut reported = reported.locked();
        if reported.stopped {
            return;
        }
        let (topic, partition) = (element.topic(), element.partition());
        metrics::kafka_lag(topic, &reported.group, partition, (high - done).max(0));
        reported.partitions.insert((topic.to_owned(), partition));
    }
}

/// Whether the statistics show a broker connection up.
pub(crate) fn broker_up(statistics: &Statistics) -> bool {
    statistics.brokers.values().any(|b| b.state == "UP")
}

/// The readiness of a client: `connected` from the statistics (and lost when librdkafka says
/// every broker is down).
pub(crate) fn connected_check(client: &str, servers: &str) -> HealthCheck {
    HealthCheck::register(format!("kafka {client} of {servers}"), &["connected"])
}

/// Update `check` from librdkafka's error callback: every broker down means not connected; a
/// connection, TLS or authentication failure is why (see [`super::client_logs::connection_failure`]).
pub(crate) fn on_error(check: &HealthCheck, error: &rdkafka::error::KafkaError, reason: &str) {
    if error.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::AllBrokersDown) {
        check.set("connected", false);
    }
    if super::client_logs::connection_failure(error).is_some() {
        check.set_reason(Some(super::client_logs::normalize(reason).to_owned()));
    }
}

/// Update `check` from librdkafka's statistics: connected while a broker is up, and then no
/// reason to show.
pub(crate) fn on_statistics(check: &HealthCheck, statistics: &rdkafka::Statistics) {
    let up = broker_up(statistics);
    check.set("connected", up);
    if up {
        check.set_reason(None);
    }
}
