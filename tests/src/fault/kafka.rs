//! [`PrivateKafka`]: a single-node KRaft broker of the fault tests' own, started with
//! `scripts/fault-node.sh kafka` (the jars and `server.properties` of `scripts/services.sh`'s
//! Kafka) on two free ports of 127.0.0.1, with a data directory that survives kills and restarts.
//! The shared broker of the other tests is never touched.

use super::error::HarnessError;
use super::process::OwnedProcess;
use super::support::{fault_node_script, fetch_servers, free_port, wait_for, ScratchDir};
use eventbus_runtime::settings::{KafkaSettings, KafkaSettingsBuilder};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the first start may take (formatting the storage, then starting the JVM, on a busy
/// machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a restart may take. After a SIGKILL the controller refuses the restarted broker's
/// registration until the dead one's session expires (`broker.session.timeout.ms`, 9 s by
/// default), so a restart takes that much longer than a first start.
pub const RESTART_TIMEOUT: Duration = Duration::from_secs(90);

/// A Kafka broker (and KRaft controller, one JVM) that only this test uses.
///
/// ```no_run
/// # async fn demo() -> Result<(), eventbus_tests::fault::HarnessError> {
/// use eventbus_tests::fault::PrivateKafka;
/// let mut kafka = PrivateKafka::start().await?;
/// kafka.create_topic("t", 3).await?;
/// kafka.kill()?;                        // SIGKILL, reaped
/// let took = kafka.restart().await?;    // same ports, same data; ready again
/// kafka.pause()?;                       // SIGSTOP
/// kafka.resume()?;                      // SIGCONT
/// # Ok(()) }
/// ```
///
/// Dropping it stops the broker (SIGTERM, SIGKILL after 10 s) and deletes its directory (kept
/// when `EVENTBUS_FAULT_KEEP` is set).
pub struct PrivateKafka {
    process: OwnedProcess,
    port: u16,
    controller_port: u16,
    topics: Vec<String>,
    metadata: Arc<BaseConsumer>,
    // Dropped last, after the process stopped.
    dir: ScratchDir,
}

impl std::fmt::Debug for PrivateKafka {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKafka")
            .field("bootstrap", &self.bootstrap())
            .field("pid", &self.pid())
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl PrivateKafka {
    /// Format a new data directory, start the broker and wait until it answers (at most
    /// [`START_TIMEOUT`]).
    pub async fn start() -> Result<Self, HarnessError> {
        fetch_servers().await?;
        let dir = ScratchDir::new("kafka")?;
        let port = free_port()?;
        let controller_port = std::iter::repeat_with(free_port)
            .take(10)
            .find(|p| !matches!(p, Ok(p) if *p == port))
            .expect("10 tries")?;
        let process = OwnedProcess::new(
            format!("private Kafka broker on 127.0.0.1:{port}"),
            "bash",
            dir.path().join("fault-node.log"),
        )
        .arg(fault_node_script())
        .arg("kafka")
        .arg(dir.path().join("kafka"))
        .arg(port.to_string())
        .arg(controller_port.to_string());
        let metadata = metadata_client(&format!("127.0.0.1:{port}"))?;
        let mut kafka = PrivateKafka {
            process,
            port,
            controller_port,
            topics: Vec::new(),
            metadata: Arc::new(metadata),
            dir,
        };
        kafka.launch(START_TIMEOUT).await?;
        Ok(kafka)
    }

    /// `127.0.0.1:PORT`, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The controller's port.
    pub fn controller_port(&self) -> u16 {
        self.controller_port
    }

    /// The broker's PID while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// Its directory: `kafka/` (config, `data/`, `logs/server.log`) and `fault-node.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The broker's own log.
    pub fn server_log(&self) -> PathBuf {
        self.dir.path().join("kafka/logs/server.log")
    }

    /// SIGKILL the broker and reap it.
    pub fn kill(&mut self) -> Result<(), HarnessError> {
        self.process.kill().map(drop)
    }

    /// SIGSTOP the broker.
    pub fn pause(&mut self) -> Result<(), HarnessError> {
        self.process.pause()
    }

    /// SIGCONT the broker.
    pub fn resume(&mut self) -> Result<(), HarnessError> {
        self.process.resume()
    }

    /// Start the broker again on the same ports and data (stopping it first, gracefully, if it
    /// still runs) and wait until it answers and every topic created with
    /// [`PrivateKafka::create_topic`] has a leader for each partition (at most
    /// [`RESTART_TIMEOUT`]); how long that took.
    pub async fn restart(&mut self) -> Result<Duration, HarnessError> {
        self.process.terminate(Duration::from_secs(30))?;
        self.launch(RESTART_TIMEOUT).await
    }

    /// Create a topic (full name) with `partitions` partitions and one replica, and wait until
    /// each partition has a leader.
    pub async fn create_topic(&mut self, name: &str, partitions: i32) -> Result<(), HarnessError> {
        create_topic_on(
            &self.bootstrap(),
            name,
            partitions,
            TopicReplication::Fixed(1),
        )
        .await?;
        self.topics.push(name.to_owned());
        self.wait_ready(Duration::from_secs(30)).await
    }

    async fn launch(&mut self, timeout: Duration) -> Result<Duration, HarnessError> {
        let start = Instant::now();
        self.process.start()?;
        self.wait_ready(timeout).await?;
        Ok(start.elapsed())
    }

    /// Wait until the broker answers a metadata request listing itself and a leader for every
    /// partition of the topics created here.
    async fn wait_ready(&mut self, timeout: Duration) -> Result<(), HarnessError> {
        let what = format!("{} ready", self.process.name());
        let result = wait_for(&what, timeout, Duration::from_millis(250), || {
            let alive = self.process.check_running();
            let client = self.metadata.clone();
            let topics = self.topics.clone();
            async move {
                alive?;
                tokio::task::spawn_blocking(move || Ok(ready(&client, &topics).then_some(())))
                    .await
                    .map_err(HarnessError::client("probing the broker"))?
            }
        })
        .await;
        result.map_err(|error| match error {
            HarnessError::Timeout { what, after, .. } => HarnessError::Timeout {
                what,
                after,
                log: super::process::log_tail(&self.server_log(), 30),
            },
            other => other,
        })
    }
}

/// Whether the broker lists itself and a leader for every partition of `topics`.
fn ready(client: &BaseConsumer, topics: &[String]) -> bool {
    let Ok(metadata) = client.fetch_metadata(None, Duration::from_secs(1)) else {
        return false;
    };
    if metadata.brokers().is_empty() {
        return false;
    }
    topics.iter().all(|name| {
        metadata.topics().iter().any(|topic| {
            topic.name() == name
                && topic.error().is_none()
                && !topic.partitions().is_empty()
                && topic
                    .partitions()
                    .iter()
                    .all(|p| p.leader() >= 0 && p.error().is_none())
        })
    })
}

/// What a fault test does to a [`PrivateKafka`] broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerFault {
    /// SIGKILL, and restart after this long.
    Kill(Duration),
    /// SIGSTOP, and SIGCONT after this long.
    Stop(Duration),
}

impl PrivateKafka {
    /// Do `fault` to the broker and bring it back; a line that says what happened (for the
    /// test's counts).
    pub async fn inflict(&mut self, fault: BrokerFault) -> Result<String, HarnessError> {
        match fault {
            BrokerFault::Kill(down) => {
                self.kill()?;
                tokio::time::sleep(down).await;
                let restart = self.restart().await?;
                Ok(format!(
                    "SIGKILL, restarted after {down:?}, ready in {restart:.1?}"
                ))
            }
            BrokerFault::Stop(stopped) => {
                self.pause()?;
                tokio::time::sleep(stopped).await;
                self.resume()?;
                Ok(format!("SIGSTOP for {stopped:?}, then SIGCONT"))
            }
        }
    }
}

/// The Kafka settings of a fault test: `bootstrap` (a [`PrivateKafka`] or the shared broker),
/// the shared `registry`, topics prefixed with `prefix`, service `fault-tests`, no audit log (a
/// line per event would flood the test's output); add to it and build.
pub fn fault_settings(bootstrap: &str, registry: &str, prefix: &str) -> KafkaSettingsBuilder {
    KafkaSettings::builder(bootstrap, registry)
        .topic_prefix(prefix)
        .service_name("fault-tests")
        .common(|c| c.audit_logging_enabled = false)
}

/// A client for the metadata of the brokers of `bootstrap` (which reconnects every 500 ms at
/// most, so a restarted broker is seen soon).
pub(crate) fn metadata_client(bootstrap: &str) -> Result<BaseConsumer, HarnessError> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("reconnect.backoff.max.ms", "500")
        .create()
        .map_err(HarnessError::client("creating a metadata client"))
}

/// Create the topic `name` (full name) on the brokers of `bootstrap` with `partitions`
/// partitions replicated as `replication` (an error naming the topic and the brokers when they
/// refuse); does not wait for leaders.
pub(crate) async fn create_topic_on(
    bootstrap: &str,
    name: &str,
    partitions: i32,
    replication: TopicReplication<'_>,
) -> Result<(), HarnessError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(HarnessError::client("creating an admin client"))?;
    let what = format!("creating topic {name} on {bootstrap}");
    let results = admin
        .create_topics(
            &[NewTopic::new(name, partitions, replication)],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await
        .map_err(HarnessError::client(what.clone()))?;
    for result in results {
        result.map_err(|(_, code)| HarnessError::Client {
            what: what.clone(),
            source: Box::new(rdkafka::error::KafkaError::AdminOp(code)),
        })?;
    }
    Ok(())
}
