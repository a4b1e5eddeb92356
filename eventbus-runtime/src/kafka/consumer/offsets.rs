//! The offsets a consumer that processes events concurrently may commit: in each partition, only
//! an offset below which every message read was processed (settled: processed or dead-lettered).
//! A message finished out of order waits for those before it, so a crash redelivers every message
//! not known to be processed, and some that were.

use std::collections::{BTreeSet, HashMap};

#[derive(Debug)]
struct Partition {
    /// Offsets read and not settled.
    open: BTreeSet<i64>,
    /// The highest offset read.
    highest: Option<i64>,
    /// Every offset read up to this one is settled (at first, the one before the first read).
    settled_to: i64,
}

/// The open offsets of each partition.
#[derive(Debug, Default)]
pub(super) struct OpenOffsets {
    partitions: HashMap<(String, i32), Partition>,
}

impl OpenOffsets {
    /// A message was read.
    pub(super) fn read(&mut self, topic: &str, partition: i32, offset: i64) {
        let p = self
            .partitions
            .entry((topic.to_owned(), partition))
            .or_insert_with(|| Partition {
                open: BTreeSet::new(),
                highest: None,
                settled_to: offset - 1,
            });
        p.open.insert(offset);
        p.highest = p.highest.max(Some(offset));
    }

    /// A message was settled: the offset to store if the partition's settled prefix grew (every
    /// offset up to it is settled), else `None`.
    pub(super) fn settled(&mut self, topic: &str, partition: i32, offset: i64) -> Option<i64> {
        let p = self.partitions.get_mut(&(topic.to_owned(), partition))?;
        p.open.remove(&offset);
        let settled_up_to = match p.open.first() {
            Some(first_open) => first_open - 1,
            None => p.highest?,
        };
        if settled_up_to <= p.settled_to {
            return None;
        }
        p.settled_to = settled_up_to;
        Some(settled_up_to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_settled_prefix_is_stored() {
        let mut offsets = OpenOffsets::default();
        for o in 10..15 {
            offsets.read("t", 0, o);
        }
        assert_eq!(offsets.settled("t", 0, 12), None);
        assert_eq!(offsets.settled("t", 0, 11), None);
        assert_eq!(offsets.settled("t", 0, 10), Some(12));
        assert_eq!(offsets.settled("t", 0, 14), None);
        assert_eq!(offsets.settled("t", 0, 13), Some(14));
    }

    #[test]
    fn partitions_are_apart() {
        let mut offsets = OpenOffsets::default();
        offsets.read("t", 0, 5);
        offsets.read("t", 1, 7);
        offsets.read("t", 0, 6);
        assert_eq!(offsets.settled("t", 1, 7), Some(7));
        assert_eq!(offsets.settled("t", 0, 6), None);
        assert_eq!(offsets.settled("t", 0, 5), Some(6));
        assert_eq!(offsets.settled("u", 0, 5), None);
    }

    #[test]
    fn a_message_read_after_the_others_settled_extends_the_prefix() {
        let mut offsets = OpenOffsets::default();
        offsets.read("t", 0, 0);
        assert_eq!(offsets.settled("t", 0, 0), Some(0));
        offsets.read("t", 0, 1);
        offsets.read("t", 0, 2);
        assert_eq!(offsets.settled("t", 0, 2), None);
        assert_eq!(offsets.settled("t", 0, 1), Some(2));
    }
}
