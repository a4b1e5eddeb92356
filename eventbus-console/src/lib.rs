//! The operator console of the Open edX event bus: server-rendered pages (axum, askama
//! templates compiled into the binary, one embedded stylesheet, no JavaScript) showing the
//! connections' health, the topics and consumer groups' lag, the event catalog, the
//! transactional outbox, the events of a Kafka topic or a Redis stream and a topic's dead letters
//! (redriven with actions on).
//!
//! While it serves, the console samples each topic's end offset and each consumer group's lag
//! (every [`ConsoleConfig::sample_interval`], the last hour kept), and the overview charts them.
//!
//! Security: read-only unless [`ConsoleConfig::actions`] is on; with a token every request needs
//! it (bearer or basic auth); actions on a non-loopback address are refused without a token;
//! every form carries a per-process CSRF token, checked on every POST; no secret is rendered
//! (URLs are shown with their password masked). See [`security`].
//!
//! [`Console`] listens on an address of its own (`eventbus console`); [`OpsConsole`] serves the
//! same pages from another server, a worker's operations port (`eventbus worker` with a
//! `[console]` table).

mod assets;
mod chart;
mod embedded;
pub mod error;
mod hex;
mod history;
mod pages;
mod sampler;
pub mod security;
mod state;
mod tree;

pub use embedded::OpsConsole;
pub use error::{ConsoleError, PageError};
pub use security::Security;
pub use state::ConsoleConfig;

use axum::routing::{get, post};
use axum::Router;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A console bound to its address, ready to serve.
#[derive(Debug)]
pub struct Console {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    state: Arc<AppState>,
}

impl Console {
    /// Check the security settings against the address (see [`Security::new`]) and bind it.
    pub async fn bind(config: ConsoleConfig) -> Result<Console, ConsoleError> {
        let asked = config.addr;
        let state = prepare(config)?;
        let listener = TcpListener::bind(asked)
            .await
            .map_err(|source| ConsoleError::Bind {
                addr: asked,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ConsoleError::Bind {
            addr: asked,
            source,
        })?;
        Ok(Console {
            listener,
            router: router(Arc::clone(&state)),
            addr,
            state,
        })
    }

    /// The address it listens on (the port chosen by the system for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve until `shutdown` completes, sampling the topics and lags meanwhile.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ConsoleError> {
        tracing::info!(addr = %self.addr, "operator console listening");
        let _sampler = sampler::start(self.state);
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ConsoleError::Serve)
    }
}

/// The state of a console configured by `config`, its security checked against the address
/// (see [`Security::new`]).
fn prepare(config: ConsoleConfig) -> Result<Arc<AppState>, ConsoleError> {
    let security = Security::new(config.addr, config.actions, config.token.clone())?;
    // The catalog's event types, registered by being linked.
    openedx_events::link();
    Ok(Arc::new(AppState::new(config, security)))
}

/// The console's routes over `state`.
fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::overview::page))
        .route("/catalog", get(pages::catalog::list))
        .route("/catalog/{event_type}", get(pages::catalog::event))
        .route("/outbox", get(pages::outbox::page))
        .route("/explorer", get(pages::explorer::topics))
        .route("/explorer/{topic}", get(pages::explorer::events))
        .route(
            "/explorer/{topic}/{partition}/{offset}",
            get(pages::explorer::event),
        )
        .route("/redis", get(pages::redis::streams))
        .route("/redis/{stream}", get(pages::redis::entries))
        .route("/redis/{stream}/{id}", get(pages::redis::entry))
        .route("/dead-letters", get(pages::dead_letters::topics))
        .route("/dead-letters/{topic}", get(pages::dead_letters::list))
        .route(
            "/dead-letters/{topic}/confirm",
            get(pages::dead_letters::confirm),
        )
        .route(
            "/dead-letters/{topic}/redrive",
            post(pages::dead_letters::redrive),
        )
        .route(
            "/redis-dead-letters/{topic}",
            get(pages::redis_dead_letters::list),
        )
        .route(
            "/redis-dead-letters/{topic}/confirm",
            get(pages::redis_dead_letters::confirm),
        )
        .route(
            "/redis-dead-letters/{topic}/redrive",
            post(pages::redis_dead_letters::redrive),
        )
        .route("/assets/console.css", get(assets::css))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            security::guard,
        ))
        .with_state(state)
}
