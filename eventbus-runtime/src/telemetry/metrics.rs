//! The Prometheus metrics of the process (one registry, [`prometheus_client`]), and the small
//! functions the producers, consumers and the outbox call to record them.
//!
//! Names follow the OpenTelemetry messaging conventions where they apply (Prometheus adds
//! `_total` to counters):
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `messaging_client_sent_messages_total` | counter: events acknowledged by the broker | `system`, `topic`, `event_type` |
//! | `messaging_client_send_failures_total` | counter: events whose send failed | `system`, `topic`, `event_type` |
//! | `messaging_client_operation_duration_seconds` | histogram: send latency, acknowledged or failed | `system`, `topic`, `operation` (`send`) |
//! | `messaging_client_consumed_messages_total` | counter: messages read from the bus | `system`, `topic`, `group`, `event_type` |
//! | `messaging_process_duration_seconds` | histogram: processing time of each message read | `system`, `topic`, `group`, `event_type` |
//! | `eventbus_consumer_processed_messages_total` | counter: messages whose receivers all succeeded | `system`, `topic`, `group`, `event_type` |
//! | `eventbus_consumer_dead_lettered_messages_total` | counter: messages copied to the dead-letter topic or stream | `system`, `topic`, `group`, `event_type` |
//! | `eventbus_consumer_retried_messages_total` | counter: messages to be read again after a transient failure | `system`, `topic`, `group` |
//! | `eventbus_consumer_receiver_retries_total` | counter: receiver runs repeated after receivers failed (per-receiver retries) | `system`, `topic`, `group`, `event_type` |
//! | `eventbus_consumer_rebalances_total` | counter: partitions assigned to or revoked from this member, by rebalance | `system`, `topic`, `group`, `change` (`assigned`, `revoked`) |
//! | `eventbus_consumer_assigned_partitions` | gauge: partitions this member holds | `system`, `topic`, `group` |
//! | `eventbus_consumer_revocation_drain_seconds` | histogram: time a revocation waited for the running events of its partitions, and the commit | `system`, `topic`, `group` |
//! | `eventbus_consumer_late_completions_total` | counter: events that finished after their partition was revoked (not committed) | `system`, `topic`, `group` |
//! | `kafka_consumergroup_lag` | gauge: messages of a partition not yet committed by the group (librdkafka statistics) | `topic`, `group`, `partition` |
//! | `redis_consumergroup_lag` | gauge: entries of the stream not yet delivered to the group (`XINFO GROUPS`) | `topic`, `group` |
//! | `redis_consumergroup_pending` | gauge: entries delivered and not yet acknowledged (`XINFO GROUPS`) | `topic`, `group` |
//! | `eventbus_outbox_pending_rows` | gauge: outbox rows not yet published | `topic` |
//! | `eventbus_outbox_oldest_pending_age_seconds` | gauge: age of the oldest pending row | `topic` |
//!
//! `topic` is the full topic (or stream) with its prefix; `event_type` is `unknown` when a message
//! carries none.

use super::trace::{send_span, TraceContext};
use crate::sync::LockUnpoisoned;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The transport, the `system` label (OpenTelemetry's `messaging.system`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    /// Kafka.
    Kafka,
    /// Redis streams.
    Redis,
    /// The in-memory bus of unit tests ([`crate::consume::MemoryBus`]).
    Memory,
}

