//! Counting: what was sent and how each send resolved ([`SendLedger`]), what a topic or stream
//! holds against that ([`DeliveryReport`]), and what a consumer processed against what was there
//! ([`RedeliveryReport`]). Each report prints its counts (`Display`) and asserts the exact rules
//! of one delivery guarantee; every event is identified by its sequence number and metadata id
//! (see [`super::events`]).

use super::processed::Processed;
use std::collections::BTreeSet;
use std::fmt;
use uuid::Uuid;

/// The events of a produce run, by sequence number (`0..n`): the metadata id each was sent with,
/// and how its send resolved.
#[derive(Debug, Clone)]
pub struct SendLedger {
    ids: Vec<Option<Uuid>>,
    outcomes: Vec<Option<Result<(), String>>>,
}

impl SendLedger {
    /// A ledger of `n` events, none sent yet.
    pub fn new(n: usize) -> Self {
        SendLedger {
            ids: vec![None; n],
            outcomes: vec![None; n],
        }
    }

    /// How many events it has room for.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether it has room for none.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// Record that event `seq`, sent with metadata id `id`, resolved with `outcome` (the error
    /// as text).
    pub fn record(&mut self, seq: u64, id: Uuid, outcome: Result<(), String>) {
        let i = usize::try_from(seq).expect("a sequence number is an index");
        self.ids[i] = Some(id);
        self.outcomes[i] = Some(outcome);
    }

    /// How many sends resolved `Ok`.
    pub fn ok(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, Some(Ok(()))))
            .count()
    }

    /// How many sends resolved with an error.
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, Some(Err(_))))
            .count()
    }

    /// The distinct error texts and how many sends got each (at most `limit` texts).
    pub fn errors(&self, limit: usize) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for error in self
            .outcomes
            .iter()
            .flatten()
            .filter_map(|o| o.as_ref().err())
        {
            if let Some((_, n)) = counts.iter_mut().find(|(text, _)| text == error) {
                *n += 1;
            } else if counts.len() < limit {
                counts.push((error.clone(), 1));
            }
        }
        counts
    }

    /// The metadata id event `seq` was sent with.
    pub fn id(&self, seq: u64) -> Option<Uuid> {
        usize::try_from(seq)
            .ok()
            .and_then(|i| self.ids.get(i).copied().flatten())
    }
}

/// Copies of each sequence number in `items` (index = seq; items outside `0..n` are returned
/// apart), and the items whose id differs from the one sent.
fn tally(ledger: &SendLedger, items: &[Processed]) -> (Vec<usize>, Vec<Processed>) {
    let mut copies = vec![0usize; ledger.len()];
    let mut unknown = Vec::new();
    for item in items {
        match usize::try_from(item.seq).ok().filter(|&i| i < copies.len()) {
            Some(i) if ledger.id(item.seq) == Some(item.id) => copies[i] += 1,
            _ => unknown.push(*item),
        }
    }
    (copies, unknown)
}

/// What a topic or stream holds, checked against the sends of a produce run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Events of the run.
    pub sent: usize,
    /// Sends that resolved `Ok`.
    pub ok: usize,
    /// Sends that resolved with an error.
    pub failed: usize,
    /// Sends that never resolved.
    pub unresolved: Vec<u64>,
    /// Messages read (all copies).
    pub read: usize,
    /// Distinct events delivered.
    pub delivered: usize,
    /// `Ok` events not delivered.
    pub ok_lost: Vec<u64>,
    /// `Ok` events delivered more than once.
    pub ok_duplicated: Vec<u64>,
    /// Failed events delivered anyway (an error can be ambiguous: the broker may have written
    /// the event and the acknowledgement been lost).
    pub failed_delivered: usize,
    /// Failed events delivered more than once.
    pub failed_duplicated: Vec<u64>,
    /// Failed events not delivered (returned to the caller, not on the bus).
    pub failed_not_delivered: usize,
    /// Messages that are no event of the run (unknown sequence number, or another metadata id).
    pub unknown: Vec<Processed>,
}

