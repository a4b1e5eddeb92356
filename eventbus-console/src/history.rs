//! The last hour of the overview's samples, in bounded memory: each topic's end offset (the sum
//! over its partitions), from which its rate is derived, and each consumer group's total lag.
//! Samples older than [`WINDOW_MS`] before the newest are dropped, each series keeps at most
//! [`MAX_POINTS`], and at most [`MAX_SERIES`] series of each kind are kept (those sampled most
//! recently).

use std::collections::{BTreeMap, VecDeque};

/// How far back the history goes: one hour, in milliseconds.
pub(crate) const WINDOW_MS: i64 = 3_600_000;
/// At most this many samples per series (one hour at one sample every 15 s).
pub(crate) const MAX_POINTS: usize = 240;
/// At most this many series of topics, and as many of groups.
pub(crate) const MAX_SERIES: usize = 200;

/// One series: (time in ms since the epoch, value), oldest first, times increasing.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Series {
    points: VecDeque<(i64, i64)>,
}

impl Series {
    /// Add a sample taken at `at_ms`; one not after the newest is ignored (a clock step back).
    /// Samples older than an hour before it, and those beyond [`MAX_POINTS`], are dropped.
    pub(crate) fn push(&mut self, at_ms: i64, value: i64) {
        if self.newest().is_some_and(|newest| at_ms <= newest) {
            return;
        }
        self.points.push_back((at_ms, value));
        self.prune(at_ms);
    }

    /// Drop the samples taken before `now_ms - WINDOW_MS`, and the oldest beyond
    /// [`MAX_POINTS`].
    pub(crate) fn prune(&mut self, now_ms: i64) {
        let oldest_kept = now_ms.saturating_sub(WINDOW_MS);
        while self.points.front().is_some_and(|(at, _)| *at < oldest_kept) {
            self.points.pop_front();
        }
        while self.points.len() > MAX_POINTS {
            self.points.pop_front();
        }
    }

    /// When the newest sample was taken.
    pub(crate) fn newest(&self) -> Option<i64> {
        self.points.back().map(|(at, _)| *at)
    }

    /// The samples, as (time, value).
    pub(crate) fn values(&self) -> Vec<(i64, f64)> {
        self.points.iter().map(|&(at, v)| (at, v as f64)).collect()
    }

    /// The rate between each two samples (per second, at the later one's time): the increase of
    /// the value over the time between them; a decrease (a topic deleted and made again) counts
    /// as no increase.
    pub(crate) fn rates(&self) -> Vec<(i64, f64)> {
        self.points
            .iter()
            .zip(self.points.iter().skip(1))
            .map(|(&(t0, v0), &(t1, v1))| {
                let seconds = (t1 - t0) as f64 / 1000.0;
                (t1, v1.saturating_sub(v0).max(0) as f64 / seconds)
            })
            .collect()
    }
}

/// The series of the topics (end offsets) and of the groups (total lags), by name.
#[derive(Debug, Default)]
pub(crate) struct History {
    topics: BTreeMap<String, Series>,
    groups: BTreeMap<String, Series>,
}

impl History {
    /// Record one sampling taken at `at_ms`: each topic's end offset and each group's total lag.
    /// Series not sampled within the hour are dropped.
    pub(crate) fn record(
        &mut self,
        at_ms: i64,
        topics: &[(String, i64)],
        groups: &[(String, i64)],
    ) {
        add(&mut self.topics, at_ms, topics);
        add(&mut self.groups, at_ms, groups);
    }

    /// The topic's rate (messages per second) over the last hour.
    pub(crate) fn topic_rates(&self, topic: &str) -> Vec<(i64, f64)> {
        self.topics
            .get(topic)
            .map(Series::rates)
            .unwrap_or_default()
    }

    /// The group's total lag over the last hour.
    pub(crate) fn group_lags(&self, group: &str) -> Vec<(i64, f64)> {
        self.groups
            .get(group)
            .map(Series::values)
            .unwrap_or_default()
    }
}

/// Add the samples to `series`, drop those of series not sampled within the hour, then the
/// least recently sampled beyond [`MAX_SERIES`].
fn add(series: &mut BTreeMap<String, Series>, at_ms: i64, samples: &[(String, i64)]) {
    for (name, value) in samples {
        series.entry(name.clone()).or_default().push(at_ms, *value);
    }
    for one in series.values_mut() {
        one.prune(at_ms);
    }
    series.retain(|_, one| one.newest().is_some());
    while series.len() > MAX_SERIES {
        let stalest = series
            .iter()
            .min_by_key(|(_, one)| one.newest())
            .map(|(name, _)| name.clone());
        match stalest {
            Some(name) => series.remove(&name),
            None => break,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_end_offset_increases_per_second() {
        let mut series = Series::default();
        series.push(0, 100);
        series.push(30_000, 160);
        series.push(60_000, 160);
        series.push(70_000, 210);
        assert_eq!(
            series.rates(),
            [(30_000, 2.0), (60_000, 0.0), (70_000, 5.0)]
        );
        assert_eq!(Series::default().rates(), []);
    }

    #[test]
    fn a_decrease_is_no_increase_and_a_clock_step_back_is_ignored() {
        let mut series = Series::default();
        series.push(1_000, 50);
        series.push(2_000, 10);
        series.push(2_000, 99);
        series.push(1_500, 99);
        assert_eq!(series.values(), [(1_000, 50.0), (2_000, 10.0)]);
        assert_eq!(series.rates(), [(2_000, 0.0)]);
    }

    #[test]
    fn samples_older_than_an_hour_are_dropped() {
        let mut series = Series::default();
        for minute in 0..=90 {
            series.push(minute * 60_000, minute);
        }
        let values = series.values();
        assert_eq!(values.first(), Some(&(30 * 60_000, 30.0)));
        assert_eq!(values.last(), Some(&(90 * 60_000, 90.0)));
        assert_eq!(values.len(), 61);
    }

    #[test]
    fn a_series_keeps_at_most_max_points() {
        let mut series = Series::default();
        for second in 0..1_000 {
            series.push(second * 1_000, second);
        }
        let values = series.values();
        assert_eq!(values.len(), MAX_POINTS);
        assert_eq!(values.last(), Some(&(999_000, 999.0)));
    }

    #[test]
    fn series_not_sampled_within_the_hour_are_dropped_and_their_number_is_bounded() {
        let mut history = History::default();
        history.record(0, &[("gone".into(), 1)], &[("old-group".into(), 5)]);
        history.record(1_000, &[("kept".into(), 1)], &[]);
        assert_eq!(history.group_lags("old-group"), [(0, 5.0)]);
        history.record(WINDOW_MS + 1_000, &[("kept".into(), 3601)], &[]);
        assert!(history.topic_rates("gone").is_empty());
        assert!(history.group_lags("old-group").is_empty());
        assert_eq!(history.topic_rates("kept"), [(WINDOW_MS + 1_000, 1.0)]);

        let many: Vec<(String, i64)> = (0..MAX_SERIES + 10).map(|i| (format!("t{i}"), 0)).collect();
        history.record(WINDOW_MS + 2_000, &many, &[]);
        assert_eq!(history.topics.len(), MAX_SERIES);
    }
}
