//! Connections to Redis: a `ConnectionManager`, which reconnects by itself after a failure.

use super::error::RedisError;
use crate::settings::RedisSettings;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connect; commands time out after `response_timeout`.
pub(crate) async fn connect(
    settings: &RedisSettings,
    response_timeout: Duration,
) -> Result<ConnectionManager, RedisError> {
    let error = |source| RedisError::Connect {
        url: settings.url_for_logs(),
        source,
    };
    let client = redis::Client::open(settings.url()).map_err(error)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(response_timeout))
        .set_number_of_retries(2);
    ConnectionManager::new_with_config(client, config)
        .await
        .map_err(error)
}
