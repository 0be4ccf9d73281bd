//! A 4-bit count-min sketch with periodic aging (TinyLFU's frequency
//! histogram), laid out like Caffeine's: the four counters of a key live in
//! one 64-byte block of sixteen 32-bit words, eight counters per word, so an
//! increment touches one cache line (the blocks are aligned to cache lines).
//! The JS twin uses the same layout in an Int32Array.

use super::slots::prefetch;

/// Increments queued before being applied together.
const QUEUE: usize = 64;

/// Sixteen words holding the four counters of every key that maps to it,
/// on a cache line of its own.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Block([u32; 16]);

/// The frequency histogram of one shard.
#[derive(Debug, Clone)]
pub(crate) struct Sketch {
    table: Vec<Block>,
    block_mask: u32,
    sample_size: u64,
    size: u64,
    // Increments from hits are queued and applied QUEUE at a time: the same
    // increments in the same order (so the same counts, agings and
    // decisions), but each block is prefetched when its increment is queued,
    // so applying them back to back finds the lines loaded instead of
    // stalling on each. Every read, resize or reset of the table, and every
    // immediate increment, applies the queue first. A queued increment is
    // kept as its block and counter hash, located once when it is queued.
    queued: [(u32, u32); QUEUE],
    queued_len: usize,
}

impl Default for Sketch {
    fn default() -> Self {
        Self {
            table: Vec::new(),
            block_mask: 0,
            sample_size: 0,
            size: 0,
            queued: [(0, 0); QUEUE],
            queued_len: 0,
        }
    }
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

/// The word (within its block) and bit shift of counter `i` (0..4) of a key
/// whose counter hash is `h`: word 4i + (h >> 8i & 3), nibble (h >> (8i + 2)) & 7.
#[inline(always)]
fn position(h: u32, i: u32) -> (usize, u32) {
    let h = h >> (i << 3);
    (((i << 2) + (h & 3)) as usize, ((h >> 2) & 7) << 2)
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
        let blocks = words >> 4;
        if blocks <= self.table.len() {
            return;
        }
        self.table = vec![Block::default(); blocks];
        self.block_mask = (blocks - 1) as u32;
        self.sample_size = 10 * capacity;
        self.size = 0;
    }

    /// Frees the table: the next `ensure_capacity` starts over.
    pub(crate) fn release(&mut self) {
        *self = Self::default();
    }

    /// The block of a key, and its counter hash.
    #[inline(always)]
    fn locate(&self, hash: u32) -> (usize, u32) {
        let block_hash = spread(hash);
        ((block_hash & self.block_mask) as usize, rehash(block_hash))
    }

    /// Records one access later (at the latest before the table is next read).
    #[inline]
    pub(crate) fn increment_later(&mut self, hash: u32) {
        if self.table.is_empty() {
            return;
        }
        let (block, h) = self.locate(hash);
        prefetch(self.table.as_ptr().wrapping_add(block));
        self.queued[self.queued_len] = (block as u32, h);
        self.queued_len += 1;
        if self.queued_len == QUEUE {
            self.flush();
        }
    }

    /// Applies the queued increments, in order.
    fn flush(&mut self) {
        let n = std::mem::take(&mut self.queued_len);
        for i in 0..n {
            let (block, h) = self.queued[i];
            self.add(block as usize, h);
        }
    }

    /// The estimated frequency of a key, 0..=15.
    pub(crate) fn frequency(&mut self, hash: u32) -> u32 {
        self.flush();
        if self.table.is_empty() {
            return 0;
        }
        let (block, h) = self.locate(hash);
        let words = &self.table[block].0;
        (0..4)
            .map(|i| {
                let (word, shift) = position(h, i);
                (words[word] >> shift) & 15
            })
            .min()
            .unwrap_or(0)
    }

    /// Records one access now (after any queued ones).
    pub(crate) fn increment(&mut self, hash: u32) {
        self.flush();
        self.apply(hash);
    }

    /// Adds one to a key's counters; ages the whole table every `sample_size` increments.
    #[inline]
    fn apply(&mut self, hash: u32) {
        if self.table.is_empty() {
            return;
        }
        let (block, h) = self.locate(hash);
        self.add(block, h);
    }

    /// Adds one to the counters of counter hash `h` in `block` (those not
    /// saturated); ages the table every `sample_size` increments.
    #[inline(always)]
    fn add(&mut self, block: usize, h: u32) {
        let words = &mut self.table[block].0;
        // Branch-free: whether a counter is saturated is data-dependent and
        // mispredicts often on a hot set whose counts hover around 15.
        let mut added = 0u32;
        for i in 0..4 {
            let (word, shift) = position(h, i);
            let room = u32::from((words[word] >> shift) & 15 != 15);
            words[word] += room << shift;
            added |= room;
        }
        if added != 0 {
            self.size += 1;
            if self.size == self.sample_size {
                self.reset();
            }
        }
    }

    /// Halves every counter; `size` shrinks accordingly (Caffeine's reset).
    fn reset(&mut self) {
        let mut odd = 0u64;
        for word in self.table.iter_mut().flat_map(|b| b.0.iter_mut()) {
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
