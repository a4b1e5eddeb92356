//! A worker: one process running several consumers (Kafka and/or Redis) side by side, with the
//! operations server (`/metrics`, `/livez`, `/readyz`), until SIGTERM/SIGINT or until one of them
//! fails.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use eventbus_runtime::kafka::KafkaConsumer;
//! use eventbus_runtime::settings::KafkaSettings;
//! use eventbus_runtime::worker::Worker;
//! // The service connects its own receivers to the signals first, then:
//! let settings = KafkaSettings::from_env()?;
//! let report = Worker::builder()
//!     .kafka("enrollments", KafkaConsumer::new(&settings, "learning-course-enrollment-lifecycle", "my-service")?)
//!     .kafka("certificates", KafkaConsumer::new(&settings, "learning-certificate-lifecycle", "my-service")?)
//!     .metrics("127.0.0.1:9100".parse()?)
//!     .build()
//!     .run_until_signal()
//!     .await?;
//! if let Some(failed) = report.first_failure() {
//!     eprintln!("consumer {} failed: {}", failed.name, failed.error().unwrap_or_default());
//! }
//! # Ok(()) }
//! ```
//!
//! Shutdown: on SIGTERM (or when the token given to [`Worker::run`] is cancelled) every consumer
//! finishes the event in hand, commits (Kafka) or acknowledges (Redis) it and leaves its group.
//! When one consumer fails, the others are stopped the same way and the report names it.
//! [`Worker::from_config`] builds a worker from a [`WorkerConfig`] file, as `eventbus worker`
//! does.
//!
//! With the `outbox` feature a worker may also run the outbox relay ([`WorkerBuilder::relay`]):
//! it publishes until the worker stops, is stopped with the consumers when one fails, and its
//! backlog and produce metrics are on the worker's `/metrics`.
//!
//! The operations server may answer other paths too: [`WorkerBuilder::ops_fallback`] (or
//! [`Worker::ops_fallback`] on a worker made by [`Worker::from_config`]) hands it what answers
//! them, as `eventbus worker` does with the operator console of a file's `[console]` table.

mod config;

pub use config::{
    ConsoleTable, ConsumerConfig, FileValue, KafkaFileSettings, RelayConfig, Transport,
    WorkerConfig, WorkerConfigError,
};

use crate::consume::{cancel_on_signal, CancellationToken, ConsumeSummary};
#[cfg(feature = "kafka")]
use crate::kafka::KafkaConsumer;
#[cfg(feature = "outbox")]
use crate::outbox::{Relay, RelaySummary};
#[cfg(feature = "redis")]
use crate::redis::RedisConsumer;
#[cfg(feature = "kafka")]
use crate::settings::KafkaSettings;
#[cfg(feature = "redis")]
use crate::settings::RedisSettings;
use crate::telemetry::{OpsFallback, TelemetryServer};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

type Run = Box<
    dyn FnOnce(
            CancellationToken,
        ) -> Pin<Box<dyn Future<Output = Result<ConsumeSummary, String>> + Send>>
        + Send,
>;

/// A worker's consumers and operations address; run it with [`Worker::run`].
#[derive(Debug)]
pub struct Worker {
    /// What the builder was given.
    plan: WorkerBuilder,
}

/// Builds a [`Worker`].
#[derive(Default)]
pub struct WorkerBuilder {
    consumers: Vec<(String, Run)>,
    metrics: Option<SocketAddr>,
    ops_fallback: Option<OpsFallback>,
    #[cfg(feature = "outbox")]
    relay: Option<(String, Relay)>,
}

impl std::fmt::Debug for WorkerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field(
                "consumers",
                &self.consumers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("metrics", &self.metrics)
            .field("ops_fallback", &self.ops_fallback.is_some())
            .finish_non_exhaustive()
    }
}

impl WorkerBuilder {
    /// Add a Kafka consumer named `name`.
    #[cfg(feature = "kafka")]
    #[must_use]
    pub fn kafka(mut self, name: impl Into<String>, consumer: KafkaConsumer) -> Self {
        self.consumers.push((
            name.into(),
            Box::new(move |token| {
                Box::pin(async move { consumer.consume(token).await.map_err(|e| e.to_string()) })
            }),
        ));
        self
    }

    /// Add a Redis consumer named `name`.
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn redis(mut self, name: impl Into<String>, consumer: RedisConsumer) -> Self {
        self.consumers.push((
            name.into(),
            Box::new(move |token| {
                Box::pin(async move { consumer.consume(token).await.map_err(|e| e.to_string()) })
            }),
        ));
        self
    }

