//! The operations HTTP server: `/metrics` (Prometheus text format), `/livez` (the process
//! answers) and `/readyz` (every registered client is ready, see [`super::health`]), on one
//! address (`127.0.0.1:9100`, say). Given an [`OpsFallback`] it hands every other request to it
//! (the operator console on a worker's operations port, say); the three paths stay its own.

use super::metrics::encode;
use super::readiness;
use crate::signal::BoxFuture;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The OpenMetrics content type that `prometheus-client` writes.
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The body of an operations server's answer, a fallback's included (`Send`, not `Sync`: an
/// axum body is one).
pub type OpsBody = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// What answers the requests of an operations server other than `/metrics`, `/livez` and
/// `/readyz` (any other path, and any method): given to [`TelemetryServer::start_with`].
pub type OpsFallback =
    Arc<dyn Fn(Request<Incoming>) -> BoxFuture<'static, Response<OpsBody>> + Send + Sync>;

/// A running operations server; [`TelemetryServer::stop`] stops it (dropping it stops it too).
#[derive(Debug)]
pub struct TelemetryServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TelemetryServer {
    /// Listen on `addr` (port 0: a free port) and serve until stopped; any other path is 404.
    pub async fn start(addr: SocketAddr) -> Result<Self, std::io::Error> {
        Self::start_with(addr, None).await
    }

    /// [`TelemetryServer::start`], handing every request but those of `/metrics`, `/livez` and
    /// `/readyz` to `fallback` when there is one.
    pub async fn start_with(
        addr: SocketAddr,
        fallback: Option<OpsFallback>,
    ) -> Result<Self, std::io::Error> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = oneshot::channel();
        let with_fallback = fallback.is_some();
        let task = tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => return,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(error) => {
                            tracing::warn!(%error, "operations server: accept failed");
                            continue;
                        }
                    },
                };
                let fallback = fallback.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, fallback.clone()));
                    let served = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                    if let Err(error) = served {
                        tracing::debug!(%error, "operations server: connection ended");
                    }
                });
            }
        });
        if with_fallback {
            tracing::info!(%addr, "serving /metrics, /livez, /readyz and a fallback for the rest");
        } else {
            tracing::info!(%addr, "serving /metrics, /livez and /readyz");
        }
        Ok(TelemetryServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop listening and wait for the server task to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TelemetryServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The server's own paths.
const OWN_PATHS: [&str; 3] = ["/metrics", "/livez", "/readyz"];

async fn answer(
    request: Request<Incoming>,
    fallback: Option<OpsFallback>,
) -> Result<Response<OpsBody>, Infallible> {
    if let Some(fallback) = fallback {
        if !OWN_PATHS.contains(&request.uri().path()) {
            return Ok(fallback(request).await);
        }
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Ok(reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET only\n".into(),
        ));
    }
    Ok(match request.uri().path() {
        "/metrics" => reply(StatusCode::OK, METRICS_CONTENT_TYPE, encode()),
        "/livez" => reply(StatusCode::OK, "text/plain", "ok\n".into()),
        "/readyz" => {
            let readiness = readiness();
            let status = if readiness.ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let mut body = if readiness.ready {
                "ready\n"
            } else {
                "not ready\n"
            }
            .to_owned();
            for line in readiness.details {
                body.push_str(&line);
                body.push('\n');
            }
            reply(status, "text/plain", body)
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found: /metrics, /livez, /readyz\n".into(),
        ),
    })
}

fn reply(status: StatusCode, content_type: &'static str, body: String) -> Response<OpsBody> {
    let body = Full::new(Bytes::from(body))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    response
}
