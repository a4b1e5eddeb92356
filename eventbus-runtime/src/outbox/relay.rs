//! [`Relay`]: publishes the outbox rows through a producer backend, topic by topic in id order,
//! marking each row published only after the broker acknowledged it.

use super::store::StoredRow;
use super::{Outbox, OutboxError};
use crate::backend::EventProducer;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the relay refreshes the outbox backlog metrics (see [`crate::telemetry::metrics`]).
pub const BACKLOG_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);
/// How a [`Relay`] works; [`RelayOptions::from_env`] reads the `EVENT_BUS_OUTBOX_RELAY_*`
/// variables.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayOptions {
    /// This relay's name in the topic leases (`EVENT_BUS_OUTBOX_RELAY_ID`; default
    /// `{host}-{pid}`). A relay restarted with the same name takes its leases back at once;
    /// another one waits until they expire.
    pub relay_id: String,
    /// Rows read and produced at once per topic (`EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE`, 500). A
    /// relay killed mid-batch publishes the rows of that batch again on restart.
    pub batch_size: usize,
    /// How long to wait when there is nothing to publish (`EVENT_BUS_OUTBOX_RELAY_POLL_INTERVAL`
    /// seconds, 0.2).
    pub poll_interval: Duration,
    /// SQLite: how long a topic's lease lasts; renewed before every batch
    /// (`EVENT_BUS_OUTBOX_RELAY_LEASE` seconds, 30). Keep it longer than the producer's delivery
    /// timeout. (MySQL/MariaDB and PostgreSQL hold a row lock for each batch instead.)
    pub lease: Duration,
    /// The first wait after a failure (`EVENT_BUS_OUTBOX_RELAY_MIN_BACKOFF` seconds, 0.5),
    /// doubled after each failure in a row, with jitter...
    pub min_backoff: Duration,
    /// ...up to this (`EVENT_BUS_OUTBOX_RELAY_MAX_BACKOFF` seconds, 30).
    pub max_backoff: Duration,
    /// Stop [`Relay::run`] after a pass that found nothing to publish (for a drain or a cron job;
    /// default: keep polling).
    pub stop_when_idle: bool,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            relay_id: format!("{}-{}", crate::metadata::host_name(), std::process::id()),
            batch_size: 500,
            poll_interval: Duration::from_millis(200),
            lease: Duration::from_secs(30),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            stop_when_idle: false,
        }
    }
}

impl RelayOptions {
    /// The defaults, overridden by the `EVENT_BUS_OUTBOX_RELAY_*` variables that are set; an
    /// invalid value is an error naming the variable.
    pub fn from_env() -> Result<RelayOptions, OutboxError> {
        RelayOptions::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading the variables through `lookup`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RelayOptions, OutboxError> {
        let mut options = RelayOptions::default();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(id) = get("EVENT_BUS_OUTBOX_RELAY_ID") {
            options.relay_id = id;
        }
        if let Some(size) = get("EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE") {
            options.batch_size = size
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| OutboxError::Setting {
                    setting: "EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE",
                    reason: format!("must be a whole number from 1 to 100000, found `{size}`"),
                })?;
        }
        let seconds = |setting: &'static str, target: &mut Duration| -> Result<(), OutboxError> {
            if let Some(value) = get(setting) {
                *target = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 86_400.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| OutboxError::Setting {
                        setting,
                        reason: format!(
                            "must be a number of seconds from 0 to 86400, found `{value}`"
                        ),
                    })?;
            }
            Ok(())
        };
        seconds(
            "EVENT_BUS_OUTBOX_RELAY_POLL_INTERVAL",
            &mut options.poll_interval,
        )?;
        seconds("EVENT_BUS_OUTBOX_RELAY_LEASE", &mut options.lease)?;
        seconds(
            "EVENT_BUS_OUTBOX_RELAY_MIN_BACKOFF",
            &mut options.min_backoff,
        )?;
        seconds(
            "EVENT_BUS_OUTBOX_RELAY_MAX_BACKOFF",
            &mut options.max_backoff,
        )?;
        if options.max_backoff < options.min_backoff {
            return Err(OutboxError::Setting {
                setting: "EVENT_BUS_OUTBOX_RELAY_MAX_BACKOFF",
                reason: "must not be less than EVENT_BUS_OUTBOX_RELAY_MIN_BACKOFF".to_owned(),
            });
        }
        Ok(options)
    }
}

/// What a relay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RelaySummary {
    /// Rows published (acknowledged by the broker) and marked.
    pub published: u64,
    /// Attempts that failed (broker down, delivery timeout...); those rows stay pending.
    pub failed_attempts: u64,
    /// Rows this program cannot read back (unknown event type, bad data); they stay pending with
    /// their error, for a relay that can, or for an operator.
    pub unreadable: u64,
    /// Rows the broker acknowledged but the database did not let the relay mark published, even
    /// after [`MARK_ATTEMPTS`] tries: they stay pending and are published again (a duplicate
    /// each; the consumers' at-least-once handling covers it).
    pub unmarked: u64,
}

