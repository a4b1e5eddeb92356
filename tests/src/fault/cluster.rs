//! [`PrivateCluster`]: a three-broker KRaft cluster of the fault tests' own: three controllers
//! (node ids 101-103, a static quorum) and three brokers (node ids 1-3), six JVMs each started
//! with `scripts/fault-node.sh kafka-node` (the jars of `scripts/services.sh`, the configuration
//! of `scripts/lib/kafka-cluster.sh`: `default.replication.factor=3`, `min.insync.replicas=2`,
//! internal topics replicated 3) on free ports of 127.0.0.1, with data that survives kills and
//! restarts. The test signals each broker by the PID of the process it started.
//!
//! The controllers are never signalled: they keep the metadata quorum while brokers die, so that
//! the cluster fences a dead broker (after `broker.session.timeout.ms`, 9 s), elects new leaders
//! from the in-sync replicas and shrinks the ISR, as a production cluster with separate
//! controllers does.

use super::error::HarnessError;
use super::kafka::{create_topic_on, metadata_client};
use super::process::OwnedProcess;
use super::support::{fault_node_script, fetch_servers, free_port, wait_for, ScratchDir};
use rdkafka::admin::TopicReplication;
use rdkafka::consumer::{BaseConsumer, Consumer};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the first start of the six nodes may take (formatting, then six JVMs on a busy
/// machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(180);

/// How long a broker's restart may take (after a SIGKILL the controllers refuse the restarted
/// broker's registration until the dead one's session expires).
pub const RESTART_TIMEOUT: Duration = Duration::from_secs(120);

/// The broker ids.
pub const BROKERS: [i32; 3] = [1, 2, 3];

/// The partitions of `__consumer_offsets` (`offsets.topic.num.partitions` of
/// `scripts/lib/kafka-cluster.sh`).
pub const OFFSETS_PARTITIONS: i32 = 6;

/// One node: its id, port and process.
#[derive(Debug)]
struct Node {
    id: i32,
    port: u16,
    process: OwnedProcess,
}

/// One partition of a topic as the brokers' metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionState {
    /// The partition id.
    pub id: i32,
    /// Its leader's broker id (-1: none).
    pub leader: i32,
    /// Its replicas.
    pub replicas: Vec<i32>,
    /// Its in-sync replicas, sorted.
    pub isr: Vec<i32>,
}

/// Three brokers and three controllers that only this test uses.
///
/// ```no_run
/// # async fn demo() -> Result<(), eventbus_tests::fault::HarnessError> {
/// use eventbus_tests::fault::PrivateCluster;
/// let mut cluster = PrivateCluster::start().await?;
/// cluster.create_topic("t", 3, Some(1)).await?;   // broker 1 leads every partition
/// cluster.kill_broker(1)?;                         // SIGKILL, reaped
/// cluster.restart_broker(1).await?;                // same port and data; registered again
/// cluster.wait_in_sync("t", 1, std::time::Duration::from_secs(60)).await?;
/// # Ok(()) }
/// ```
///
/// Dropping it stops the brokers, then the controllers (SIGTERM, SIGKILL after 10 s), and
/// deletes its directory (kept when `EVENTBUS_FAULT_KEEP` is set).
pub struct PrivateCluster {
    // Dropped in this order: the brokers before the controllers (a broker's controlled shutdown
    // talks to them), the directory last.
    brokers: Vec<Node>,
    controllers: Vec<Node>,
    metadata: Arc<BaseConsumer>,
    dir: ScratchDir,
}

impl std::fmt::Debug for PrivateCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateCluster")
            .field("bootstrap", &self.bootstrap())
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// A new Kafka cluster id: 16 random bytes in URL-safe base64 without padding, never starting
/// with `-` (the command line would take it for an option).
fn new_cluster_id() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    loop {
        let bits = uuid::Uuid::new_v4().as_u128();
        // 22 characters of 6 bits: the 128 bits, then 4 zero bits.
        let id: String = (0..22)
            .map(|i| {
                let shift = 122 - 6 * i;
                let sextet = if shift >= 0 {
                    (bits >> shift) & 63
                } else {
                    (bits << -shift) & 63
                };
                char::from(ALPHABET[sextet as usize])
            })
            .collect();
        if !id.starts_with('-') {
            return id;
        }
    }
}