impl System {
    /// The label value: `kafka` or `redis`.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Kafka => "kafka",
            System::Redis => "redis",
            System::Memory => "memory",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SentLabels {
    system: &'static str,
    topic: String,
    event_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OperationLabels {
    system: &'static str,
    topic: String,
    operation: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ConsumerLabels {
    system: &'static str,
    topic: String,
    group: String,
    event_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct GroupLabels {
    system: &'static str,
    topic: String,
    group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RebalanceLabels {
    system: &'static str,
    topic: String,
    group: String,
    change: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PartitionLabels {
    topic: String,
    group: String,
    partition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StreamLabels {
    topic: String,
    group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TopicLabels {
    topic: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~33 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 17))
}

struct Metrics {
    registry: Registry,
    sent: Family<SentLabels, Counter>,
    send_failures: Family<SentLabels, Counter>,
    operation_duration: Histograms<OperationLabels>,
    consumed: Family<ConsumerLabels, Counter>,
    processed: Family<ConsumerLabels, Counter>,
    dead_lettered: Family<ConsumerLabels, Counter>,
    retried: Family<GroupLabels, Counter>,
    receiver_retries: Family<ConsumerLabels, Counter>,
    process_duration: Histograms<ConsumerLabels>,
    rebalances: Family<RebalanceLabels, Counter>,
    assigned_partitions: Family<GroupLabels, Gauge>,
    revocation_drain: Histograms<GroupLabels>,
    late_completions: Family<GroupLabels, Counter>,
    kafka_lag: Family<PartitionLabels, Gauge>,
    redis_lag: Family<StreamLabels, Gauge>,
    redis_pending: Family<StreamLabels, Gauge>,
    outbox_pending: Family<TopicLabels, Gauge>,
    outbox_oldest: Family<TopicLabels, Gauge<f64, AtomicU64>>,
    /// The topics whose outbox backlog was reported.
    outbox_topics: std::sync::Mutex<std::collections::HashSet<TopicLabels>>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::default();
        Metrics {
            sent: registered(
                &mut registry,
                "messaging_client_sent_messages",
                "Events acknowledged by the broker",
                Family::default(),
            ),
            send_failures: registered(
                &mut registry,
                "messaging_client_send_failures",
                "Events whose send failed",
                Family::default(),
            ),
            operation_duration: registered(
                &mut registry,
                "messaging_client_operation_duration_seconds",
                "Duration of a send, acknowledged or failed, in seconds",
                Family::new_with_constructor(latency_histogram),
            ),
            consumed: registered(
                &mut registry,
                "messaging_client_consumed_messages",
                "Messages read from the bus",
                Family::default(),
            ),
            processed: registered(
                &mut registry,
                "eventbus_consumer_processed_messages",
                "Messages whose receivers all succeeded",
                Family::default(),
            ),
            dead_lettered: registered(
                &mut registry,
                "eventbus_consumer_dead_lettered_messages",
                "Messages copied to the dead-letter topic or stream",
                Family::default(),
            ),
            retried: registered(
                &mut registry,
                "eventbus_consumer_retried_messages",
                "Messages to be read again after a transient failure",
                Family::default(),
            ),
            receiver_retries: registered(
                &mut registry,
                "eventbus_consumer_receiver_retries",
                "Receiver runs repeated after receivers failed (per-receiver retries)",
                Family::default(),
            ),
            process_duration: registered(
                &mut registry,
                "messaging_process_duration_seconds",
                "Processing time of a message read from the bus, in seconds",
                Family::new_with_constructor(latency_histogram),
            ),
            rebalances: registered(
                &mut registry,
                "eventbus_consumer_rebalances",
                "Rebalances that assigned partitions to this member or revoked them from it",
                Family::default(),
            ),
            assigned_partitions: registered(
                &mut registry,
                "eventbus_consumer_assigned_partitions",
                "Partitions this member holds",
                Family::default(),
            ),
            revocation_drain: registered(
                &mut registry,
                "eventbus_consumer_revocation_drain_seconds",
                "Time a revocation waited for the running events of its partitions and the commit, in seconds",
                Family::new_with_constructor(latency_histogram),
            ),
            late_completions: registered(
                &mut registry,
                "eventbus_consumer_late_completions",
                "Events that finished after their partition was revoked (not committed)",
                Family::default(),
            ),
            kafka_lag: registered(
                &mut registry,
                "kafka_consumergroup_lag",
                "Messages of a partition not yet committed by the consumer group (librdkafka statistics)",
                Family::default(),
            ),
            redis_lag: registered(
                &mut registry,
                "redis_consumergroup_lag",
                "Entries of the stream not yet delivered to the consumer group (XINFO GROUPS)",
                Family::default(),
            ),
            redis_pending: registered(
                &mut registry,
                "redis_consumergroup_pending",
                "Entries delivered to the consumer group and not yet acknowledged (XINFO GROUPS)",
                Family::default(),
            ),
            outbox_pending: registered(
                &mut registry,
                "eventbus_outbox_pending_rows",
                "Outbox rows not yet published",
                Family::default(),
            ),
            outbox_oldest: registered(
                &mut registry,
                "eventbus_outbox_oldest_pending_age_seconds",
                "Age of the oldest outbox row not yet published, in seconds",
                Family::default(),
            ),
            outbox_topics: std::sync::Mutex::default(),
            registry,
        }
    }
}

/// `metric`, registered in `registry` as `name` with `help`: the handle the code records with.
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Every metric in the Prometheus (OpenMetrics) text format.
pub fn encode() -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &metrics().registry);
    text
}

/// The send metrics of one producer: the label sets of each topic and event type are looked up
/// once, so that timing and counting a send allocates no labels.
#[derive(Debug)]
pub struct ProducerMetrics {
    system: System,
    by_topic: std::sync::Mutex<HashMap<String, HashMap<&'static str, Arc<SendMetrics>>>>,
}

/// The metrics of the sends of one event type to one topic.
#[derive(Debug)]
struct SendMetrics {
    labels: SentLabels,
    duration: Histogram,
    /// Made on the first acknowledged send, and on the first failure: a series appears once it
    /// counts something.
    sent: OnceLock<Counter>,
    failed: OnceLock<Counter>,
}

impl ProducerMetrics {
    /// The metrics of a producer over `system`.
    pub fn new(system: System) -> Self {
        ProducerMetrics {
            system,
            by_topic: std::sync::Mutex::default(),
        }
    }

    fn of(&self, topic: &str, event_type: &'static str) -> Arc<SendMetrics> {
        let mut by_topic = self.by_topic.locked();
        if let Some(kept) = by_topic.get(topic).and_then(|types| types.get(event_type)) {
            return Arc::clone(kept);
        }
        let labels = SentLabels {
            system: self.system.as_str(),
            topic: topic.to_owned(),
            event_type: event_type.to_owned(),
        };
        let duration = metrics()
            .operation_duration
            .get_or_create(&OperationLabels {
                system: labels.system,
                topic: labels.topic.clone(),
                operation: "send",
            })
            .clone();
        let made = Arc::new(SendMetrics {
            labels,
            duration,
            sent: OnceLock::new(),
            failed: OnceLock::new(),
        });
        by_topic
            .entry(topic.to_owned())
            .or_default()
            .insert(event_type, Arc::clone(&made));
        made
    }

    /// A send of the event `message_id` of `event_type` to `topic` starts: timed, and traced by
    /// a `send` span in a new trace (see [`super::trace`]); `message_id` is only formatted when a
    /// subscriber records the span.
    pub fn sending(
        &self,
        topic: &str,
        event_type: &'static str,
        message_id: &dyn std::fmt::Display,
    ) -> Sending {
        let (span, context) = send_span(self.system.as_str(), topic, message_id);
        Sending {
            of: self.of(topic, event_type),
            start: Instant::now(),
            acknowledged: false,
            span,
            context,
        }
    }
}

/// One send of an event, timed from its start (see [`ProducerMetrics::sending`]): counted sent
/// when [`Sending::acknowledged`] is called, failed when dropped without it; its duration is
/// recorded either way.
#[derive(Debug)]
#[must_use = "the send is timed until the value is dropped"]
pub struct Sending {
    of: Arc<SendMetrics>,
    start: Instant,
    acknowledged: bool,
    context: TraceContext,
    span: tracing::Span,
}

impl Sending {
    /// The `traceparent` the message carries (its send span's context).
    pub fn traceparent(&self) -> String {
        self.context.header()
    }

    /// The send span.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// The broker acknowledged the event.
    pub fn acknowledged(mut self) {
        self.acknowledged = true;
    }
}

impl Drop for Sending {
    fn drop(&mut self) {
        let of = &self.of;
        let (counter, family) = if self.acknowledged {
            (&of.sent, &metrics().sent)
        } else {
            (&of.failed, &metrics().send_failures)
        };
        counter
            .get_or_init(|| family.get_or_create(&of.labels).clone())
            .inc();
        of.duration.observe(self.start.elapsed().as_secs_f64());
    }
}

/// The metrics of one consumer (its system, topic and group): the label sets of each event type
/// are looked up once, so that counting a message allocates nothing.
#[derive(Debug)]
pub struct ConsumerMetrics {
    system: System,
    topic: String,
    group: String,
    by_type: std::sync::Mutex<HashMap<String, Arc<TypeMetrics>>>,
}

/// The metrics of one event type read by a consumer.
#[derive(Debug)]
struct TypeMetrics {
    labels: ConsumerLabels,
    consumed: Counter,
    duration: Histogram,
    /// Made on the first success, so that a type that never succeeds shows no processed count.
    processed: OnceLock<Counter>,
    /// Made on the first retry.
    receiver_retries: OnceLock<Counter>,
}

/// How many event types a consumer keeps the metrics of; the types beyond (a topic carrying
/// arbitrary `ce_type`s) are looked up at each message.
const TYPES_KEPT: usize = 256;

impl ConsumerMetrics {
    /// The metrics of `group` reading `topic` (the full topic or stream) over `system`.
    pub fn new(system: System, topic: &str, group: &str) -> Self {
        ConsumerMetrics {
            system,
            topic: topic.to_owned(),
            group: group.to_owned(),
            by_type: std::sync::Mutex::default(),
        }
    }

    /// The transport.
    pub fn system(&self) -> System {
        self.system
    }

    /// The full topic or stream.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The consumer group.
    pub fn group(&self) -> &str {
        &self.group
    }

    fn labels(&self, event_type: Option<&str>) -> ConsumerLabels {
        ConsumerLabels {
            system: self.system.as_str(),
            topic: self.topic.clone(),
            group: self.group.clone(),
            event_type: event_type.unwrap_or("unknown").to_owned(),
        }
    }

    fn of_type(&self, event_type: Option<&str>) -> Arc<TypeMetrics> {
        let name = event_type.unwrap_or("unknown");
        let mut by_type = self.by_type.locked();
        if let Some(kept) = by_type.get(name) {
            return Arc::clone(kept);
        }
        let m = metrics();
        let labels = self.labels(event_type);
        let made = Arc::new(TypeMetrics {
            consumed: m.consumed.get_or_create(&labels).clone(),
            duration: m.process_duration.get_or_create(&labels).clone(),
            processed: OnceLock::new(),
            receiver_retries: OnceLock::new(),
            labels,
        });
        if by_type.len() < TYPES_KEPT {
            by_type.insert(name.to_owned(), Arc::clone(&made));
        }
        made
    }

    /// A message carrying `event_type` (`None`: it has none) was read: counted consumed, timed
    /// until the returned value is dropped.
    pub fn consumed(&self, event_type: Option<&str>) -> Processing {
        let of_type = self.of_type(event_type);
        of_type.consumed.inc();
        Processing {
            of_type,
            start: Instant::now(),
            succeeded: false,
            span: tracing::Span::none(),
            context: None,
        }
    }

    /// A message was copied to the dead-letter topic or stream.
    pub fn dead_lettered(&self, event_type: Option<&str>) {
        metrics()
            .dead_lettered
            .get_or_create(&self.labels(event_type))
            .inc();
    }

    fn group_labels(&self) -> GroupLabels {
        GroupLabels {
            system: self.system.as_str(),
            topic: self.topic.clone(),
            group: self.group.clone(),
        }
    }

    /// A rebalance assigned `partitions` to this member (`assigned`) or revoked them; it now
    /// holds `held` partitions.
    pub fn rebalanced(&self, assigned: bool, partitions: usize, held: usize) {
        let m = metrics();
        m.rebalances
            .get_or_create(&RebalanceLabels {
                system: self.system.as_str(),
                topic: self.topic.clone(),
                group: self.group.clone(),
                change: if assigned { "assigned" } else { "revoked" },
            })
            .inc_by(partitions as u64);
        m.assigned_partitions
            .get_or_create(&self.group_labels())
            .set(i64::try_from(held).unwrap_or(i64::MAX));
    }

    /// A revocation waited `seconds` for its running events and the commit.
    pub fn revocation_drained(&self, seconds: f64) {
        metrics()
            .revocation_drain
            .get_or_create(&self.group_labels())
            .observe(seconds);
    }

    /// An event finished after its partition was revoked; it is not committed.
    pub fn late_completion(&self) {
        metrics()
            .late_completions
            .get_or_create(&self.group_labels())
            .inc();
    }

    /// A message is to be read again after a transient failure.
    pub fn retried(&self) {
        metrics()
            .retried
            .get_or_create(&GroupLabels {
                system: self.system.as_str(),
                topic: self.topic.clone(),
                group: self.group.clone(),
            })
            .inc();
    }
}

/// The processing of one message read from the bus (see [`ConsumerMetrics::consumed`]): records
/// its duration when dropped, and counts it processed if [`Processing::succeeded`] was called.
#[derive(Debug)]
#[must_use = "the processing is timed until the value is dropped"]
pub struct Processing {
    of_type: Arc<TypeMetrics>,
    start: Instant,
    succeeded: bool,
    span: tracing::Span,
    context: Option<TraceContext>,
}

impl Processing {
    /// The same, traced by `span` in the trace `context` (see
    /// [`super::trace::process_span`]); the span closes when the processing ends.
    pub fn traced(mut self, span: tracing::Span, context: Option<TraceContext>) -> Self {
        self.span = span;
        self.context = context;
        self
    }

    /// The processing span.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Run `future`, the message's receivers, inside the processing span: their logs carry it
    /// and their sends continue its trace.
    pub async fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        super::trace::within(&self.span, self.context, future).await
    }

    /// Its receivers all succeeded.
    pub fn succeeded(mut self) {
        self.succeeded = true;
    }

    /// Its receivers ran `attempts` times (the first run and the retries of those that failed).
    pub fn receivers_ran(&self, attempts: u32) {
        let retries = attempts.saturating_sub(1);
        if retries == 0 {
            return;
        }
        let of_type = &self.of_type;
        of_type
            .receiver_retries
            .get_or_init(|| {
                metrics()
                    .receiver_retries
                    .get_or_create(&of_type.labels)
                    .clone()
            })
            .inc_by(u64::from(retries));
    }
}

impl Drop for Processing {
    fn drop(&mut self) {
        let of_type = &self.of_type;
        of_type.duration.observe(self.start.elapsed().as_secs_f64());
        if self.succeeded {
            of_type
                .processed
                .get_or_init(|| metrics().processed.get_or_create(&of_type.labels).clone())
                .inc();
        }
    }
}

/// The lag of `group` on a partition of a Kafka `topic`.
pub fn kafka_lag(topic: &str, group: &str, partition: i32, lag: i64) {
    metrics()
        .kafka_lag
        .get_or_create(&PartitionLabels {
            topic: topic.to_owned(),
            group: group.to_owned(),
            partition: partition.to_string(),
        })
        .set(lag);
}

/// Stop reporting the lag of `group` on a partition (revoked: another member reports it now).
pub fn forget_kafka_lag(topic: &str, group: &str, partition: i32) {
    metrics().kafka_lag.remove(&PartitionLabels {
        topic: topic.to_owned(),
        group: group.to_owned(),
        partition: partition.to_string(),
    });
}

/// The lag and pending count of `group` on a Redis stream (`XINFO GROUPS`); a lag Redis cannot
/// tell (`None`, after deletions) is not recorded.
pub fn redis_lag(stream: &str, group: &str, lag: Option<i64>, pending: i64) {
    let m = metrics();
    let labels = StreamLabels {
        topic: stream.to_owned(),
        group: group.to_owned(),
    };
    if let Some(lag) = lag {
        m.redis_lag.get_or_create(&labels).set(lag);
    }
    m.redis_pending.get_or_create(&labels).set(pending);
}

/// The outbox backlog now: `(topic, rows pending, oldest pending row's age in seconds)` for each
/// topic with pending rows; the topics reported before and absent now are set to 0.
pub fn outbox_backlog<'a>(topics: impl IntoIterator<Item = (&'a str, u64, f64)>) {
    let m = metrics();
    let mut seen = std::collections::HashSet::new();
    for (topic, pending, oldest_age) in topics {
        let labels = TopicLabels {
            topic: topic.to_owned(),
        };
        m.outbox_pending
            .get_or_create(&labels)
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
        m.outbox_oldest.get_or_create(&labels).set(oldest_age);
        seen.insert(labels);
    }
    let mut known = m.outbox_topics.locked();
    for gone in known.difference(&seen) {
        m.outbox_pending.get_or_create(gone).set(0);
        m.outbox_oldest.get_or_create(gone).set(0.0);
    }
    known.extend(seen);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_are_encoded_with_their_labels() {
        let producer = ProducerMetrics::new(System::Kafka);
        producer
            .sending("unit-sent", "org.example.v1", &"id-1")
            .acknowledged();
        drop(producer.sending("unit-sent", "org.example.v1", &"id-2"));
        ConsumerMetrics::new(System::Redis, "unit-stream", "g")
            .consumed(None)
            .succeeded();
        let text = encode();
        assert!(text.contains(
            "messaging_client_sent_messages_total{system=\"kafka\",topic=\"unit-sent\",event_type=\"org.example.v1\"} 1"
        ), "{text}");
        assert!(text.contains(
            "messaging_client_send_failures_total{system=\"kafka\",topic=\"unit-sent\",event_type=\"org.example.v1\"} 1"
        ), "{text}");
        assert!(text.contains(
            "eventbus_consumer_processed_messages_total{system=\"redis\",topic=\"unit-stream\",group=\"g\",event_type=\"unknown\"} 1"
        ), "{text}");
        assert!(text.contains(
            "messaging_process_duration_seconds_count{system=\"redis\",topic=\"unit-stream\",group=\"g\",event_type=\"unknown\"} 1"
        ), "{text}");
    }

    #[test]
    fn outbox_topics_that_drained_go_back_to_zero() {
        outbox_backlog([("unit-a", 3, 1.5), ("unit-b", 1, 0.25)]);
        let text = encode();
        assert!(
            text.contains("eventbus_outbox_pending_rows{topic=\"unit-a\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("eventbus_outbox_oldest_pending_age_seconds{topic=\"unit-a\"} 1.5\n"),
            "{text}"
        );
        outbox_backlog([("unit-b", 2, 0.5)]);
        let text = encode();
        assert!(
            text.contains("eventbus_outbox_pending_rows{topic=\"unit-a\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("eventbus_outbox_oldest_pending_age_seconds{topic=\"unit-a\"} 0.0\n"),
            "{text}"
        );
        assert!(
            text.contains("eventbus_outbox_pending_rows{topic=\"unit-b\"} 2\n"),
            "{text}"
        );
    }
}
