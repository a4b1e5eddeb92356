//! The operations server's fallback (feature `telemetry`): with one, `/metrics`, `/livez` and
//! `/readyz` are still the server's own (a POST to them still refused there) and every other path
//! and method is handed to it, body included; without one, other paths are 404 and other methods
//! 405, as before. The server listens on 127.0.0.1.

use eventbus_runtime::signal::BoxFuture;
use eventbus_runtime::telemetry::{OpsBody, OpsFallback, TelemetryServer};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The status, content type and body of `request`, sent within 10 s.
async fn send(request: reqwest::RequestBuilder) -> (u16, String, String) {
    let response = tokio::time::timeout(Duration::from_secs(10), request.send())
        .await
        .expect("an answer within 10 s")
        .expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("a body"))
}

/// A fallback answering 202 `fallback METHOD PATH BODY`, keeping the method and path of each
/// request it is given.
fn recording_fallback(seen: Arc<Mutex<Vec<String>>>) -> OpsFallback {
    Arc::new(
        move |request: Request<Incoming>| -> BoxFuture<'static, Response<OpsBody>> {
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                let (method, path) = (request.method().clone(), request.uri().path().to_owned());
                seen.lock().unwrap().push(format!("{method} {path}"));
                let body = request
                    .into_body()
                    .collect()
                    .await
                    .map(|collected| collected.to_bytes())
                    .unwrap_or_default();
                let text = format!(
                    "fallback {method} {path} {}",
                    String::from_utf8_lossy(&body)
                );
                let mut response = Response::new(
                    Full::new(Bytes::from(text))
                        .map_err(Into::into)
                        .boxed_unsync(),
                );
                *response.status_mut() = StatusCode::ACCEPTED;
                response
            })
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_answers_every_other_path_and_method() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = TelemetryServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        Some(recording_fallback(Arc::clone(&seen))),
    )
    .await
    .unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = reqwest::Client::new();

    let (status, content_type, metrics) = send(client.get(format!("{base}/metrics"))).await;
    assert_eq!(
        (status, content_type.as_str()),
        (
            200,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
    );
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    let (status, _, body) = send(client.get(format!("{base}/livez"))).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, _, body) = send(client.get(format!("{base}/readyz"))).await;
    assert_eq!((status, body.as_str()), (200, "ready\n"));
    let (status, _, body) = send(client.post(format!("{base}/metrics"))).await;
    assert_eq!((status, body.as_str()), (405, "GET only\n"));

    let (status, _, body) = send(client.get(format!("{base}/anything"))).await;
    assert_eq!((status, body.as_str()), (202, "fallback GET /anything "));
    let (status, _, body) = send(client.post(format!("{base}/anything")).body("a=1&b=2")).await;
    assert_eq!(
        (status, body.as_str()),
        (202, "fallback POST /anything a=1&b=2")
    );
    let (status, _, body) = send(client.delete(format!("{base}/")).body("")).await;
    assert_eq!((status, body.as_str()), (202, "fallback DELETE / "));
    assert_eq!(
        *seen.lock().unwrap(),
        ["GET /anything", "POST /anything", "DELETE /"]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_fallback_other_paths_are_404_and_other_methods_405() {
    let server = TelemetryServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = reqwest::Client::new();
    let (status, _, body) = send(client.get(format!("{base}/livez"))).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, _, body) = send(client.get(format!("{base}/anything"))).await;
    assert_eq!(
        (status, body.as_str()),
        (404, "not found: /metrics, /livez, /readyz\n")
    );
    let (status, _, body) = send(client.post(format!("{base}/anything")).body("a=1")).await;
    assert_eq!((status, body.as_str()), (405, "GET only\n"));
    server.stop().await;
}