/// `n` distinct free ports.
fn free_ports(n: usize) -> Result<Vec<u16>, HarnessError> {
    let mut ports = BTreeSet::new();
    for _ in 0..(n * 10) {
        ports.insert(free_port()?);
        if ports.len() == n {
            return Ok(ports.into_iter().collect());
        }
    }
    Err(HarnessError::Io {
        what: format!("finding {n} distinct free ports"),
        source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
    })
}

impl PrivateCluster {
    /// Format six new data directories with one cluster id, start the six nodes and wait until
    /// the brokers' metadata lists the three brokers (at most [`START_TIMEOUT`]).
    pub async fn start() -> Result<Self, HarnessError> {
        fetch_servers().await?;
        let dir = ScratchDir::new("cluster")?;
        let ports = free_ports(6)?;
        let cluster_id = new_cluster_id();
        let voters = (0..3)
            .map(|i| format!("{}@127.0.0.1:{}", 101 + i, ports[3 + i]))
            .collect::<Vec<_>>()
            .join(",");
        let node = |role: &str, id: i32, port: u16| Node {
            id,
            port,
            process: OwnedProcess::new(
                format!("private Kafka {role} {id} on 127.0.0.1:{port}"),
                "bash",
                dir.path().join(format!("{role}-{id}.log")),
            )
            .arg(fault_node_script())
            .arg("kafka-node")
            .arg(dir.path().join(format!("{role}-{id}")))
            .arg(role)
            .arg(id.to_string())
            .arg(&cluster_id)
            .arg(port.to_string())
            .arg(&voters),
        };
        let controllers: Vec<Node> = (0..3)
            .map(|i| node("controller", 101 + i as i32, ports[3 + i]))
            .collect();
        let brokers: Vec<Node> = (0..3)
            .map(|i| node("broker", BROKERS[i], ports[i]))
            .collect();
        let bootstrap = brokers
            .iter()
            .map(|b| format!("127.0.0.1:{}", b.port))
            .collect::<Vec<_>>()
            .join(",");
        let metadata = metadata_client(&bootstrap)?;
        let mut cluster = PrivateCluster {
            brokers,
            controllers,
            metadata: Arc::new(metadata),
            dir,
        };
        for node in cluster.controllers.iter_mut().chain(&mut cluster.brokers) {
            node.process.start()?;
        }
        let all: BTreeSet<i32> = BROKERS.into_iter().collect();
        cluster
            .wait_metadata("the three brokers registered", START_TIMEOUT, |m| {
                m.brokers == all
            })
            .await?;
        tracing::info!(bootstrap = %cluster.bootstrap(), "private three-broker cluster ready");
        Ok(cluster)
    }

