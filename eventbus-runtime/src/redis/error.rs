//! Errors of the Redis clients.

/// A failure of the Redis producer or consumer's connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// Connecting to Redis failed (the URL is shown without its password): the server cannot
    /// be reached, refused the credentials (`WRONGPASS`), or the TLS handshake failed. The
    /// message holds the client's error, its causes and, when the cause is a usual mistake, what
    /// to check.
    #[error("cannot connect to Redis at {url}: {detail}")]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// The client's error and its causes, with a hint when one applies.
        detail: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// A TLS file of the settings cannot be used.
    #[error("Redis TLS setting {setting} ({path}): {reason}")]
    TlsFile {
        /// The setting naming the file.
        setting: &'static str,
        /// The file.
        path: String,
        /// What is wrong with it (never its content).
        reason: String,
    },
    /// A command failed.
    #[error("{command} {stream}: {source}")]
    Command {
        /// The command (`XADD`, `XREADGROUP`, ...).
        command: &'static str,
        /// The stream.
        stream: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// Redis answered something that is not stream entries.
    #[error("{command} {stream}: {source}")]
    Reply {
        /// The command.
        command: &'static str,
        /// The stream.
        stream: String,
        /// What was wrong.
        #[source]
        source: super::entry::ReplyError,
    },
}

impl RedisError {
    /// A failure to connect with `settings`.
    pub(crate) fn connect(
        settings: &crate::settings::RedisSettings,
        source: redis::RedisError,
    ) -> Self {
        RedisError::Connect {
            url: settings.url_for_logs(),
            detail: connect_detail(settings, &source),
            source,
        }
    }
}

/// The error and its causes, `: `-separated (a cause already in the text is skipped), and what to
/// check for the usual mistakes: wrong credentials, an untrusted certificate, plain TCP to a TLS
/// port.
fn connect_detail(settings: &crate::settings::RedisSettings, error: &redis::RedisError) -> String {
    use crate::settings::redis_names as rn;
    let mut text = crate::causes::joined_causes(error);
    // The redis crate reports the server's WRONGPASS as `AuthenticationFailed`, without the
    // server's text.
    let hint =
        if error.kind() == redis::ErrorKind::AuthenticationFailed || text.contains("WRONGPASS") {
            Some(format!(
                "WRONGPASS: the server refused the user or password (or the user is disabled): \
             check {} and {} (or the URL's credentials)",
                rn::USERNAME,
                rn::PASSWORD
            ))
        } else if text.contains("NOAUTH") {
            Some(format!(
                "the server wants a password: set {} (and {} for an ACL user)",
                rn::PASSWORD,
                rn::USERNAME
            ))
        } else if text.contains("UnknownIssuer") || text.contains("invalid peer certificate") {
            Some(format!(
            "the server's certificate could not be verified: set {} to the CA file that signed it",
            rn::SSL_CA_LOCATION
        ))
        } else if text.contains("alert") && text.contains("Unknown")
            || text.contains("BadCertificate")
            || text.contains("CertificateRequired")
        {
            Some(format!(
            "the server refused the client certificate: {} must name a certificate signed by a \
             CA the server trusts",
            rn::SSL_CERTIFICATE_LOCATION
        ))
        } else if !settings.uses_tls()
            && (error.is_connection_dropped() || error.is_timeout() || text.contains("closed"))
        {
            Some(format!(
                "the server closed the connection or did not answer: if it expects TLS, use a \
             rediss:// URL in {}",
                rn::CONNECTION_URL
            ))
        } else {
            None
        };
    if let Some(hint) = hint {
        text.push_str(" (");
        text.push_str(&hint);
        text.push(')');
    }
    text
}

impl From<RedisError> for crate::consume::ConsumerError {
    fn from(error: RedisError) -> Self {
        crate::consume::ConsumerError::Setup(Box::new(error))
    }
}
