//! The overview's Redis part: the connection's health and the prefix's streams, each with its
//! length and its consumer groups' consumers, pending entries and lag.

use super::{health, not_configured, Health};
use crate::pages::redis::prefix_streams;
use crate::state::AppState;
use eventbus_runtime::redis::{GroupInfo, RedisStreams};

/// At most this many streams are described (their groups read) on the overview.
const MAX_STREAMS: usize = 50;

/// One stream's row.
pub(crate) struct StreamRow {
    /// Its name without the prefix.
    pub(crate) name: String,
    /// Its entries.
    pub(crate) length: u64,
    /// Its consumer groups.
    pub(crate) groups: Vec<GroupInfo>,
}

/// The Redis streams of the prefix, as the overview shows them.
#[derive(Default)]
pub(crate) struct RedisPart {
    /// Whether Redis is configured at all.
    pub(crate) configured: bool,
    /// The streams described, by name.
    pub(crate) streams: Vec<StreamRow>,
    /// How many more streams there are.
    pub(crate) more: usize,
    /// Why they could not be read.
    pub(crate) error: Option<String>,
}

/// The Redis connection's health and its streams.
pub(super) async fn redis(state: &AppState) -> (Health, RedisPart) {
    let Some(settings) = &state.config.redis else {
        return (
            not_configured("Redis", "EVENT_BUS_REDIS_CONNECTION_URL"),
            RedisPart::default(),
        );
    };
    let read = async {
        let streams = state
            .bounded("connecting to Redis", RedisStreams::connect(settings))
            .await?;
        let found = prefix_streams(state, &streams, settings).await?;
        let more = found.len().saturating_sub(MAX_STREAMS);
        let mut rows = Vec::new();
        for (name, length) in found.into_iter().take(MAX_STREAMS) {
            let full = settings.full_topic(&name);
            let groups = state
                .bounded("describing a stream", streams.describe(&full))
                .await?
                .map(|info| info.groups)
                .unwrap_or_default();
            rows.push(StreamRow {
                name,
                length,
                groups,
            });
        }
        Ok::<_, String>((rows, more))
    };
    let target = settings.url_for_logs();
    match read.await {
        Ok((streams, more)) => (
            health("Redis", target, Ok(())),
            RedisPart {
                configured: true,
                streams,
                more,
                error: None,
            },
        ),
        Err(error) => (
            health("Redis", target, Err(error.clone())),
            RedisPart {
                configured: true,
                error: Some(error),
                ..RedisPart::default()
            },
        ),
    }
}
