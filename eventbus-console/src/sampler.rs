//! The sampler: while the console serves, a task reads every
//! [`ConsoleConfig::sample_interval`](crate::ConsoleConfig::sample_interval) the end offset of
//! each topic of the prefix and the total lag of each consumer group on them, into the
//! [`History`](crate::history::History) the overview charts. Each sampling is bounded like a page
//! (the console's timeout per service); one that fails is logged and skipped.

use crate::state::{AppState, MAX_GROUPS};
use eventbus_runtime::kafka::{group_lags, GroupSelection};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// The running sampler; stopped when dropped.
#[derive(Debug)]
pub(crate) struct Sampler(JoinHandle<()>);

impl Drop for Sampler {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Start sampling `state`'s topics and groups: at once, then every interval.
pub(crate) fn start(state: Arc<AppState>) -> Sampler {
    Sampler(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(state.config.sample_interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = sample(&state).await {
                tracing::warn!(%error, "the console's sampling of topics and lags failed");
            }
        }
    }))
}

/// Read the topics' end offsets and the groups' total lags, and record them.
async fn sample(state: &AppState) -> Result<(), String> {
    let (topics, _) = state.described_topics().await?;
    let selection = GroupSelection {
        contains: None,
        first: state.config.kafka.topic_prefix().map(str::to_owned),
        max: MAX_GROUPS,
    };
    let groups = state
        .bounded(
            "reading the consumer groups",
            group_lags(
                &state.config.kafka,
                &topics,
                &selection,
                state.config.timeout,
            ),
        )
        .await?;
    let ends: Vec<(String, i64)> = topics
        .iter()
        .map(|t| {
            let end = t
                .partitions
                .iter()
                .filter_map(|p| p.watermarks.map(|(_, high)| high))
                .sum();
            (t.name.clone(), end)
        })
        .collect();
    let lags: Vec<(String, i64)> = groups
        .groups
        .iter()
        .map(|g| (g.group.clone(), g.total_lag()))
        .collect();
    let now = chrono::Utc::now().timestamp_millis();
    state.history().record(now, &ends, &lags);
    tracing::debug!(
        topics = ends.len(),
        groups = lags.len(),
        "topics and lags sampled"
    );
    Ok(())
}
