//! The console served by another server: its routes as the [`OpsFallback`] of a worker's
//! operations server (every path but `/metrics`, `/livez` and `/readyz`), and its sampler running
//! as long as the [`OpsConsole`] is kept.

use crate::error::ConsoleError;
use crate::sampler::{self, Sampler};
use crate::state::ConsoleConfig;
use eventbus_runtime::signal::BoxFuture;
use eventbus_runtime::telemetry::{OpsBody, OpsFallback};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::sync::Arc;
use tower::ServiceExt;

/// The console on another server's address: [`OpsConsole::fallback`] answers its pages; the
/// topics and lags are sampled for the overview's charts until it is dropped.
#[derive(Debug)]
pub struct OpsConsole {
    router: axum::Router,
    _sampler: Sampler,
}

impl OpsConsole {
    /// The console of `config`, whose `addr` is the server's (its security is checked against it,
    /// as [`crate::Console::bind`] does), and start its sampler (within a Tokio runtime).
    pub fn start(config: ConsoleConfig) -> Result<OpsConsole, ConsoleError> {
        let addr = config.addr;
        let state = crate::prepare(config)?;
        tracing::info!(%addr, actions = state.security.actions(), "operator console on the operations address");
        Ok(OpsConsole {
            router: crate::router(Arc::clone(&state)),
            _sampler: sampler::start(state),
        })
    }

    /// What answers the console's pages, to give to the operations server (it keeps serving
    /// them after the console is dropped, without sampling).
    pub fn fallback(&self) -> OpsFallback {
        let router = self.router.clone();
        Arc::new(
            move |request: Request<Incoming>| -> BoxFuture<'static, Response<OpsBody>> {
                let router = router.clone();
                Box::pin(async move {
                    let response = match router.oneshot(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    };
                    response.map(|body| body.map_err(Into::into).boxed_unsync())
                })
            },
        )
    }
}