    /// Run the outbox `relay`, named `name`, beside the consumers (one relay per worker: a
    /// second replaces the first).
    #[cfg(feature = "outbox")]
    #[must_use]
    pub fn relay(mut self, name: impl Into<String>, relay: Relay) -> Self {
        self.relay = Some((name.into(), relay));
        self
    }

    /// Serve `/metrics`, `/livez` and `/readyz` on `addr` while the worker runs.
    #[must_use]
    pub fn metrics(mut self, addr: SocketAddr) -> Self {
        self.metrics = Some(addr);
        self
    }

    /// Hand every request of the operations server but `/metrics`, `/livez` and `/readyz` to
    /// `fallback` (see [`TelemetryServer::start_with`]); served only with an address
    /// ([`WorkerBuilder::metrics`]).
    #[must_use]
    pub fn ops_fallback(mut self, fallback: OpsFallback) -> Self {
        self.ops_fallback = Some(fallback);
        self
    }

    /// The worker.
    pub fn build(self) -> Worker {
        Worker { plan: self }
    }
}

/// How one consumer of a worker ended.
#[derive(Debug)]
pub struct ConsumerOutcome {
    /// Its name.
    pub name: String,
    /// What it did, or why it failed.
    pub result: Result<ConsumeSummary, String>,
}

impl ConsumerOutcome {
    /// Why it failed, if it did.
    pub fn error(&self) -> Option<&str> {
        self.result.as_ref().err().map(String::as_str)
    }
}

/// How a worker's run ended: one outcome per consumer, in the order they were added, and the
/// relay's.
#[derive(Debug)]
pub struct WorkerReport {
    /// The outcomes.
    pub consumers: Vec<ConsumerOutcome>,
    /// The relay's name and what it did, if the worker ran one.
    #[cfg(feature = "outbox")]
    pub relay: Option<(String, RelaySummary)>,
}

impl WorkerReport {
    /// The first consumer (in the order added) that failed, if any.
    pub fn first_failure(&self) -> Option<&ConsumerOutcome> {
        self.consumers.iter().find(|c| c.result.is_err())
    }
}

/// A worker that could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
#[error("consumer {consumer}: {message}")]
pub struct WorkerSetupError {
    /// The consumer's name.
    pub consumer: String,
    /// What failed (a missing transport setting, an invalid option, a connection).
    pub message: String,
}

impl Worker {
    /// A builder.
    pub fn builder() -> WorkerBuilder {
        WorkerBuilder::default()
    }

    /// [`WorkerBuilder::ops_fallback`] on a built worker (one from [`Worker::from_config`]).
    #[must_use]
    pub fn ops_fallback(mut self, fallback: OpsFallback) -> Self {
        self.plan.ops_fallback = Some(fallback);
        self
    }

    /// The names of its consumers, in order, then its relay's.
    pub fn names(&self) -> Vec<&str> {
        let consumers = self.plan.consumers.iter().map(|(n, _)| n.as_str());
        #[cfg(feature = "outbox")]
        let consumers = consumers.chain(self.plan.relay.iter().map(|(n, _)| n.as_str()));
        consumers.collect()
    }

