//! OTLP export (feature `otlp`): the `send` and `process` spans reach an OTLP/HTTP collector (a
//! small one of the test's own on 127.0.0.1) in one trace, the process span a child of the send
//! span whose ids the message's `traceparent` carries.

use eventbus_runtime::telemetry::metrics::{ProducerMetrics, System};
use eventbus_runtime::telemetry::otlp::Otlp;
use eventbus_runtime::telemetry::trace::{process_span, Origin, TraceContext};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing_subscriber::layer::SubscriberExt;

/// Accept OTLP/HTTP requests and keep their paths and bodies (bounded: 100 requests, 30 s).
async fn collector() -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        for _ in 0..100 {
            let Ok(Ok((mut stream, _))) =
                tokio::time::timeout(Duration::from_secs(30), listener.accept()).await
            else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let Ok(Ok(n)) =
                        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await
                    else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&data[..end]).to_string();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if data.len() < end + 4 + length {
                        continue;
                    }
                    let path = head
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    let body = data[end + 4..end + 4 + length].to_vec();
                    data.drain(..end + 4 + length);
                    kept.lock().unwrap().push((path, body));
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await;
                }
            });
        }
    });
    (url, received)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_process_spans_are_exported_in_one_trace() {
    let (url, received) = collector().await;
    let otlp = tokio::task::spawn_blocking(move || Otlp::new(&url, "otlp-test").unwrap())
        .await
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(otlp.layer());
    let traceparent = tracing::subscriber::with_default(subscriber, || {
        let send =
            ProducerMetrics::new(System::Kafka).sending("otlp-topic", "org.example.v1", &"id-1");
        let traceparent = send.traceparent();
        send.acknowledged();
        let (process, _) = process_span(&Origin {
            system: "kafka",
            topic: "otlp-topic",
            group: "g",
            partition: Some(0),
            offset: Some(7),
            message_id: Some("id-1"),
            traceparent: Some(&traceparent),
        });
        drop(process);
        traceparent
    });
    tokio::task::spawn_blocking(move || otlp.shutdown().unwrap())
        .await
        .unwrap();

    let context = TraceContext::parse(&traceparent).expect("a W3C traceparent");
    let bodies = received.lock().unwrap().clone();
    assert!(!bodies.is_empty(), "nothing exported");
    assert!(
        bodies.iter().all(|(path, _)| path == "/v1/traces"),
        "{bodies:?}"
    );
    let all: Vec<u8> = bodies.into_iter().flat_map(|(_, body)| body).collect();
    assert_eq!(count(&all, b"send otlp-topic"), 1);
    assert_eq!(count(&all, b"process otlp-topic"), 1);
    // Both spans carry the trace id the header carried; the send span's id is the one in the
    // header, and the process span's parent.
    assert_eq!(count(&all, &context.trace_id), 2);
    assert_eq!(count(&all, &context.span_id), 2);
    assert!(count(&all, b"otlp-test") >= 1, "service.name");
}
