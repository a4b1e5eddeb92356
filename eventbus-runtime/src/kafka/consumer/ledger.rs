//! The Kafka side of settling: which offsets may be committed ([`OpenOffsets`]: only those below
//! which every message read was settled), storing them, and committing them ([`Committer`]: after
//! every message with at most one request in flight, or by librdkafka every commit interval); on a
//! revocation and at shutdown, a synchronous commit.

use super::commits::{commit_in_thread, Committer};
use super::offsets::OpenOffsets;
use super::rebalance::is_no_offset;
use super::Inner;
use crate::consume::engine::{Ledger, Shard};
use crate::consume::ConsumerError;
use rdkafka::consumer::Consumer;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::types::RDKafkaErrorCode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a synchronous commit (a revocation's, or the last one at shutdown) may take before
/// the consumer goes on without it (the offsets stay stored: the next commit, or the one at
/// close, takes them). A commit can wait for long: for a coordinator that moves, or behind a
/// rebalance; unbounded, it held a SIGTERMed member past its grace period.
pub(super) const COMMIT_WAIT: Duration = Duration::from_secs(5);

/// Whether a commit failed because the group is rebalancing (it is committed again in the
/// rebalance).
fn in_rebalance(error: &rdkafka::error::KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::RebalanceInProgress
                | RDKafkaErrorCode::IllegalGeneration
                | RDKafkaErrorCode::UnknownMemberId
                | RDKafkaErrorCode::StaleMemberEpoch
        )
    )
}

/// With a commit interval, the settled offsets are stored at most this often (librdkafka commits
/// what is stored every interval).
const STORE_GAP: Duration = Duration::from_millis(1);

/// The offsets of one consumer's messages, from read to committed. The offset to store of each
/// partition is kept and stored only when a commit request is about to go (or, with a commit
/// interval, at most every [`STORE_GAP`]): storing costs a topic lookup in librdkafka, once per
/// request instead of once per message.
pub(super) struct KafkaLedger {
    consumer: Arc<Inner>,
    offsets: OpenOffsets,
    committer: Committer,
    /// Offsets settled and not stored yet, by partition.
    unstored: Unstored,
    /// librdkafka commits the stored offsets every interval (`consumer_commit_interval`).
    auto_commit: bool,
    /// When offsets were last stored (with a commit interval).
    stored_at: std::time::Instant,
}

/// The offsets to store, by partition, of the consumer's topic.
struct Unstored {
    consumer: Arc<Inner>,
    topic: String,
    offsets: HashMap<i32, i64>,
}

impl Unstored {
    /// Store every offset kept; a failure only means the messages may be delivered again.
    fn store(&mut self) {
        for (partition, offset) in self.offsets.drain() {
            if let Err(error) = self.consumer.store_offset(&self.topic, partition, offset) {
                tracing::warn!(
                    %error,
                    topic = %self.topic,
                    partition,
                    offset,
                    "storing the offset failed (partition revoked?); the messages may be delivered again"
                );
            }
        }
    }
}

impl KafkaLedger {
    /// The ledger of `consumer` of `topic` (the full name); `auto_commit`: librdkafka commits
    /// every interval.
    pub(super) fn new(consumer: Arc<Inner>, topic: &str, auto_commit: bool) -> Self {
        KafkaLedger {
            committer: Committer::new(consumer.clone()),
            unstored: Unstored {
                consumer: consumer.clone(),
                topic: topic.to_owned(),
                offsets: HashMap::new(),
            },
            consumer,
            offsets: OpenOffsets::default(),
            auto_commit,
            stored_at: std::time::Instant::now(),
        }
    }

    /// Store what is kept, then commit the stored offsets now, synchronously, after the request
    /// in flight.
    async fn commit_now(&mut self) -> Result<(), rdkafka::error::KafkaError> {
        self.committer.finish().await;
        self.unstored.store();
        let result = commit_in_thread(self.consumer.clone())
            .await
            .unwrap_or(Ok(()));
        self.committer.committed();
        match result {
            Err(error) if !is_no_offset(&error) => Err(error),
            _ => Ok(()),
        }
    }
}

impl Ledger<OwnedMessage> for KafkaLedger {
    fn read(&mut self, message: &OwnedMessage) {
        self.offsets.read(message.partition(), message.offset());
    }

    /// Keep the offset below which every message of the partition is settled, if it grew, and
    /// commit it (with the next request if one is in flight).
    async fn settled(&mut self, message: &OwnedMessage) {
        let partition = message.partition();
        let Some(offset) = self.offsets.settled(partition, message.offset()) else {
            return;
        };
        self.unstored.offsets.insert(partition, offset);
        if self.auto_commit {
            if self.stored_at.elapsed() >= STORE_GAP {
                self.unstored.store();
                self.stored_at = std::time::Instant::now();
            }
        } else {
            let unstored = &mut self.unstored;
            self.committer.stored(|| unstored.store());
        }
    }

    async fn revoked(&mut self, shards: &[Shard]) {
        match tokio::time::timeout(COMMIT_WAIT, self.commit_now()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(
                %error,
                partitions = ?shards,
                "committing the revoked partitions' offsets failed; their new owner may process \
                 some of their messages again"
            ),
            Err(_) => tracing::warn!(
                wait_s = COMMIT_WAIT.as_secs(),
                partitions = ?shards,
                "committing the revoked partitions' offsets is not answered; letting them go \
                 (their new owner may process some of their messages again)"
            ),
        }
        for shard in shards {
            self.offsets.forget(*shard);
        }
    }

    fn full(&self) -> bool {
        self.committer.full()
    }

    fn pending(&self) -> bool {
        self.committer.pending() || (self.auto_commit && !self.unstored.offsets.is_empty())
    }

    async fn background(&mut self) {
        if self.committer.pending() {
            let unstored = &mut self.unstored;
            self.committer.answered(|| unstored.store()).await;
        } else {
            // With a commit interval: what was kept is stored within the gap.
            tokio::time::sleep(STORE_GAP).await;
            self.unstored.store();
            self.stored_at = std::time::Instant::now();
        }
    }
    /// The last commit, bounded in time ([`COMMIT_WAIT`]). A rebalance in progress
    /// refuses it (the member's generation is changing), and a coordinator that cannot be reached
    /// holds it: then the offsets stay stored and are committed when the partitions are revoked
    /// at close, in the rebalance (see the consumer context).
    async fn finish(&mut self) -> Result<(), ConsumerError> {
        match tokio::time::timeout(COMMIT_WAIT, self.commit_now()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) if in_rebalance(&error) => {
                tracing::info!(%error, "a rebalance is in progress; the offsets are committed at close");
                Ok(())
            }
            Ok(Err(error)) => {
                tracing::error!(%error, "committing offsets at shutdown failed");
                Err(ConsumerError::Commit(error))
            }
            Err(_) => {
                tracing::warn!(
                    wait_s = COMMIT_WAIT.as_secs(),
                    "the last commit is not answered; the offsets are committed at close"
                );
                Ok(())
            }
        }
    }
}
