//! A 4-bit count-min sketch with periodic aging (TinyLFU's frequency
//! histogram), laid out like Caffeine's: the four counters of a key live in
//! one 64-byte block of sixteen 32-bit words, eight counters per word, so an
//! increment touches one cache line. The JS twin uses the same layout in a
//! Uint32Array.

/// Increments queued before being applied together.
const QUEUE: usize = 64;

/// The frequency histogram of one shard.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sketch {
    table: Vec<u32>,
    block_mask: u32,
    sample_size: u64,
    size: u64,
    // Increments from hits are queued and applied QUEUE at a time: the same
    // increments in the same order (so the same counts, agings and
    // decisions), but applied back to back their cache misses overlap
    // instead of stalling each hit. Every read, resize or reset of the
    // table, and every immediate increment, applies the queue first.
    queued: Vec<u32>,
}

/// Counts of at least this are "hot"; see the admission policy.
pub(crate) const ADMIT_HASHDOS_THRESHOLD: u32 = 6;

fn spread(mut x: u32) -> u32 {
    x ^= x >> 17;
    x = x.wrapping_mul(0xed5a_d4bb);
    x ^= x >> 11;
    x = x.wrapping_mul(0xac4c_1b51);
    x ^= x >> 15;
    x
}

fn rehash(mut x: u32) -> u32 {
    x = x.wrapping_mul(0x3184_8bab);
    x ^= x >> 14;
    x
}

impl Sketch {
    /// Requests per hill-climbing sample and per aging period (0 before initialisation).
    pub(crate) fn sample_size(&self) -> u64 {
        self.sample_size
    }

    /// Grows the table for `capacity` entries; a growth discards the history.
    pub(crate) fn ensure_capacity(&mut self, capacity: u64) {
        self.flush();
        let capacity = capacity.clamp(1, 1 << 30);
        let words = (capacity.next_power_of_two() * 2).max(16) as usize;
        if words <= self.table.len() {
            return;
        }
        self.table = vec![0; words];
        self.block_mask = ((words >> 4) - 1) as u32;
        self.sample_size = 10 * capacity;
        self.size = 0;
    }

    /// Frees the table: the next `ensure_capacity` starts over.
    pub(crate) fn release(&mut self) {
        *self = Self::default();
    }

    /// The four (word, shift) positions of a key's counters.
    fn positions(&self, hash: u32) -> [(usize, u32); 4] {
        let block_hash = spread(hash);
        let counter_hash = rehash(block_hash);
        let block = ((block_hash & self.block_mask) << 4) as usize;
        let mut out = [(0usize, 0u32); 4];
        for (i, slot) in out.iter_mut().enumerate() {
            let h = counter_hash >> (i << 3);
            let index = (h >> 2) & 7;
            let offset = (h & 3) as usize;
            *slot = (block + (i << 2) + offset, index << 2);
        }
        out
    }

    /// Records one access later (at the latest before the table is next read).
    pub(crate) fn increment_later(&mut self, hash: u32) {
        if self.table.is_empty() {
            return;
        }
        self.queued.push(hash);
        if self.queued.len() == QUEUE {
            self.flush();
        }
    }

    /// Applies the queued increments, in order.
    fn flush(&mut self) {
        let mut queued = std::mem::take(&mut self.queued);
        for &hash in &queued {
            self.apply(hash);
        }
        queued.clear();
        self.queued = queued;
    }

    /// The estimated frequency of a key, 0..=15.
    pub(crate) fn frequency(&mut self, hash: u32) -> u32 {
        self.flush();
        if self.table.is_empty() {
            return 0;
        }
        self.positions(hash)
            .iter()
            .map(|&(word, shift)| (self.table[word] >> shift) & 15)
            .min()
            .unwrap_or(0)
    }

    /// Records one access now (after any queued ones).
    pub(crate) fn increment(&mut self, hash: u32) {
        self.flush();
        self.apply(hash);
    }

    /// Adds one to a key's counters; ages the whole table every `sample_size` increments.
    fn apply(&mut self, hash: u32) {
        if self.table.is_empty() {
            return;
        }
        let mut added = false;
        for (word, shift) in self.positions(hash) {
            if (self.table[word] >> shift) & 15 != 15 {
                self.table[word] += 1 << shift;
                added = true;
            }
        }
        if added {
            self.size += 1;
            if self.size == self.sample_size {
                self.reset();
            }
        }
    }

    /// Halves every counter; `size` shrinks accordingly (Caffeine's reset).
    fn reset(&mut self) {
        let mut odd = 0u64;
        for word in &mut self.table {
            odd += u64::from((*word & 0x1111_1111).count_ones());
            *word = (*word >> 1) & 0x7777_7777;
        }
        self.size = (self.size - (odd >> 2)) >> 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_saturate_at_fifteen_and_never_underestimate() {
        let mut s = Sketch::default();
        assert_eq!(s.frequency(7), 0);
        s.ensure_capacity(1000);
        for i in 1..=20u32 {
            s.increment(12345);
            assert_eq!(s.frequency(12345), i.min(15));
        }
        assert!(s.frequency(999) <= 15);
    }

    #[test]
    fn aging_halves_the_counts_after_a_sample() {
        let mut s = Sketch::default();
        s.ensure_capacity(16);
        for _ in 0..8 {
            s.increment(42);
        }
        let before = s.frequency(42);
        let mut h = 1u32;
        while s.size != 0 && s.size < s.sample_size - 1 {
            h = h.wrapping_mul(0x9e37_79b9).wrapping_add(1);
            s.increment(h);
        }
        s.increment(0xdead_beef);
        s.increment(0xfeed_f00d);
        assert!(
            s.frequency(42) <= before / 2 + 1,
            "aged: {}",
            s.frequency(42)
        );
    }

    #[test]
    fn growing_discards_history_and_shrinking_is_ignored() {
        let mut s = Sketch::default();
        s.ensure_capacity(8);
        s.increment(1);
        assert_eq!(s.frequency(1), 1);
        s.ensure_capacity(4);
        assert_eq!(s.frequency(1), 1);
        s.ensure_capacity(1 << 12);
        assert_eq!(s.frequency(1), 0);
        assert_eq!(s.sample_size(), 10 << 12);
    }
}
