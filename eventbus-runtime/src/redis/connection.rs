//! Connections to Redis: a `ConnectionManager`, which reconnects by itself after a failure. Every
//! Redis client of the bus (producer, consumer, [`super::RedisStreams`], hence the CLI and the
//! worker) connects here, with the security of its [`RedisSettings`]: `rediss://` (TLS, with the
//! CA and client certificate of the settings), and the ACL user and password of the URL or of the
//! settings.

use super::error::RedisError;
use crate::settings::{redis_names as rn, RedisSettings};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ClientTlsConfig, IntoConnectionInfo, TlsCertificates};
use std::time::Duration;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connect; commands time out after `response_timeout`.
pub(crate) async fn connect(
    settings: &RedisSettings,
    response_timeout: Duration,
) -> Result<ConnectionManager, RedisError> {
    let client = client(settings)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(response_timeout))
        .set_number_of_retries(2);
    ConnectionManager::new_with_config(client, config)
        .await
        .map_err(|source| RedisError::connect(settings, source))
}

/// The client of the settings: their URL with the credentials of `EVENT_BUS_REDIS_USERNAME` /
/// `_PASSWORD` added, and over `rediss://` the CA and client certificate of the settings.
pub(crate) fn client(settings: &RedisSettings) -> Result<redis::Client, RedisError> {
    let error = |source| RedisError::connect(settings, source);
    let mut info = settings.url().into_connection_info().map_err(error)?;
    if settings.username().is_some() || settings.password().is_some() {
        let mut redis = info.redis_settings().clone();
        if let Some(username) = settings.username() {
            redis = redis.set_username(username);
        }
        if let Some(password) = settings.password() {
            redis = redis.set_password(password.expose());
        }
        info = info.set_redis_settings(redis);
    }
    if !settings.uses_tls()
        || (settings.ca_location().is_none() && settings.certificate_location().is_none())
    {
        return redis::Client::open(info).map_err(error);
    }
    let read = |setting: &'static str, path: &std::path::Path| {
        std::fs::read(path).map_err(|source| RedisError::TlsFile {
            setting,
            path: path.display().to_string(),
            reason: format!("cannot read it: {source}"),
        })
    };
    let root_cert = match settings.ca_location() {
        Some(path) => Some(read(rn::SSL_CA_LOCATION, path)?),
        None => None,
    };
    let client_tls = match (settings.certificate_location(), settings.key_location()) {
        (Some(certificate), Some(key)) => Some(ClientTlsConfig {
            client_cert: read(rn::SSL_CERTIFICATE_LOCATION, certificate)?,
            client_key: read(rn::SSL_KEY_LOCATION, key)?,
        }),
        _ => None,
    };
    redis::Client::build_with_tls(
        info,
        TlsCertificates {
            client_tls,
            root_cert,
        },
    )
    .map_err(|source| {
        let reason = source.to_string();
        // The redis crate says which PEM it could not read.
        let (setting, path) = if reason.contains("root certificate") || reason.contains("trust") {
            (rn::SSL_CA_LOCATION, settings.ca_location())
        } else if reason.contains("private key") {
            (rn::SSL_KEY_LOCATION, settings.key_location())
        } else {
            (
                rn::SSL_CERTIFICATE_LOCATION,
                settings.certificate_location(),
            )
        };
        RedisError::TlsFile {
            setting,
            path: path.map(|p| p.display().to_string()).unwrap_or_default(),
            reason,
        }
    })
}