impl DeliveryReport {
    /// Check what was read (`delivered`, in any order, all copies) against `ledger`.
    pub fn new(ledger: &SendLedger, delivered: &[Processed]) -> Self {
        let (copies, unknown) = tally(ledger, delivered);
        let mut report = DeliveryReport {
            sent: ledger.len(),
            ok: ledger.ok(),
            failed: ledger.failed(),
            read: delivered.len(),
            unknown,
            ..DeliveryReport::default()
        };
        for (seq, (&n, outcome)) in (0u64..).zip(copies.iter().zip(&ledger.outcomes)) {
            report.delivered += usize::from(n > 0);
            match outcome {
                None => report.unresolved.push(seq),
                Some(Ok(())) if n == 0 => report.ok_lost.push(seq),
                Some(Ok(())) if n > 1 => report.ok_duplicated.push(seq),
                Some(Ok(())) => {}
                Some(Err(_)) if n == 0 => report.failed_not_delivered += 1,
                Some(Err(_)) => {
                    report.failed_delivered += 1;
                    if n > 1 {
                        report.failed_duplicated.push(seq);
                    }
                }
            }
        }
        report
    }

    /// The rules of `immediate` producing: every send resolved; every `Ok` event delivered
    /// exactly once; every failed one at most once; nothing delivered that was not sent; so
    /// delivered + failed-and-not-delivered == sent (none silently lost). `Err` names the broken
    /// rules and gives the counts.
    pub fn check_immediate(&self) -> Result<(), String> {
        verdict(
            &[
                (self.unresolved.is_empty(), "every send resolved"),
                (self.ok_lost.is_empty(), "no acknowledged event lost"),
                (self.ok_duplicated.is_empty(), "no acknowledged event twice"),
                (self.failed_duplicated.is_empty(), "no failed event twice"),
                (self.unknown.is_empty(), "nothing unknown"),
                (self.read == self.delivered, "no copies"),
                (
                    self.delivered + self.failed_not_delivered == self.sent,
                    "delivered + failed not delivered == sent",
                ),
            ],
            self,
        )
    }

    /// Panics unless [`DeliveryReport::check_immediate`] passes.
    pub fn assert_immediate(&self) {
        if let Err(broken) = self.check_immediate() {
            panic!("{broken}");
        }
    }

    /// The rule of a guaranteed producer (the outbox): every event delivered exactly once.
    pub fn check_all_delivered_once(&self) -> Result<(), String> {
        verdict(
            &[
                (self.unknown.is_empty(), "nothing unknown"),
                (self.delivered == self.sent, "every event delivered"),
                (self.read == self.sent, "no copies"),
            ],
            self,
        )
    }

    /// Panics unless [`DeliveryReport::check_all_delivered_once`] passes.
    pub fn assert_all_delivered_once(&self) {
        if let Err(broken) = self.check_all_delivered_once() {
            panic!("{broken}");
        }
    }
}

/// `Ok` if every rule holds, else the names of the broken ones and the report.
fn verdict(rules: &[(bool, &str)], report: &dyn fmt::Display) -> Result<(), String> {
    let broken: Vec<&str> = rules
        .iter()
        .filter(|(holds, _)| !holds)
        .map(|(_, name)| *name)
        .collect();
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!("broken: {}; {report}", broken.join(", ")))
    }
}

impl fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {}: ok {}, failed {}, unresolved {}; read {} messages, {} distinct events; \
             ok lost {}, ok duplicated {}, failed delivered {}, failed duplicated {}, failed not \
             delivered {}, unknown {}",
            self.sent,
            self.ok,
            self.failed,
            self.unresolved.len(),
            self.read,
            self.delivered,
            self.ok_lost.len(),
            self.ok_duplicated.len(),
            self.failed_delivered,
            self.failed_duplicated.len(),
            self.failed_not_delivered,
            self.unknown.len(),
        )?;
        let first = |v: &[u64]| v.iter().take(10).map(u64::to_string).collect::<Vec<_>>();
        for (name, list) in [
            ("unresolved", &self.unresolved),
            ("ok lost", &self.ok_lost),
            ("ok duplicated", &self.ok_duplicated),
            ("failed duplicated", &self.failed_duplicated),
        ] {
            if !list.is_empty() {
                write!(f, "; first {name}: {}", first(list).join(","))?;
            }
        }
        if !self.unknown.is_empty() {
            write!(
                f,
                "; first unknown: {:?}",
                &self.unknown[..self.unknown.len().min(5)]
            )?;
        }
        Ok(())
    }
}

