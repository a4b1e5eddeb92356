//! Chaos in a consumer group: several `fault_consumer` processes of one group ([`Members`]), one
//! of them replaced every few seconds (SIGKILL or SIGTERM, then started again), while events are
//! produced; then what every process processed, and when, is read back ([`GroupRecord`]).
//!
//! Every loop is bounded in count and time; only the processes the test started are signalled.

use super::consumer::{ConsumerProcess, ConsumerTransport};
use super::error::HarnessError;
use super::ledger::SendLedger;
use super::processed::Processed;
use super::produce::{finish_producing, Resolved};
use super::spans::{overlaps, Overlap, Span};
use super::support::ScratchDir;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// A small deterministic generator (xorshift64*): the chaos of a run is replayed from its seed.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// A generator from `seed` (0 is replaced: xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Self {
        Dice(seed.max(1))
    }

    /// A seed from the clock, to print and replay.
    pub fn clock_seed() -> u64 {
        super::spans::now_us()
    }

    /// The next number.
    pub fn roll(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.roll() % (high - low + 1)
    }
}

/// How a member is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// SIGKILL, then start again.
    Kill,
    /// SIGTERM (a graceful stop: the member finishes its events, commits, leaves), then start
    /// again.
    Term,
}

impl Replacement {
    /// SIGKILL or SIGTERM, as `dice` rolls (even odds).
    pub fn either(dice: &mut Dice) -> Self {
        if dice.between(0, 1) == 0 {
            Replacement::Kill
        } else {
            Replacement::Term
        }
    }
}

/// The members of one group, each a process with its own folder.
#[derive(Debug)]
pub struct Members {
    members: Vec<(ConsumerProcess, ScratchDir)>,
}

/// What the chaos did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChaosDone {
    /// Members SIGKILLed.
    pub kills: usize,
    /// Members stopped with SIGTERM.
    pub terms: usize,
}

