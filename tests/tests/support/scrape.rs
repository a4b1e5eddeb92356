//! Reading the operations server (`/metrics`, `/livez`, `/readyz`) in tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// An HTTP client of one operations server.
pub struct Scraper {
    base: String,
    client: reqwest::Client,
}

impl Scraper {
    /// The server at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Scraper {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
        }
    }

    /// The body of `/metrics`.
    pub async fn get(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("GET /metrics");
        assert_eq!(response.status().as_u16(), 200);
        response.text().await.expect("metrics body")
    }

    /// The status code of `path`.
    pub async fn status(&self, path: &str) -> u16 {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16()
    }

    /// The status and body of `/readyz`.
    pub async fn readyz(&self) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .expect("GET /readyz");
        let status = response.status().as_u16();
        (status, response.text().await.expect("readyz body"))
    }

    /// Wait until `/readyz` says `ready` (200) or not (503); its body then. Panics after `timeout`.
    pub async fn wait_ready(&self, ready: bool, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let (status, body) = self.readyz().await;
            if (status == 200) == ready {
                return body;
            }
            assert!(
                start.elapsed() < timeout,
                "/readyz still {status} after {timeout:?}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the sample `series` equals `expected`; panics after `timeout` with the last value.
    pub async fn wait_for(&self, series: &str, expected: f64, timeout: Duration) {
        let start = Instant::now();
        loop {
            let found = value(&self.get().await, series);
            if found == Some(expected) {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "{series} is {found:?}, not {expected}, after {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The value of the sample `series` (its name and labels exactly as written) in a scrape.
pub fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?.strip_prefix(' ')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}