    /// A worker running the consumers of `config` with these settings (`None`: the transport is
    /// not configured, and a consumer that needs it is an error naming it), and `relay` (made by
    /// the caller: it needs the database and a producer) under the name `config` gives it.
    pub async fn from_config(
        config: &WorkerConfig,
        #[cfg(feature = "kafka")] kafka: Option<&KafkaSettings>,
        #[cfg(feature = "redis")] redis: Option<&RedisSettings>,
        #[cfg(feature = "outbox")] relay: Option<Relay>,
    ) -> Result<Worker, WorkerSetupError> {
        let mut builder = Worker::builder();
        #[cfg(feature = "outbox")]
        match (relay, &config.relay) {
            (Some(relay), Some(named)) => builder = builder.relay(named.display_name(), relay),
            (None, None) => {}
            (Some(_), None) => {
                return Err(WorkerSetupError {
                    consumer: "outbox relay".into(),
                    message: "a relay was given for a file without a [relay] table".into(),
                })
            }
            (None, Some(named)) => {
                return Err(WorkerSetupError {
                    consumer: named.display_name(),
                    message: "the file has a [relay] table but no relay was made for it".into(),
                })
            }
        }
        if let Some(addr) = config.metrics {
            builder = builder.metrics(addr);
        }
        for consumer in &config.consumers {
            let name = consumer.display_name();
            let fail = |message: String| WorkerSetupError {
                consumer: name.clone(),
                message,
            };
            builder = match consumer.transport {
                #[cfg(feature = "kafka")]
                Transport::Kafka => {
                    let settings =
                        kafka.ok_or_else(|| fail("the Kafka settings are missing".into()))?;
                    let mut kafka = KafkaConsumer::new(settings, &consumer.topic, &consumer.group)
                        .map_err(|e| fail(e.to_string()))?;
                    if let Some(time) = &consumer.offset_time {
                        let time = crate::time::parse_isoformat(time).map_err(|e| {
                            fail(format!("offset_time `{time}` is not ISO 8601: {e}"))
                        })?;
                        kafka = kafka.offset_time(time);
                    }
                    builder.kafka(name.clone(), kafka)
                }
                #[cfg(feature = "redis")]
                Transport::Redis => {
                    let settings =
                        redis.ok_or_else(|| fail("the Redis settings are missing".into()))?;
                    let member = consumer
                        .consumer_name
                        .clone()
                        .unwrap_or_else(crate::metadata::host_name);
                    let mut redis =
                        RedisConsumer::new(settings, &consumer.topic, &consumer.group, &member)
                            .await
                            .map_err(|e| fail(e.to_string()))?
                            .start_from(
                                match (&consumer.last_read_msg_id, consumer.check_backlog) {
                                    (Some(id), _) => crate::redis::StartFrom::Id(id.clone()),
                                    (None, true) => crate::redis::StartFrom::Beginning,
                                    (None, false) => crate::redis::StartFrom::End,
                                },
                            );
                    if let Some(ms) = consumer.claim_msgs_older_than_ms {
                        redis =
                            redis.claim_pending_older_than(std::time::Duration::from_millis(ms));
                    }
                    builder.redis(name.clone(), redis)
                }
                #[allow(unreachable_patterns)]
                other => {
                    return Err(fail(format!(
                        "this build has no {} transport",
                        other.as_str()
                    )))
                }
            };
        }
        Ok(builder.build())
    }

    /// Run until SIGTERM or SIGINT (Ctrl-C), or until a consumer fails.
    pub async fn run_until_signal(self) -> Result<WorkerReport, std::io::Error> {
        let token = CancellationToken::new();
        let watcher = tokio::spawn(cancel_on_signal(token.clone()));
        let report = self.run(token).await;
        watcher.abort();
        report
    }

    /// Run every consumer until `shutdown` is cancelled or one fails (then the others are
    /// stopped gracefully). Fails only when the operations server cannot listen.
    pub async fn run(self, shutdown: CancellationToken) -> Result<WorkerReport, std::io::Error> {
        let WorkerBuilder {
            consumers,
            metrics,
            ops_fallback,
            #[cfg(feature = "outbox")]
            relay,
        } = self.plan;
        let server = match metrics {
            Some(addr) => Some(TelemetryServer::start_with(addr, ops_fallback).await?),
            None => {
                if ops_fallback.is_some() {
                    tracing::warn!(
                        "worker: a fallback of the operations server but no address to serve it on"
                    );
                }
                None
            }
        };
        let stop = shutdown.child_token();
        #[cfg(feature = "outbox")]
        let relay = relay.map(|(name, relay)| {
            let stop = stop.clone();
            tracing::info!(relay = %name, "worker: starting the outbox relay");
            (name, tokio::spawn(async move { relay.run(stop).await }))
        });
        let mut tasks = Vec::new();
        for (name, run) in consumers {
            let stop = stop.clone();
            tracing::info!(consumer = %name, "worker: starting consumer");
            tasks.push((
                name.clone(),
                tokio::spawn(async move {
                    let result = run(stop.clone()).await;
                    if let Err(error) = &result {
                        tracing::error!(consumer = %name, %error, "worker: consumer failed; stopping the others");
                        stop.cancel();
                    }
                    result
                }),
            ));
        }
        let mut consumers = Vec::new();
        for (name, task) in tasks {
            let result = task
                .await
                .unwrap_or_else(|join| Err(format!("the consumer task ended abnormally: {join}")));
            consumers.push(ConsumerOutcome { name, result });
        }
        // The consumers ended: by a shutdown, which stops the relay too, or by a failure, which
        // stopped the others; with no consumers, only a shutdown ends the relay.
        #[cfg(feature = "outbox")]
        let relay = match relay {
            Some((name, task)) => {
                if !consumers.is_empty() {
                    stop.cancel();
                }
                let summary = task.await.unwrap_or_else(|join| {
                    tracing::error!(relay = %name, error = %join, "worker: the relay task ended abnormally");
                    RelaySummary::default()
                });
                Some((name, summary))
            }
            None => None,
        };
        if let Some(server) = server {
            server.stop().await;
        }
        Ok(WorkerReport {
            consumers,
            #[cfg(feature = "outbox")]
            relay,
        })
    }
}
