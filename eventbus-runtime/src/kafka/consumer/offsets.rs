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

/// The open offsets of each partition of the consumer's topic.
#[derive(Debug, Default)]
pub(super) struct OpenOffsets {
    partitions: HashMap<i32, Partition>,
}

impl OpenOffsets {
    /// A message was read.
    pub(super) fn read(&mut self, partition: i32, offset: i64) {
        let p = self
            .partitions
            .entry(partition)
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
    pub(super) fn settled(&mut self, partition: i32, offset: i64) -> Option<i64> {
        let p = self.partitions.get_mut(&partition)?;
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

    /// The partition was revoked: forget it (if it comes back, it starts where it is read from).
    pub(super) fn forget(&mut self, partition: i32) {
        self.partitions.remove(&partition);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_settled_prefix_is_stored() {
        let mut offsets = OpenOffsets::default();
        for o in 10..15 {
            offsets.read(0, o);
        }
        assert_eq!(offsets.settled(0, 12), None);
        assert_eq!(offsets.settled(0, 11), None);
        assert_eq!(offsets.settled(0, 10), Some(12));
        assert_eq!(offsets.settled(0, 14), None);
        assert_eq!(offsets.settled(0, 13), Some(14));
    }

    #[test]
    fn partitions_are_apart() {
        let mut offsets = OpenOffsets::default();
        offsets.read(0, 5);
        offsets.read(1, 7);
        offsets.read(0, 6);
        assert_eq!(offsets.settled(1, 7), Some(7));
        assert_eq!(offsets.settled(0, 6), None);
        assert_eq!(offsets.settled(0, 5), Some(6));
        assert_eq!(offsets.settled(2, 5), None);
    }

    #[test]
    fn a_forgotten_partition_starts_again_where_it_is_read() {
        let mut offsets = OpenOffsets::default();
        offsets.read(0, 10);
        offsets.read(0, 11);
        offsets.forget(0);
        assert_eq!(
            offsets.settled(0, 10),
            None,
            "a late completion stores nothing"
        );
        offsets.read(0, 7);
        assert_eq!(offsets.settled(0, 7), Some(7));
    }

    #[test]
    fn a_message_read_after_the_others_settled_extends_the_prefix() {
        let mut offsets = OpenOffsets::default();
        offsets.read(0, 0);
        assert_eq!(offsets.settled(0, 0), Some(0));
        offsets.read(0, 1);
        offsets.read(0, 2);
        assert_eq!(offsets.settled(0, 2), None);
        assert_eq!(offsets.settled(0, 1), Some(2));
    }
}
