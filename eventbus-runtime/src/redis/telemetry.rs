//! What the Redis consumer records for operations (see [`crate::telemetry`]): the group's lag
//! and pending count from `XINFO GROUPS`, refreshed at most every [`LAG_INTERVAL`].

use crate::telemetry::metrics;
use redis::aio::ConnectionManager;
use redis::Value;
use std::time::{Duration, Instant};

/// How often the lag gauges of a consumer are refreshed (at most; on its reads).
pub const LAG_INTERVAL: Duration = Duration::from_secs(5);

/// When a consumer last refreshed its lag.
#[derive(Debug, Default)]
pub(crate) struct LagProbe {
    last: Option<Instant>,
}

impl LagProbe {
    /// Read `XINFO GROUPS` of `stream` and record `group`'s lag and pending count, unless done
    /// less than [`LAG_INTERVAL`] ago; a failure is logged at debug level (the next read reports
    /// a broken connection).
    pub(crate) async fn refresh(
        &mut self,
        connection: &mut ConnectionManager,
        stream: &str,
        group: &str,
    ) {
        if self.last.is_some_and(|last| last.elapsed() < LAG_INTERVAL) {
            return;
        }
        self.last = Some(Instant::now());
        let reply = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(stream)
            .query_async::<Vec<Value>>(connection)
            .await;
        match reply {
            Ok(groups) => {
                if let Some((lag, pending)) = groups.iter().find_map(|g| group_lag(g, group)) {
                    metrics::redis_lag(stream, group, lag, pending);
                }
            }
            Err(error) => tracing::debug!(%error, stream, "XINFO GROUPS failed"),
        }
    }
}

/// `(lag, pending)` of one `XINFO GROUPS` item if it is `group` (lag `None` when Redis cannot
/// tell it).
fn group_lag(item: &Value, group: &str) -> Option<(Option<i64>, i64)> {
    let pairs: Vec<(String, &Value)> = match item {
        Value::Array(values) => values
            .chunks(2)
            .filter_map(|pair| match pair {
                [key, value] => text(key).map(|k| (k, value)),
                _ => None,
            })
            .collect(),
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| text(k).map(|k| (k, v)))
            .collect(),
        _ => return None,
    };
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    if get("name").and_then(text).as_deref() != Some(group) {
        return None;
    }
    let number = |v: &Value| match v {
        Value::Int(n) => Some(*n),
        _ => None,
    };
    Some((
        get("lag").and_then(number),
        get("pending").and_then(number)?,
    ))
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}