/// What a consumer processed (all its runs) against the events that were there, with the events
/// each killed run left processed but not committed or acknowledged (`in_flight[k]` for the
/// `k`-th kill): at least once means every event processed, and an event processed again only
/// because a kill left it in flight, once per such kill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedeliveryReport {
    /// Events that were there.
    pub events: usize,
    /// Events processed (all copies).
    pub processed: usize,
    /// Distinct events processed.
    pub distinct: usize,
    /// Events never processed.
    pub lost: Vec<u64>,
    /// Extra copies (processed − distinct).
    pub duplicates: usize,
    /// Events in flight at each kill.
    pub in_flight: Vec<usize>,
    /// Events whose number of copies is not 1 + the number of kills that left them in flight:
    /// (seq, copies, expected).
    pub unexplained: Vec<(u64, usize, usize)>,
    /// The subset of `unexplained` with more copies than that: (seq, copies, bound).
    pub over_bound: Vec<(u64, usize, usize)>,
    /// Processed items that are no event of the run.
    pub unknown: Vec<Processed>,
}

impl RedeliveryReport {
    /// Check `processed` (all runs, all copies) against the `ledger` of the events that were
    /// there, given the events in flight at each kill.
    pub fn new(ledger: &SendLedger, processed: &[Processed], in_flight: &[BTreeSet<u64>]) -> Self {
        let (copies, unknown) = tally(ledger, processed);
        let mut report = RedeliveryReport {
            events: ledger.len(),
            processed: processed.len(),
            in_flight: in_flight.iter().map(BTreeSet::len).collect(),
            unknown,
            ..RedeliveryReport::default()
        };
        for (seq, &n) in (0u64..).zip(&copies) {
            if n == 0 {
                report.lost.push(seq);
                continue;
            }
            report.distinct += 1;
            report.duplicates += n - 1;
            let expected = 1 + in_flight.iter().filter(|set| set.contains(&seq)).count();
            if n != expected {
                report.unexplained.push((seq, n, expected));
            }
            if n > expected {
                report.over_bound.push((seq, n, expected));
            }
        }
        report
    }

    /// 0 lost, nothing unknown, and every duplicate explained by a kill that left that event in
    /// flight (so duplicates == the sum of the in-flight counts).
    pub fn check_exact(&self) -> Result<(), String> {
        verdict(
            &[
                (self.lost.is_empty(), "nothing lost"),
                (self.unknown.is_empty(), "nothing unknown"),
                (self.distinct == self.events, "every event processed"),
                (
                    self.unexplained.is_empty(),
                    "copies == 1 + kills that left the event in flight",
                ),
                (
                    self.duplicates == self.in_flight.iter().sum::<usize>(),
                    "duplicates == sum of the in-flight counts",
                ),
            ],
            self,
        )
    }

    /// Panics unless [`RedeliveryReport::check_exact`] passes.
    pub fn assert_exact(&self) {
        if let Err(broken) = self.check_exact() {
            panic!("{broken}");
        }
    }

    /// 0 lost, nothing unknown, and no event processed more often than 1 + the number of kills
    /// that left it in flight: for a process that may or may not have delivered what was in flight
    /// when it died (a relay killed mid-batch: `in_flight` is the unacknowledged batch).
    pub fn check_bounded(&self) -> Result<(), String> {
        verdict(
            &[
                (self.lost.is_empty(), "nothing lost"),
                (self.unknown.is_empty(), "nothing unknown"),
                (self.distinct == self.events, "every event processed"),
                (
                    self.over_bound.is_empty(),
                    "copies <= 1 + kills that left the event in flight",
                ),
            ],
            self,
        )
    }

    /// Panics unless [`RedeliveryReport::check_bounded`] passes.
    pub fn assert_bounded(&self) {
        if let Err(broken) = self.check_bounded() {
            panic!("{broken}");
        }
    }
}

