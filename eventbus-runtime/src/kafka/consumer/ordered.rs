//! The consume loop with ordered concurrency (`max_in_flight` above 1): up to `max_in_flight`
//! messages are processed at once, the messages of one key (in one partition) one after the other
//! in offset order ([`Lanes`]), and only offsets below which every message was settled are
//! committed ([`OpenOffsets`]).
//!
//! The messages run as futures of this task (not spawned tasks): receivers that wait on I/O
//! overlap, which is what a consumer waits on. At most `HELD_PER_IN_FLIGHT × max_in_flight` messages
//! are held (running or waiting behind their key) before the consumer stops reading.
//!
//! A schema registry that cannot be reached is retried by the message's own future, after the
//! poll-failure sleep, until it answers or the consumer shuts down; the consecutive-errors limit
//! counts messages that failed, not these retries. A receiver that stops the consumer
//! ([`super::StopConsuming`]), a fatal error or a shutdown stop the reading; the messages running
//! are finished and settled, those waiting are left uncommitted.

use super::commits::Committer;
use super::offsets::OpenOffsets;
use super::{ConsumerError, Failure, KafkaConsumer, Settled};
use crate::consume::lanes::Lanes;
use crate::consume::{sleep_unless_cancelled, CancellationToken, ConsumeSummary, ErrorStreak};
use futures_util::stream::{FuturesUnordered, StreamExt};
use rdkafka::consumer::Consumer;
use rdkafka::message::{Message, OwnedMessage};

/// With ordered concurrency, at most `HELD_PER_IN_FLIGHT × max_in_flight` messages are held
/// (running, or waiting behind an earlier message of their key) before the consumer stops
/// reading; a crash redelivers at most these beyond the commit bound of the `commits` module.
pub const HELD_PER_IN_FLIGHT: usize = 8;

/// A message's lane: its partition and key.
type LaneKey = (i32, Option<Vec<u8>>);

impl KafkaConsumer {
    pub(super) async fn run_ordered(
        &self,
        shutdown: &CancellationToken,
        summary: &mut ConsumeSummary,
        committer: &mut Committer,
    ) -> Result<(), ConsumerError> {
        let max_in_flight = self.settings.common().max_in_flight;
        let held_max = max_in_flight * HELD_PER_IN_FLIGHT;
        let mut lanes: Lanes<LaneKey, OwnedMessage> = Lanes::new(max_in_flight);
        let mut offsets = OpenOffsets::default();
        let mut running = FuturesUnordered::new();
        let mut errors = ErrorStreak::new(self.settings.common().consecutive_errors_limit);
        // Set once the consumer stops reading: how the run ends, after the running messages.
        let mut ending: Option<Result<(), ConsumerError>> = None;
        loop {
            if ending.is_none() {
                if let Some((count, last)) = errors.exceeded() {
                    ending = Some(Err(ConsumerError::TooManyErrors { count, last }));
                }
            }
            if ending.is_none() {
                while let Some((key, message)) = lanes.start() {
                    running.push(self.process_owned(key, message, shutdown));
                }
            }
            if let Some(end) = ending.take_if(|_| running.is_empty()) {
                return end;
            }
            let reading = ending.is_none() && lanes.held() < held_max && !committer.full();
            tokio::select! {
                biased;
                () = shutdown.cancelled(), if ending.is_none() => ending = Some(Ok(())),
                Some((key, message, outcome, transient)) = running.next() => {
                    lanes.finished(&key);
                    summary.retried += u64::from(transient);
                    match self.settle(&message, outcome, &mut errors, summary).await {
                        Ok(Settled::Done) => {
                            let (topic, partition) = (message.topic(), message.partition());
                            if let Some(offset) = offsets.settled(topic, partition, message.offset()) {
                                let stored = self.consumer.store_offset(topic, partition, offset);
                                self.stored(stored, topic, partition, offset, committer);
                            }
                        }
                        // Left uncommitted: a receiver stopped the consumer, or it shuts down
                        // while the registry is unreachable.
                        Ok(Settled::Stop | Settled::Again) => {
                            ending.get_or_insert(Ok(()));
                        }
                        Err(error) => {
                            ending.get_or_insert(Err(error));
                        }
                    }
                }
                // Sends the offsets stored while the previous request was in flight or within the gap.
                () = committer.answered(), if committer.pending() => {}
                received = tokio::time::timeout(self.settings.common().poll_timeout, self.consumer.recv()), if reading => {
                    self.check_replay()?;
                    match received {
                        Err(_) => {}
                        Ok(Err(error)) => {
                            if let Err(fatal) = self.poll_failed(error, &mut errors) {
                                ending.get_or_insert(Err(fatal));
                            } else if self.pause(shutdown).await {
                                ending.get_or_insert(Ok(()));
                            }
                        }
                        Ok(Ok(message)) => {
                            self.consumer.context().connection_log().connected();
                            offsets.read(message.topic(), message.partition(), message.offset());
                            let key = (message.partition(), message.key().map(<[u8]>::to_vec));
                            lanes.push(key, message.detach());
                        }
                    }
                }
            }
        }
    }

    /// Process one message, again after the poll-failure sleep while the schema registry is
    /// unreachable (until shutdown): the message, the outcome and how many times it was retried.
    async fn process_owned(
        &self,
        key: LaneKey,
        message: OwnedMessage,
        shutdown: &CancellationToken,
    ) -> (LaneKey, OwnedMessage, Result<u32, Failure>, u32) {
        let mut transient = 0;
        loop {
            let outcome = self.process(&message).await;
            match outcome {
                Err(Failure::Transient(error)) => {
                    tracing::warn!(
                        %error,
                        topic = message.topic(),
                        partition = message.partition(),
                        offset = message.offset(),
                        "schema registry unavailable; processing the message again"
                    );
                    if sleep_unless_cancelled(shutdown, self.settings.common().poll_failure_sleep)
                        .await
                    {
                        return (key, message, Err(Failure::Transient(error)), transient);
                    }
                    transient += 1;
                }
                outcome => return (key, message, outcome, transient),
            }
        }
    }
}
