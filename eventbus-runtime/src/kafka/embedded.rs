//! The embedded default: a Kafka cluster and a schema registry inside this process, for running
//! the bus on a machine with no server (demos, examples, fast tests).
//!
//! The cluster is librdkafka's mock cluster: real Kafka protocol on 127.0.0.1, in memory, with
//! consumer groups, offset commits and idempotent producing, but no persistence and no other
//! process can share it. The registry is an in-process [`MemoryRegistry`] with the Confluent
//! registry's semantics. Everything else (producer, consumer, framing, headers, dead letters) is
//! the same code that talks to a real broker. Not a proof that a real deployment works: the
//! project's tests run against a real Kafka broker and schema registry too.

use super::error::KafkaError;
use crate::kafka::schema_registry::{MemoryRegistry, SchemaRegistryClient};
use crate::settings::{KafkaSettings, KafkaSettingsBuilder, MEMORY_SCHEME};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A mock Kafka cluster and an in-process schema registry; stopped when dropped.
///
/// Not `Send`: keep it on the task that drives the program (it only has to outlive the clients).
pub struct EmbeddedKafka {
    cluster: MockCluster<'static, DefaultProducerContext>,
    registry: Arc<MemoryRegistry>,
}

impl std::fmt::Debug for EmbeddedKafka {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKafka")
            .field("bootstrap_servers", &self.cluster.bootstrap_servers())
            .field("schema_registry", &self.registry.url())
            .finish()
    }
}

impl EmbeddedKafka {
    /// Start a one-broker cluster and a new, empty registry.
    pub fn start() -> Result<Self, KafkaError> {
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let cluster = MockCluster::new(1).map_err(|source| KafkaError::Create {
            client: "embedded mock cluster",
            source,
        })?;
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let registry = MemoryRegistry::named(&format!("embedded-{}-{n}", std::process::id()));
        tracing::info!(
            bootstrap_servers = %cluster.bootstrap_servers(),
            schema_registry = %registry.url(),
            "embedded Kafka cluster and schema registry started"
        );
        Ok(EmbeddedKafka { cluster, registry })
    }

    /// The cluster's `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        self.cluster.bootstrap_servers()
    }

    /// The registry's URL (`memory://...`), usable as `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL` within
    /// this process.
    pub fn schema_registry_url(&self) -> String {
        self.registry.url()
    }

    /// The registry itself.
    pub fn registry(&self) -> &Arc<MemoryRegistry> {
        &self.registry
    }

    /// A registry client for the embedded registry.
    pub fn registry_client(&self) -> Arc<SchemaRegistryClient> {
        Arc::new(SchemaRegistryClient::in_memory(self.registry.clone()))
    }

    /// Settings pointing at the embedded cluster and registry, to complete and build.
    pub fn settings(&self) -> KafkaSettingsBuilder {
        debug_assert!(self.schema_registry_url().starts_with(MEMORY_SCHEME));
        KafkaSettings::builder(self.bootstrap_servers(), self.schema_registry_url())
    }

    /// Create a topic (the full name, with any prefix) with `partitions` partitions.
    pub fn create_topic(&self, full_topic: &str, partitions: i32) -> Result<(), KafkaError> {
        self.cluster
            .create_topic(full_topic, partitions, 1)
            .map_err(|e| KafkaError::Admin {
                operation: "create topic",
                name: full_topic.to_owned(),
                servers: self.bootstrap_servers(),
                message: e.to_string(),
            })
    }
}