impl fmt::Display for RedeliveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "events {}: processed {} ({} distinct), lost {}, duplicates {} (in flight at the \
             kills: {:?}), unexplained {}, unknown {}",
            self.events,
            self.processed,
            self.distinct,
            self.lost.len(),
            self.duplicates,
            self.in_flight,
            self.unexplained.len(),
            self.unknown.len()
        )?;
        if !self.lost.is_empty() {
            write!(
                f,
                "; first lost: {:?}",
                &self.lost[..self.lost.len().min(10)]
            )?;
        }
        if !self.unexplained.is_empty() {
            write!(
                f,
                "; first unexplained (seq, copies, expected): {:?}",
                &self.unexplained[..self.unexplained.len().min(10)]
            )?;
        }
        if !self.over_bound.is_empty() {
            write!(
                f,
                "; first over the bound (seq, copies, bound): {:?}",
                &self.over_bound[..self.over_bound.len().min(10)]
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(outcomes: &[bool]) -> SendLedger {
        let mut ledger = SendLedger::new(outcomes.len());
        for (seq, ok) in (0u64..).zip(outcomes) {
            let outcome = if *ok { Ok(()) } else { Err("down".into()) };
            ledger.record(seq, Uuid::from_u128(u128::from(seq) + 1), outcome);
        }
        ledger
    }

    fn item(seq: u64) -> Processed {
        Processed {
            seq,
            id: Uuid::from_u128(u128::from(seq) + 1),
        }
    }

    #[test]
    fn delivery_report_classifies_every_event() {
        // 0, 1: ok; 2, 3, 4: failed. 0 delivered, 1 lost; 2 delivered anyway, 3 twice, 4 not.
        let ledger = ledger(&[true, true, false, false, false]);
        let foreign = Processed {
            seq: 0,
            id: Uuid::from_u128(99),
        };
        let report = DeliveryReport::new(
            &ledger,
            &[item(0), item(2), item(3), item(3), item(7), foreign],
        );
        assert_eq!((report.sent, report.ok, report.failed), (5, 2, 3));
        assert_eq!(report.read, 6);
        assert_eq!(report.delivered, 3);
        assert_eq!(report.ok_lost, vec![1]);
        assert!(report.ok_duplicated.is_empty());
        assert_eq!(report.failed_delivered, 2);
        assert_eq!(report.failed_duplicated, vec![3]);
        assert_eq!(report.failed_not_delivered, 1);
        assert_eq!(report.unknown, vec![item(7), foreign]);
        assert_eq!(ledger.errors(5), vec![("down".to_owned(), 3)]);
    }

    #[test]
    fn immediate_rules_accept_an_ambiguous_failure_and_refuse_a_lost_ok() {
        let ledger = ledger(&[true, false, false]);
        // The failed event 1 was written anyway: allowed, counted.
        let report = DeliveryReport::new(&ledger, &[item(0), item(1)]);
        report.assert_immediate();
        assert_eq!(report.delivered + report.failed_not_delivered, 3);
        let lost = DeliveryReport::new(&ledger, &[item(1)]);
        let broken = lost.check_immediate().unwrap_err();
        assert!(
            broken.starts_with(
                "broken: no acknowledged event lost, delivered + failed not delivered == sent;"
            ),
            "{broken}"
        );
        let unresolved = DeliveryReport::new(&SendLedger::new(1), &[]);
        assert_eq!(unresolved.unresolved, vec![0]);
        assert!(unresolved.check_immediate().is_err());
    }

    #[test]
    fn redelivery_report_explains_each_copy_by_a_kill() {
        let ledger = ledger(&[true; 4]);
        // 1 was in flight at the first kill and processed again; 2 at both kills.
        let in_flight = [BTreeSet::from([1, 2]), BTreeSet::from([2])];
        let processed = [0, 1, 2, 1, 2, 2, 3].map(item);
        let report = RedeliveryReport::new(&ledger, &processed, &in_flight);
        assert_eq!(report.duplicates, 3);
        assert_eq!(report.in_flight, vec![2, 1]);
        assert!(report.unexplained.is_empty(), "{report}");
        report.assert_exact();
        // A copy no kill explains, and a lost event.
        let processed = [0, 0, 1, 1, 2, 2, 2].map(item);
        let report = RedeliveryReport::new(&ledger, &processed, &in_flight);
        assert_eq!(report.lost, vec![3]);
        assert_eq!(report.unexplained, vec![(0, 2, 1)]);
        assert_eq!(report.over_bound, vec![(0, 2, 1)]);
        assert!(report.check_exact().is_err());
        assert!(report.check_bounded().is_err());
        // In flight but delivered only once (the relay died before sending it): within the bound,
        // not exact.
        let processed = [0, 1, 2, 2, 3].map(item);
        let report = RedeliveryReport::new(&ledger, &processed, &in_flight);
        assert_eq!(report.unexplained, vec![(1, 1, 2), (2, 2, 3)]);
        assert!(report.over_bound.is_empty());
        report.assert_bounded();
        assert!(report.check_exact().is_err());
    }
}