    /// The three brokers, `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        self.brokers
            .iter()
            .map(|b| format!("127.0.0.1:{}", b.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Its directory: one folder per node (config, `data/`, `logs/server.log`) and the nodes'
    /// `fault-node` logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server log of broker `id`.
    pub fn broker_log(&self, id: i32) -> PathBuf {
        self.dir.path().join(format!("broker-{id}/logs/server.log"))
    }

    fn broker(&mut self, id: i32) -> Result<&mut Node, HarnessError> {
        self.brokers
            .iter_mut()
            .find(|b| b.id == id)
            .ok_or_else(|| HarnessError::NotRunning {
                what: format!("broker {id} (brokers are 1, 2 and 3)"),
            })
    }

    /// The PID of broker `id` while it runs.
    pub fn broker_pid(&mut self, id: i32) -> Option<u32> {
        self.broker(id).ok().and_then(|b| b.process.pid())
    }

    /// SIGKILL broker `id` and reap it.
    pub fn kill_broker(&mut self, id: i32) -> Result<(), HarnessError> {
        let pid = self.broker_pid(id);
        self.broker(id)?.process.kill()?;
        tracing::info!(broker = id, ?pid, "broker SIGKILLed");
        Ok(())
    }

    /// SIGSTOP broker `id`.
    pub fn pause_broker(&mut self, id: i32) -> Result<(), HarnessError> {
        self.broker(id)?.process.pause()
    }

    /// SIGCONT broker `id`.
    pub fn resume_broker(&mut self, id: i32) -> Result<(), HarnessError> {
        self.broker(id)?.process.resume()
    }

    /// Start broker `id` again on the same port and data (stopping it first, gracefully, if it
    /// still runs) and wait until the brokers' metadata lists it again (at most
    /// [`RESTART_TIMEOUT`]); how long that took.
    pub async fn restart_broker(&mut self, id: i32) -> Result<Duration, HarnessError> {
        let start = Instant::now();
        let node = self.broker(id)?;
        node.process.terminate(Duration::from_secs(30))?;
        node.process.start()?;
        self.wait_metadata(
            &format!("broker {id} registered again"),
            RESTART_TIMEOUT,
            |m| m.brokers.contains(&id),
        )
        .await?;
        Ok(start.elapsed())
    }

    /// Create `name` with `partitions` partitions replicated on the three brokers; with
    /// `leader`, every partition's preferred leader is that broker (it leads them all), else
    /// the cluster spreads them. Waits until every partition has a leader and three in-sync
    /// replicas.
    pub async fn create_topic(
        &mut self,
        name: &str,
        partitions: i32,
        leader: Option<i32>,
    ) -> Result<(), HarnessError> {
        let assignment: Vec<Vec<i32>> = match leader {
            Some(first) => (0..partitions)
                .map(|p| {
                    let mut others: Vec<i32> =
                        BROKERS.iter().copied().filter(|&b| b != first).collect();
                    let turn = usize::try_from(p).unwrap_or(0) % others.len();
                    others.rotate_left(turn);
                    std::iter::once(first).chain(others).collect()
                })
                .collect(),
            None => Vec::new(),
        };
        let slices: Vec<&[i32]> = assignment.iter().map(Vec::as_slice).collect();
        let replication = if leader.is_some() {
            TopicReplication::Variable(&slices)
        } else {
            TopicReplication::Fixed(3)
        };
        create_topic_on(&self.bootstrap(), name, partitions, replication).await?;
        for broker in BROKERS {
            self.wait_in_sync(name, broker, Duration::from_secs(60))
                .await?;
        }
        let state = self.partitions(name).await?;
        if let Some(first) = leader {
            if state.iter().any(|p| p.leader != first) {
                return Err(HarnessError::Corrupt {
                    what: format!("topic {name}"),
                    reason: format!("broker {first} should lead every partition: {state:?}"),
                });
            }
        }
        Ok(())
    }

    /// The partitions of `topic` as the brokers' metadata has them now (an error when the
    /// topic is missing).
    pub async fn partitions(&self, topic: &str) -> Result<Vec<PartitionState>, HarnessError> {
        let client = self.metadata.clone();
        let topic = topic.to_owned();
        tokio::task::spawn_blocking(move || topic_partitions(&client, &topic))
            .await
            .map_err(HarnessError::client("reading metadata"))?
    }

    /// Wait (at most `timeout`) until broker `id` is in the ISR of every partition of `topic`
    /// and every partition has a leader: the partitions then.
    pub async fn wait_in_sync(
        &mut self,
        topic: &str,
        id: i32,
        timeout: Duration,
    ) -> Result<Vec<PartitionState>, HarnessError> {
        self.wait_partitions(
            &format!("broker {id} in the ISR of every partition of {topic}"),
            topic,
            timeout,
            |p| p.leader >= 0 && p.isr.contains(&id),
        )
        .await
    }

    /// Wait (at most `timeout`) until `check` holds for every partition of `topic`: the
    /// partitions then.
    pub async fn wait_partitions(
        &mut self,
        what: &str,
        topic: &str,
        timeout: Duration,
        check: impl Fn(&PartitionState) -> bool,
    ) -> Result<Vec<PartitionState>, HarnessError> {
        let check = &check;
        let last = std::sync::Mutex::new(Vec::new());
        let result = wait_for(what, timeout, Duration::from_millis(250), || {
            let client = self.metadata.clone();
            let topic = topic.to_owned();
            let last = &last;
            async move {
                let state = tokio::task::spawn_blocking(move || topic_partitions(&client, &topic))
                    .await
                    .map_err(HarnessError::client("reading metadata"))?;
                match state {
                    Ok(state) => {
                        let done = !state.is_empty() && state.iter().all(check);
                        *last.lock().unwrap_or_else(|e| e.into_inner()) = state.clone();
                        Ok(done.then_some(state))
                    }
                    Err(_) => Ok(None),
                }
            }
        })
        .await;
        result.map_err(|error| match error {
            HarnessError::Timeout { what, after, .. } => HarnessError::Timeout {
                what,
                after,
                log: format!(
                    "\nlast seen: {:?}",
                    last.lock().unwrap_or_else(|e| e.into_inner())
                ),
            },
            other => other,
        })
    }

    /// The broker that coordinates consumer group `group`: the leader of its partition of
    /// `__consumer_offsets`, `abs(java_hash(group)) % 6` (Kafka's `GroupCoordinator` rule). The
    /// offsets topic exists once a group used the cluster.
    pub async fn coordinator_of(&self, group: &str) -> Result<(i32, i32), HarnessError> {
        let partition = offsets_partition(group);
        let state = self.partitions("__consumer_offsets").await?;
        state
            .iter()
            .find(|p| p.id == partition)
            .filter(|p| p.leader >= 0)
            .map(|p| (partition, p.leader))
            .ok_or_else(|| HarnessError::Corrupt {
                what: "__consumer_offsets".into(),
                reason: format!("no leader for partition {partition}: {state:?}"),
            })
    }

    async fn wait_metadata(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&ClusterView) -> bool,
    ) -> Result<(), HarnessError> {
        let check = &check;
        let result = wait_for(what, timeout, Duration::from_millis(250), || {
            let alive: Result<(), HarnessError> = self
                .controllers
                .iter_mut()
                .chain(self.brokers.iter_mut())
                .filter(|n| n.process.pid().is_some())
                .try_for_each(|n| n.process.check_running());
            let client = self.metadata.clone();
            async move {
                alive?;
                let view = tokio::task::spawn_blocking(move || cluster_view(&client))
                    .await
                    .map_err(HarnessError::client("reading metadata"))?;
                Ok(view.filter(|v| check(v)).map(drop))
            }
        })
        .await;
        result.map_err(|error| match error {
            HarnessError::Timeout { what, after, .. } => HarnessError::Timeout {
                what,
                after,
                log: super::process::log_tail(&self.broker_log(1), 30),
            },
            other => other,
        })
    }
}

/// What the metadata says of the cluster.
struct ClusterView {
    brokers: BTreeSet<i32>,
}

fn cluster_view(client: &BaseConsumer) -> Option<ClusterView> {
    let metadata = client.fetch_metadata(None, Duration::from_secs(2)).ok()?;
    Some(ClusterView {
        brokers: metadata.brokers().iter().map(|b| b.id()).collect(),
    })
}

fn topic_partitions(
    client: &BaseConsumer,
    topic: &str,
) -> Result<Vec<PartitionState>, HarnessError> {
    let metadata = client
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .map_err(HarnessError::client(format!("metadata of {topic}")))?;
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic && t.error().is_none())
        .ok_or_else(|| HarnessError::Corrupt {
            what: format!("topic {topic}"),
            reason: "not in the metadata".into(),
        })?;
    let mut partitions: Vec<PartitionState> = found
        .partitions()
        .iter()
        .map(|p| {
            let mut isr = p.isr().to_vec();
            isr.sort_unstable();
            PartitionState {
                id: p.id(),
                leader: p.leader(),
                replicas: p.replicas().to_vec(),
                isr,
            }
        })
        .collect();
    partitions.sort_by_key(|p| p.id);
    Ok(partitions)
}

/// The partition of `__consumer_offsets` holding `group`'s offsets: Java's `String.hashCode`
/// of the group id (UTF-16), made non-negative as Kafka's `Utils.abs` does (`& 0x7fffffff`),
/// modulo [`OFFSETS_PARTITIONS`].
pub fn offsets_partition(group: &str) -> i32 {
    let hash = group
        .encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)));
    (hash & 0x7fff_ffff) % OFFSETS_PARTITIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_are_22_url_safe_characters() {
        for _ in 0..100 {
            let id = new_cluster_id();
            assert_eq!(id.len(), 22, "{id}");
            assert!(!id.starts_with('-'));
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
    }

    #[test]
    fn the_offsets_partition_follows_javas_string_hash() {
        // Java: "a".hashCode() == 97, "group".hashCode() == 98629247.
        assert_eq!(offsets_partition("a"), 97 % 6);
        assert_eq!(offsets_partition("group"), 98_629_247 % 6);
        let negative = "polygenelubricants"; // hashCode() == Integer.MIN_VALUE
        assert_eq!(offsets_partition(negative), 0);
    }
}
