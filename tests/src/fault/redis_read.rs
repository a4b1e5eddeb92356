//! Reading back what a Redis stream holds ([`read_stream`]) and what a consumer of a group has
//! pending ([`pending_ids`]).

use super::error::HarnessError;
use super::events::sequence_of_avro;
use super::processed::Processed;
use eventbus_runtime::redis::entry::{entries_of_list, NAMES};
use redis::aio::MultiplexedConnection;
use redis::Value;
use std::collections::BTreeSet;

/// How many entries one `XRANGE` or `XPENDING` returns.
const PAGE: usize = 1000;

/// One entry of a stream: its id and which event it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisDelivered {
    /// The entry id.
    pub entry_id: String,
    /// Its event's sequence number (from `event_data`) and metadata id (`id`).
    pub event: Processed,
}

/// Every entry of `stream`, in order, decoded as fault-test events (`XRANGE`, page by page; at
/// most `max` entries, an error beyond).
pub async fn read_stream(
    connection: &mut MultiplexedConnection,
    stream: &str,
    max: usize,
) -> Result<Vec<RedisDelivered>, HarnessError> {
    let mut entries = Vec::new();
    let mut from = "-".to_owned();
    loop {
        let reply: Value = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&from)
            .arg("+")
            .arg("COUNT")
            .arg(PAGE)
            .query_async(connection)
            .await
            .map_err(HarnessError::client(format!("XRANGE {stream}")))?;
        let page = entries_of_list(&reply).map_err(|e| HarnessError::Corrupt {
            what: format!("XRANGE {stream}"),
            reason: e.to_string(),
        })?;
        let full = page.len() == PAGE;
        for entry in page {
            let corrupt = |reason: String| HarnessError::Corrupt {
                what: format!("{stream}/{}", entry.id),
                reason,
            };
            let fields = entry
                .fields
                .as_ref()
                .ok_or_else(|| corrupt("no fields".into()))?;
            let metadata = NAMES.metadata(fields).map_err(|e| corrupt(e.to_string()))?;
            let data = entry
                .event_data()
                .map_err(|e| corrupt(e.to_string()))?
                .ok_or_else(|| corrupt("no event_data".into()))?;
            entries.push(RedisDelivered {
                entry_id: entry.id.clone(),
                event: Processed {
                    seq: sequence_of_avro(data)?,
                    id: metadata.id,
                },
            });
            from = format!("({}", entry.id);
        }
        if entries.len() > max {
            return Err(HarnessError::Corrupt {
                what: format!("XRANGE {stream}"),
                reason: format!("more than {max} entries"),
            });
        }
        if !full {
            return Ok(entries);
        }
    }
}

/// The ids of the entries pending for `consumer` in `group` on `stream` (`XPENDING`, page by
/// page; at most `max`).
pub async fn pending_ids(
    connection: &mut MultiplexedConnection,
    stream: &str,
    group: &str,
    consumer: &str,
    max: usize,
) -> Result<BTreeSet<String>, HarnessError> {
    let mut ids = BTreeSet::new();
    let mut from = "-".to_owned();
    loop {
        let reply: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
            .arg(stream)
            .arg(group)
            .arg(&from)
            .arg("+")
            .arg(PAGE)
            .arg(consumer)
            .query_async(connection)
            .await
            .map_err(HarnessError::client(format!("XPENDING {stream} {group}")))?;
        let full = reply.len() == PAGE;
        for (id, ..) in reply {
            from = format!("({id}");
            ids.insert(id);
        }
        if ids.len() > max {
            return Err(HarnessError::Corrupt {
                what: format!("XPENDING {stream} {group}"),
                reason: format!("more than {max} entries"),
            });
        }
        if !full {
            return Ok(ids);
        }
    }
}
