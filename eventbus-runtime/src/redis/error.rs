//! Errors of the Redis clients.

/// A failure of the Redis producer or consumer's connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// Connecting to Redis failed (the URL is shown without its password).
    #[error("cannot connect to Redis at {url}: {source}")]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
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