impl Members {
    /// Start `count` members of `group` on `topic`; member `i` gets the environment `env(i)`.
    pub fn start(
        program: &Path,
        transport: impl Fn(usize) -> ConsumerTransport,
        topic: &str,
        group: &str,
        count: usize,
        env: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Result<Self, HarnessError> {
        let mut members = Vec::with_capacity(count);
        for i in 0..count {
            let dir = ScratchDir::new(&format!("chaos-member-{i}"))?;
            let process = ConsumerProcess::start_with_env(
                program,
                dir.path(),
                &transport(i),
                topic,
                group,
                &env(i),
            )?;
            members.push((process, dir));
        }
        Ok(Members { members })
    }

    /// Member `i`.
    pub fn member(&mut self, i: usize) -> &mut ConsumerProcess {
        &mut self.members[i].0
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// For `duration`, every 1–3 s (`gap_ms`), replace a member of `among` picked by `dice` the
    /// way `how` picks (bounded: at most `duration / gap_ms.0` replacements). A SIGTERMed member
    /// has `grace` to stop before it is killed.
    pub async fn chaos(
        &mut self,
        among: std::ops::Range<usize>,
        duration: Duration,
        gap_ms: (u64, u64),
        grace: Duration,
        dice: &mut Dice,
        mut how: impl FnMut(&mut Dice) -> Replacement,
    ) -> Result<ChaosDone, HarnessError> {
        let mut done = ChaosDone::default();
        let end = Instant::now() + duration;
        let most = duration.as_millis() as u64 / gap_ms.0.max(1) + 1;
        for _ in 0..most {
            let gap = Duration::from_millis(dice.between(gap_ms.0, gap_ms.1));
            if Instant::now() + gap > end {
                break;
            }
            tokio::time::sleep(gap).await;
            let i = dice.between(among.start as u64, among.end as u64 - 1) as usize;
            let member = &mut self.members[i].0;
            match how(dice) {
                Replacement::Kill => {
                    member.kill()?;
                    done.kills += 1;
                }
                Replacement::Term => {
                    // Stopping blocks (up to `grace`): on a blocking thread.
                    tokio::task::block_in_place(|| member.stop(grace))?;
                    done.terms += 1;
                }
            }
            member.restart()?;
        }
        Ok(done)
    }

    /// Every event processed so far, by every member, all runs.
    pub fn processed(&self) -> Result<Vec<Processed>, HarnessError> {
        let mut all = Vec::new();
        for (member, _) in &self.members {
            all.extend(member.processed()?);
        }
        Ok(all)
    }

    /// Wait until every sequence number below `n` was processed by some member (polling every
    /// 200 ms, at most `timeout`): how long it took, or `None`.
    pub async fn wait_all(
        &self,
        n: u64,
        timeout: Duration,
    ) -> Result<Option<Duration>, HarnessError> {
        let start = Instant::now();
        let mut seen = BTreeSet::new();
        let checks = timeout.as_millis() / 200 + 1;
        for _ in 0..checks {
            for processed in self.processed()? {
                if processed.seq < n {
                    seen.insert(processed.seq);
                }
            }
            if seen.len() as u64 == n {
                return Ok(Some(start.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(None)
    }

    /// The end of a chaos run: every send of `producing` resolves `Ok` (within 120 s), every one
    /// of the `events` is processed by some member (waited for at most `wait`), then every member
    /// stops ([`Members::stop`]).
    pub async fn finish(
        self,
        producing: tokio::task::JoinHandle<SendLedger>,
        resolved: &Resolved,
        events: u64,
        wait: Duration,
        grace: Duration,
    ) -> ChaosEnd {
        let chaos_over = Instant::now();
        let ledger = finish_producing(producing, resolved, Duration::from_secs(120)).await;
        assert_eq!(ledger.ok(), events as usize, "{:?}", ledger.errors(5));
        let read_all = self.wait_all(events, wait).await.expect("processed files");
        let waited = chaos_over.elapsed();
        let record = self.stop(grace).expect("every member stops cleanly");
        ChaosEnd {
            record,
            read_all,
            waited,
        }
    }

    /// Stop every member (SIGTERM, `grace` each) and read back what they did; every member must
    /// exit with success.
    pub fn stop(mut self, grace: Duration) -> Result<GroupRecord, HarnessError> {
        let mut processed = Vec::new();
        let mut spans = Vec::new();
        for (member, _) in &mut self.members {
            if member.running() {
                member.stop(grace)?;
            }
            processed.extend(member.processed()?);
            spans.extend(member.spans()?);
        }
        Ok(GroupRecord { processed, spans })
    }
}

/// How a chaos run ended ([`Members::finish`]).
#[derive(Debug)]
pub struct ChaosEnd {
    /// What the members did.
    pub record: GroupRecord,
    /// How long after the chaos every event had been processed; `None`: not within the wait.
    pub read_all: Option<Duration>,
    /// How long the end waited for the events.
    pub waited: Duration,
}

impl ChaosEnd {
    /// When every event had been processed after the chaos, for a report line.
    pub fn read_all_text(&self) -> String {
        match self.read_all {
            Some(after) => format!("{after:?} after it"),
            None => format!("NOT within {:?}", self.waited),
        }
    }

    /// Panics unless nothing of the `events` was lost and at most `duplicate_bound` were
    /// processed again.
    pub fn assert_complete(&self, events: u64, duplicate_bound: usize) {
        let lost = self.record.lost(events);
        assert!(
            lost.is_empty(),
            "lost {} events: {:?}",
            lost.len(),
            &lost[..lost.len().min(20)]
        );
        let duplicates = self.record.duplicates();
        assert!(
            duplicates <= duplicate_bound,
            "{duplicates} duplicates (bound {duplicate_bound})"
        );
    }
}

/// What the members of a group processed, and when.
#[derive(Debug, Clone)]
pub struct GroupRecord {
    /// Every event processed, all members, all runs.
    pub processed: Vec<Processed>,
    /// When each event's receiver ran.
    pub spans: Vec<Span>,
}

impl GroupRecord {
    /// The sequence numbers below `n` never processed.
    pub fn lost(&self, n: u64) -> Vec<u64> {
        let seen: BTreeSet<u64> = self.processed.iter().map(|p| p.seq).collect();
        (0..n).filter(|seq| !seen.contains(seq)).collect()
    }

    /// Events processed more than once (each extra time counts).
    pub fn duplicates(&self) -> usize {
        let distinct: BTreeSet<u64> = self.processed.iter().map(|p| p.seq).collect();
        self.processed.len() - distinct.len()
    }

    /// Events of one key run by two processes at overlapping times.
    pub fn overlaps(&self) -> Vec<Overlap> {
        overlaps(&self.spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_replay_from_a_seed_and_stay_in_range() {
        let (mut a, mut b) = (Dice::new(42), Dice::new(42));
        let rolls: Vec<u64> = (0..100).map(|_| a.between(1000, 3000)).collect();
        assert_eq!(
            rolls,
            (0..100).map(|_| b.between(1000, 3000)).collect::<Vec<_>>()
        );
        assert!(rolls.iter().all(|r| (1000..=3000).contains(r)));
        assert!(rolls.iter().collect::<BTreeSet<_>>().len() > 50);
    }
}
