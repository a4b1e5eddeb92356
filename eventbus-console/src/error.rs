//! The console's errors: [`ConsoleError`] when it cannot start or serve, [`PageError`] when a
//! page cannot be shown (rendered as an error page with its status).

use axum::http::StatusCode;
use std::net::SocketAddr;

/// Why the console cannot start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Actions were asked for on an address other than loopback without a token.
    #[error(
        "refusing to serve actions on {addr} without a token: listening on anything but \
         loopback, actions need a token (give --token-env VAR), or listen on 127.0.0.1"
    )]
    TokenRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The token given is empty.
    #[error("the console token is empty")]
    EmptyToken,
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("the console stopped serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// Why a page cannot be shown; each variant is an HTTP status and a message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Malformed input (an offset that is not a number...): 400.
    #[error("{0}")]
    BadRequest(String),
    /// No such topic, event type or message: 404.
    #[error("{0}")]
    NotFound(String),
    /// No or a wrong token: 401.
    #[error("this console needs a token: give it as a bearer token or as the basic-auth password")]
    Unauthorized,
    /// An action refused (actions off, CSRF token missing or wrong): 403.
    #[error("{0}")]
    Forbidden(String),
    /// A service (Kafka, the registry, the database) failed or did not answer in time: 502.
    #[error("{0}")]
    Upstream(String),
    /// A template could not be rendered: 500.
    #[error("the page could not be rendered: {0}")]
    Render(#[from] askama::Error),
}

impl PageError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::NotFound(_) => StatusCode::NOT_FOUND,
            PageError::Unauthorized => StatusCode::UNAUTHORIZED,
            PageError::Forbidden(_) => StatusCode::FORBIDDEN,
            PageError::Upstream(_) => StatusCode::BAD_GATEWAY,
            PageError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