impl RelaySummary {
    fn add(&mut self, other: RelaySummary) {
        self.published += other.published;
        self.failed_attempts += other.failed_attempts;
        self.unreadable += other.unreadable;
        self.unmarked += other.unmarked;
    }
}

/// Publishes the outbox rows through a producer (Kafka, Redis...).
///
/// Each pass lists the topics with pending rows; for each topic it can claim, it reads up to
/// `batch_size` rows in id order, produces them, marks the acknowledged ones published and
/// records the error of the others (which stay pending). Several relays on one database share the
/// topics: a topic is claimed by one relay at a time (a row lock held for the batch on
/// MySQL/MariaDB and PostgreSQL, a lease on SQLite). While the broker fails, passes are spaced by
/// an exponential backoff with jitter.
pub struct Relay {
    outbox: Outbox,
    producer: Arc<dyn EventProducer>,
    options: RelayOptions,
}

impl Relay {
    /// A relay from `outbox` to `producer`.
    pub fn new(outbox: Outbox, producer: Arc<dyn EventProducer>, options: RelayOptions) -> Self {
        Relay {
            outbox,
            producer,
            options,
        }
    }

    /// The options.
    pub fn options(&self) -> &RelayOptions {
        &self.options
    }

    /// Publish until `shutdown` is cancelled (SIGTERM in the CLI), or, with `stop_when_idle`, until
    /// a pass finds nothing to publish: the batch in hand is finished and marked, the leases are
    /// released and the producer flushed. Database errors are retried
    /// like broker errors, with the backoff.
    pub async fn run(&self, shutdown: CancellationToken) -> RelaySummary {
        let mut summary = RelaySummary::default();
        let mut backoff = Backoff::new(self.options.min_backoff, self.options.max_backoff);
        tracing::info!(relay_id = %self.options.relay_id, outbox = %self.outbox.url(), "outbox relay started");
        let mut backlog_read: Option<std::time::Instant> = None;
        while !shutdown.is_cancelled() {
            self.record_backlog(&mut backlog_read).await;
            let wait = match self.pass().await {
                Ok(pass) => {
                    summary.add(pass);
                    if pass.failed_attempts > 0 || pass.unmarked > 0 {
                        backoff.next_delay()
                    } else {
                        backoff.reset();
                        if pass.published > 0 {
                            continue;
                        }
                        if self.options.stop_when_idle {
                            break;
                        }
                        self.options.poll_interval
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "outbox relay: database error, retrying");
                    backoff.next_delay()
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        if let Err(error) = self.outbox.release(&self.options.relay_id).await {
            tracing::warn!(%error, "outbox relay: could not release its leases (they expire)");
        }
        if let Err(error) = self.producer.flush().await {
            tracing::warn!(%error, "outbox relay: flushing the producer failed");
        }
        tracing::info!(
            published = summary.published,
            failed_attempts = summary.failed_attempts,
            unreadable = summary.unreadable,
            unmarked = summary.unmarked,
            "outbox relay stopped"
        );
        summary
    }

    /// Refresh the outbox backlog gauges (`Outbox::status`) at most every
    /// [`BACKLOG_INTERVAL`]; a failure is logged at debug level (the pass reports database errors).
    async fn record_backlog(&self, last: &mut Option<std::time::Instant>) {
        if last.is_some_and(|at| at.elapsed() < BACKLOG_INTERVAL) {
            return;
        }
        *last = Some(std::time::Instant::now());
        if let Err(error) = self.outbox.status().await {
            tracing::debug!(%error, "outbox relay: reading the backlog failed");
        }
    }

    /// One pass over the topics with pending rows: at most one batch per topic.
    pub async fn pass(&self) -> Result<RelaySummary, OutboxError> {
        let mut summary = RelaySummary::default();
        for topic in self.outbox.pending_topics().await? {
            let Some(claim) = self
                .outbox
                .claim(&topic, &self.options.relay_id, self.options.lease)
                .await?
            else {
                tracing::debug!(%topic, "another relay holds the topic");
                continue;
            };
            let batch = match self.outbox.pending(&topic, self.options.batch_size).await {
                Ok(rows) => self.publish(rows).await,
                Err(error) => Err(error),
            };
            claim.release().await?;
            summary.add(batch?);
        }
        Ok(summary)
    }

    /// Produce one batch of a topic and record the outcome of each row.
    async fn publish(&self, rows: Vec<StoredRow>) -> Result<RelaySummary, OutboxError> {
        let mut summary = RelaySummary::default();
        let mut readable = Vec::with_capacity(rows.len());
        for stored in rows {
            match stored.row.decode() {
                Ok((event, metadata)) => readable.push((stored, event, metadata)),
                Err(reason) => {
                    let error = OutboxError::BadRow {
                        id: stored.id,
                        event_type: stored.row.event_type.clone(),
                        topic: stored.row.topic.clone(),
                        reason,
                    };
                    tracing::error!(%error, "outbox row left pending");
                    self.outbox
                        .record_failures(&[stored.id], &error.to_string())
                        .await?;
                    summary.unreadable += 1;
                }
            }
        }
        let sends = readable.iter().map(|(stored, event, metadata)| {
            self.producer.send(
                &stored.row.topic,
                &stored.row.event_key_field,
                event.clone(),
                metadata,
            )
        });
        let results = futures_util::future::join_all(sends).await;
        let mut published = Vec::with_capacity(results.len());
        // The rows that failed, by error: a broker that is away fails a whole batch alike, and
        // that is one statement, not one per row.
        let mut failed: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for ((stored, _, _), result) in readable.iter().zip(results) {
            match result {
                Ok(_) => published.push(stored.id),
                Err(error) => failed.entry(error.to_string()).or_default().push(stored.id),
            }
        }
        for (error, ids) in &failed {
            summary.failed_attempts += ids.len() as u64;
            self.outbox.record_failures(ids, error).await?;
        }
        match self.mark_acknowledged(&published).await {
            Ok(()) => summary.published = published.len() as u64,
            Err(error) => {
                tracing::error!(
                    %error,
                    rows = published.len(),
                    "outbox relay: acknowledged rows could not be marked published; they stay \
                     pending and will be published again"
                );
                summary.unmarked = published.len() as u64;
            }
        }
        let first_error = failed.iter().next().map(|(error, ids)| (ids[0], error));
        if let Some((id, error)) = first_error {
            tracing::warn!(
                row = id,
                failed = summary.failed_attempts,
                published = summary.published,
                %error,
                "outbox relay: rows not acknowledged, will retry"
            );
        } else if summary.published > 0 {
            tracing::debug!(published = summary.published, "outbox rows published");
        }
        Ok(summary)
    }
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("outbox", &self.outbox)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// How many times the relay tries to mark acknowledged rows published before it leaves them
/// pending (a database busy with the application's writes, e.g. SQLite's one writer): publishing
/// them again would make duplicates.
pub const MARK_ATTEMPTS: u32 = 5;

impl Relay {
    /// Mark `ids`, acknowledged by the broker, published: [`MARK_ATTEMPTS`] tries, 100 ms apart
    /// and doubling.
    async fn mark_acknowledged(&self, ids: &[i64]) -> Result<(), OutboxError> {
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            match self.outbox.mark_published(ids).await {
                Ok(()) => return Ok(()),
                Err(error) if attempt < MARK_ATTEMPTS => {
                    tracing::warn!(
                        %error,
                        attempt,
                        of = MARK_ATTEMPTS,
                        rows = ids.len(),
                        "outbox relay: marking acknowledged rows published failed; trying again"
                    );
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Exponential backoff with jitter: each delay is drawn between half and all of the current
/// step, which doubles after each failure up to the maximum.
#[derive(Debug)]
struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max,
            step: min,
        }
    }

    fn next_delay(&mut self) -> Duration {
        let fraction = 0.5 + 0.5 * (uuid::Uuid::new_v4().as_u128() % 1_000_001) as f64 / 1e6;
        let delay = self.step.mul_f64(fraction);
        self.step = (self.step * 2).min(self.max);
        delay
    }

    fn reset(&mut self) {
        self.step = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_maximum_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let steps = [100, 200, 400, 800, 1000, 1000];
        for step in steps {
            let delay = backoff.next_delay();
            let step = Duration::from_millis(step);
            assert!(delay >= step / 2 && delay <= step, "{delay:?} for {step:?}");
        }
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn options_come_from_the_variables_and_errors_name_them() {
        let vars = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            RelayOptions::from_lookup(move |name| map.get(name).cloned())
        };
        let options = vars(&[
            ("EVENT_BUS_OUTBOX_RELAY_ID", "relay-a"),
            ("EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE", "50"),
            ("EVENT_BUS_OUTBOX_RELAY_LEASE", "5"),
            ("EVENT_BUS_OUTBOX_RELAY_POLL_INTERVAL", "0.05"),
        ])
        .unwrap();
        assert_eq!(options.relay_id, "relay-a");
        assert_eq!(options.batch_size, 50);
        assert_eq!(options.lease, Duration::from_secs(5));
        assert_eq!(options.poll_interval, Duration::from_millis(50));
        assert_eq!(options.max_backoff, Duration::from_secs(30));
        let error = vars(&[("EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE", "0")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "EVENT_BUS_OUTBOX_RELAY_BATCH_SIZE: must be a whole number from 1 to 100000, found `0`"
        );
        let error = vars(&[("EVENT_BUS_OUTBOX_RELAY_LEASE", "soon")]).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("EVENT_BUS_OUTBOX_RELAY_LEASE: "));
        let error = vars(&[("EVENT_BUS_OUTBOX_RELAY_MAX_BACKOFF", "0.1")]).unwrap_err();
        assert!(error.to_string().contains("MIN_BACKOFF"));
    }
}
