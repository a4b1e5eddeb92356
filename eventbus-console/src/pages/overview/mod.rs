//! The overview: each connection's health, the topics with their partitions, end offsets and
//! rate, the consumer groups with their lag per partition, each with a chart of the last hour
//! (from the [sampler](crate::sampler)); the Redis streams with their groups ([`redis`]).

mod redis;

use super::{render, PageResult};
use crate::chart::{chart, Chart};
use crate::state::{AppState, MAX_GROUPS};
use askama::Template;
use axum::extract::{Query, State};
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::{group_lags, GroupLag, GroupSelection, TopicInfo};
use eventbus_runtime::outbox::Outbox;
use eventbus_runtime::settings::redact_url;
use std::sync::Arc;

/// The overview's query: `group`, a text the groups shown must contain.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct OverviewQuery {
    group: Option<String>,
}

/// One connection's health.
pub(crate) struct Health {
    name: &'static str,
    target: String,
    ok: bool,
    detail: String,
}

/// One topic's row.
pub(crate) struct TopicRow {
    name: String,
    short: String,
    partitions: Vec<(i32, i64, i64)>,
    messages: i64,
    /// Its rate (messages per second) over the last hour.
    rate: Option<Chart>,
}

/// One consumer group's row.
pub(crate) struct GroupRow {
    group: GroupLag,
    /// Its total lag over the last hour.
    lag: Option<Chart>,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    actions: bool,
    prefix: String,
    health: Vec<Health>,
    topics: Vec<TopicRow>,
    topics_error: Option<String>,
    more_topics: usize,
    groups: Vec<GroupRow>,
    groups_error: Option<String>,
    unchecked_groups: usize,
    group_filter: String,
    sample_interval: String,
    redis: redis::RedisPart,
}

/// `GET /`.
pub(crate) async fn page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<OverviewQuery>,
) -> PageResult {
    let group_filter = query
        .group
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned);
    let mut unchecked_groups = 0;
    let kafka = &state.config.kafka;
    let mut health = Vec::new();
    let mut topics = Vec::new();
    let mut topics_error = None;
    let mut more_topics = 0;
    let mut groups = Vec::new();
    let mut groups_error = None;
    match state.described_topics().await {
        Ok((described, more)) => {
            health.push(Health {
                name: "Kafka brokers",
                target: kafka.bootstrap_servers().to_owned(),
                ok: true,
                detail: "reachable".into(),
            });
            more_topics = more;
            let selection = GroupSelection {
                contains: group_filter.clone(),
                first: kafka.topic_prefix().map(str::to_owned),
                max: MAX_GROUPS,
            };
            match state
                .bounded(
                    "reading the consumer groups",
                    group_lags(kafka, &described, &selection, state.config.timeout),
                )
                .await
            {
                Ok(found) => {
                    let now = chrono::Utc::now().timestamp_millis();
                    let history = state.history();
                    groups = found
                        .groups
                        .into_iter()
                        .map(|group| GroupRow {
                            lag: chart(&history.group_lags(&group.group), now),
                            group,
                        })
                        .collect();
                    unchecked_groups = found.unchecked;
                }
                Err(error) => groups_error = Some(error),
            }
            topics = described.iter().map(|t| row(&state, t)).collect();
        }
        Err(error) => {
            health.push(Health {
                name: "Kafka brokers",
                target: kafka.bootstrap_servers().to_owned(),
                ok: false,
                detail: error.clone(),
            });
            topics_error = Some(error);
        }
    }
    health.push(registry_health(&state).await);
    let (redis_health, redis) = redis::redis(&state).await;
    health.push(redis_health);
    health.push(outbox_health(&state).await);
    render(&OverviewPage {
        actions: state.security.actions(),
        prefix: kafka.topic_prefix().unwrap_or_default().to_owned(),
        health,
        topics,
        topics_error,
        more_topics,
        groups,
        groups_error,
        unchecked_groups,
        group_filter: group_filter.unwrap_or_default(),
        sample_interval: format!("{:?}", state.config.sample_interval),
        redis,
    })
}

fn row(state: &AppState, topic: &TopicInfo) -> TopicRow {
    let partitions: Vec<(i32, i64, i64)> = topic
        .partitions
        .iter()
        .map(|p| {
            let (low, high) = p.watermarks.unwrap_or((0, 0));
            (p.id, low, high)
        })
        .collect();
    TopicRow {
        short: state.short_name(&topic.name),
        name: topic.name.clone(),
        messages: partitions.iter().map(|(_, low, high)| high - low).sum(),
        partitions,
        rate: chart(
            &state.history().topic_rates(&topic.name),
            chrono::Utc::now().timestamp_millis(),
        ),
    }
}

async fn registry_health(state: &AppState) -> Health {
    let kafka = &state.config.kafka;
    let target = redact_url(kafka.schema_registry_url());
    let result = match SchemaRegistryClient::from_settings(kafka) {
        Err(error) => Err(error.to_string()),
        Ok(client) => {
            match tokio::time::timeout(
                state.config.timeout,
                client.versions("eventbus-console-health-check"),
            )
            .await
            {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) if error.is_not_found() => Ok(()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err("no answer in time".to_owned()),
            }
        }
    };
    health("Schema registry", target, result)
}

async fn outbox_health(state: &AppState) -> Health {
    let Some(url) = &state.config.outbox_url else {
        return not_configured("Outbox database", "EVENT_BUS_OUTBOX_URL");
    };
    let result = state
        .bounded("reading the outbox", async {
            Outbox::connect(url).await?.status().await
        })
        .await
        .map(|_| ());
    health("Outbox database", redact_url(url), result)
}

/// A connection's health from the result of using it.
fn health(name: &'static str, target: String, result: Result<(), String>) -> Health {
    match result {
        Ok(()) => Health {
            name,
            target,
            ok: true,
            detail: "reachable".into(),
        },
        Err(detail) => Health {
            name,
            target,
            ok: false,
            detail,
        },
    }
}

/// The health of a connection that is not configured.
fn not_configured(name: &'static str, setting: &str) -> Health {
    Health {
        name,
        target: "-".into(),
        ok: true,
        detail: format!("not configured ({setting} is not set)"),
    }
}
