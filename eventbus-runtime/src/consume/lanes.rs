//! Ordered concurrency: which events may be processed now, when up to `max_in_flight` run at
//! once and the events of one key run one after the other, in the order they were read (the
//! "virtual partitions" of Karafka, the key ordering of Confluent's parallel consumer).
//!
//! An event whose key has no event waiting or running is *ready*; the others wait behind the
//! last event of their key. Ready events start in the order they became ready, while fewer than
//! `max_in_flight` run. When an event finishes, the next event of its key becomes ready.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// The events read and not finished, by key.
#[derive(Debug)]
pub(crate) struct Lanes<K, T> {
    max_in_flight: usize,
    running: usize,
    /// Events whose key is free, in the order they became ready.
    ready: VecDeque<(K, T)>,
    /// For each key with an event ready or running: the events behind it.
    waiting: HashMap<K, VecDeque<T>>,
    /// Events held (ready, running or waiting).
    held: usize,
}

impl<K: Hash + Eq + Clone, T> Lanes<K, T> {
    /// Lanes that run at most `max_in_flight` (at least 1) events at once.
    pub(crate) fn new(max_in_flight: usize) -> Self {
        Lanes {
            max_in_flight: max_in_flight.max(1),
            running: 0,
            ready: VecDeque::new(),
            waiting: HashMap::new(),
            held: 0,
        }
    }

    /// An event read: ready, or waiting behind the events of its key.
    pub(crate) fn push(&mut self, key: K, event: T) {
        self.held += 1;
        match self.waiting.get_mut(&key) {
            Some(queue) => queue.push_back(event),
            None => {
                self.waiting.insert(key.clone(), VecDeque::new());
                self.ready.push_back((key, event));
            }
        }
    }

    /// The next event to start now, if a slot is free and an event is ready; it counts as
    /// running until [`Lanes::finished`] with its key.
    pub(crate) fn start(&mut self) -> Option<(K, T)> {
        if self.running >= self.max_in_flight {
            return None;
        }
        let next = self.ready.pop_front()?;
        self.running += 1;
        Some(next)
    }

    /// The running event of `key` finished: the next event of the key becomes ready.
    pub(crate) fn finished(&mut self, key: &K) {
        self.running -= 1;
        self.held -= 1;
        match self.waiting.get_mut(key).and_then(VecDeque::pop_front) {
            Some(next) => self.ready.push_back((key.clone(), next)),
            None => {
                self.waiting.remove(key);
            }
        }
    }

    /// Drop the events held and not running (ready or waiting) whose key `matches`; how many.
    /// The running events of those keys stay running until [`Lanes::finished`].
    pub(crate) fn remove_if(&mut self, mut matches: impl FnMut(&K) -> bool) -> usize {
        let before = self.held;
        let mut freed = Vec::new();
        self.ready.retain(|(key, _)| {
            let drop = matches(key);
            if drop {
                freed.push(key.clone());
            }
            !drop
        });
        for key in freed {
            let behind = self.waiting.remove(&key).map_or(0, |queue| queue.len());
            self.held -= 1 + behind;
        }
        // The keys left that match are running: only what waits behind them goes.
        for (key, queue) in &mut self.waiting {
            if matches(key) {
                self.held -= queue.len();
                queue.clear();
            }
        }
        before - self.held
    }

    /// How many events are held: running, ready or waiting.
    pub(crate) fn held(&self) -> usize {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_all(lanes: &mut Lanes<&'static str, u32>) -> Vec<u32> {
        std::iter::from_fn(|| lanes.start().map(|(_, e)| e)).collect()
    }

    #[test]
    fn one_key_runs_in_order_one_at_a_time() {
        let mut lanes = Lanes::new(4);
        for i in 0..3 {
            lanes.push("a", i);
        }
        assert_eq!(start_all(&mut lanes), vec![0]);
        lanes.finished(&"a");
        assert_eq!(start_all(&mut lanes), vec![1]);
        lanes.finished(&"a");
        assert_eq!(start_all(&mut lanes), vec![2]);
        lanes.finished(&"a");
        assert_eq!((lanes.running, lanes.held()), (0, 0));
        assert!(lanes.waiting.is_empty());
    }

    #[test]
    fn different_keys_run_at_once_up_to_the_limit() {
        let mut lanes = Lanes::new(2);
        lanes.push("a", 1);
        lanes.push("b", 2);
        lanes.push("c", 3);
        lanes.push("a", 4);
        assert_eq!(start_all(&mut lanes), vec![1, 2]);
        assert_eq!((lanes.running, lanes.held()), (2, 4));
        lanes.finished(&"b");
        // `c` was ready before `a`'s second event.
        assert_eq!(start_all(&mut lanes), vec![3]);
        lanes.finished(&"a");
        assert_eq!(start_all(&mut lanes), vec![4]);
        lanes.finished(&"c");
        lanes.finished(&"a");
        assert_eq!((lanes.running, lanes.held()), (0, 0));
    }

    #[test]
    fn removing_keeps_the_running_events_and_drops_the_rest() {
        let mut lanes = Lanes::new(2);
        lanes.push(("p1", 1), 10);
        lanes.push(("p1", 1), 11);
        lanes.push(("p1", 2), 20);
        lanes.push(("p2", 1), 30);
        lanes.push(("p1", 3), 40);
        let started: Vec<u32> = std::iter::from_fn(|| lanes.start().map(|(_, e)| e)).collect();
        assert_eq!(started, vec![10, 20]);
        // p1: 10 and 20 run; 11 waits behind 10; 40 is ready.
        assert_eq!(lanes.remove_if(|key| key.0 == "p1"), 2);
        assert_eq!(lanes.held(), 3);
        lanes.finished(&("p1", 1));
        lanes.finished(&("p1", 2));
        // Only p2's event is left, and nothing of p1 starts again.
        let started: Vec<u32> = std::iter::from_fn(|| lanes.start().map(|(_, e)| e)).collect();
        assert_eq!(started, vec![30]);
        lanes.finished(&("p2", 1));
        assert_eq!((lanes.running, lanes.held()), (0, 0));
        assert!(lanes.waiting.is_empty());
    }

    #[test]
    fn a_limit_of_one_is_the_order_read() {
        let mut lanes = Lanes::new(1);
        let keys = ["a", "b", "a", "c", "b"];
        for (i, key) in keys.iter().enumerate() {
            lanes.push(*key, i as u32);
        }
        let mut order = Vec::new();
        while let Some((key, event)) = lanes.start() {
            order.push(event);
            lanes.finished(&key);
        }
        // Key order holds; across keys, ready order.
        assert_eq!(order, vec![0, 1, 3, 2, 4]);
    }
}
