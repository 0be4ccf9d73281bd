//! The climber's two reference caches: small shadow caches of key hashes
//! (no values) that see the same requests as the policy, for a sample of
//! the keys (SHARDS-style spatial sampling), and say request by request
//! whether they would have hit. One is plain LRU (the policy with its
//! window at the whole budget), the other TinyLFU without a window (every
//! missing key must beat the least recent entry on the sketch's frequency
//! estimate: the frequency end of the window's range). ts/policy/shadow.ts
//! mirrors this file exactly.
//!
//! A key is in the sample when the top `shift` bits of its mixed hash are
//! zero (a rate of 2^-shift), and a shadow models 2^-shift of the budget
//! over the sampled keys, so it holds at most about [`SHADOW_ENTRIES`]
//! entries whatever the cache's size. Fixed memory, O(1) per sampled
//! request (amortized over evictions), deterministic.

use super::sketch::Sketch;

/// Entries a shadow models at most: larger caches are sampled down to this.
pub(crate) const SHADOW_ENTRIES: u64 = 1024;
/// With a byte budget the entry count is only estimated (the policy's count
/// when its sketch is sized), so a shadow may hold this many times more.
const WEIGHTED_SLACK: u64 = 4;
const NIL: u32 = u32::MAX;

/// Which reference cache a shadow is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ShadowKind {
    /// Least recently used: every missing key enters.
    #[default]
    Lru,
    /// LRU order, but a missing key enters a full shadow only when the
    /// sketch estimates it more frequent than the least recent entry.
    TinyLfu,
}

/// Buckets for a shadow of at most `cap` entries: one per entry up to
/// [`SHADOW_ENTRIES`] (a weighted shadow that holds more has longer chains).
fn buckets(cap: u64) -> usize {
    (cap.min(SHADOW_ENTRIES) as usize + 1).next_power_of_two()
}

/// The sampling mix of a key hash (Fibonacci hashing: its top bits depend on
/// every bit of the hash, so the sample does not depend on the shard, which
/// the hash's own top bits choose).
fn mix(hash: u32) -> u32 {
    hash.wrapping_mul(0x9e37_79b1)
}

/// A shadow cache.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shadow {
    kind: ShadowKind,
    /// Sized (the policy sizes it with its sketch, once half full).
    sized: bool,
    /// Sampling rate 2^-shift.
    shift: u32,
    /// Weight budget and entry cap of the sampled cache.
    budget: u64,
    cap: u64,
    weight: u64,
    len: u64,
    /// Least recent entry (evicted first) and most recent one.
    head: u32,
    tail: u32,
    /// Entry fields by index: they grow with the entries ever held at once,
    /// so a shadow costs memory in proportion to what it models.
    hashes: Vec<u32>,
    weights: Vec<u64>,
    prev: Vec<u32>,
    next: Vec<u32>,
    /// Next entry of the same bucket.
    chain: Vec<u32>,
    /// First entry of each bucket (by the mixed hash's low bits).
    buckets: Vec<u32>,
    /// Freed entries, chained through `next`.
    free: u32,
}

impl Shadow {
    /// An unsized shadow of `kind`.
    pub(crate) fn new(kind: ShadowKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    /// Forgets everything, sizing included.
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.kind);
    }

    /// Sizes the shadow for a policy of `max_weight` and `max_entries`
    /// expected to hold about `capacity` entries; later calls change nothing.
    pub(crate) fn size(
        &mut self,
        max_weight: u64,
        max_entries: u64,
        capacity: u64,
        weighted: bool,
    ) {
        if self.sized {
            return;
        }
        let mut shift = 0;
        while shift < 31 && capacity >> shift > SHADOW_ENTRIES {
            shift += 1;
        }
        let limit = if weighted {
            SHADOW_ENTRIES * WEIGHTED_SLACK
        } else {
            SHADOW_ENTRIES
        };
        let cap = (max_entries >> shift).clamp(1, limit);
        *self = Self {
            kind: self.kind,
            sized: true,
            shift,
            budget: (max_weight >> shift).max(1),
            cap,
            head: NIL,
            tail: NIL,
            buckets: vec![NIL; buckets(cap)],
            free: NIL,
            ..Self::default()
        };
    }

    /// Whether `hash` is in the sample (never before the shadow is sized).
    pub(crate) fn samples(&self, hash: u32) -> bool {
        self.sized && (self.shift == 0 || mix(hash) >> (32 - self.shift) == 0)
    }

    /// A request for a sampled key of `weight`: whether this shadow would
    /// have hit. Afterwards the key is the most recent, unless TinyLFU
    /// refused it.
    pub(crate) fn access(&mut self, hash: u32, weight: u64, sketch: &mut Sketch) -> bool {
        let e = self.find(hash);
        if e != NIL {
            self.unlink(e);
            self.weight = self.weight - self.weights[e as usize] + weight;
            self.weights[e as usize] = weight;
            self.push(e);
            self.shrink(e);
            return true;
        }
        let overflows = self.weight + weight > self.budget || self.len >= self.cap;
        if self.kind == ShadowKind::TinyLfu
            && overflows
            && self.head != NIL
            && sketch.frequency(hash) <= sketch.frequency(self.hashes[self.head as usize])
        {
            return false;
        }
        self.insert(hash, weight);
        false
    }

    /// Drops a sampled key that left the cache on request or by expiry, so
    /// that its return is not counted as a hit the shadow would have had.
    pub(crate) fn forget(&mut self, hash: u32) {
        if !self.samples(hash) {
            return;
        }
        let e = self.find(hash);
        if e != NIL {
            self.remove(e);
        }
    }

    /// Entries and weight (for the policy state).
    pub(crate) fn state(&self) -> [f64; 2] {
        [self.len as f64, self.weight as f64]
    }

    fn bucket(&self, hash: u32) -> usize {
        (mix(hash) as usize) & (self.buckets.len() - 1)
    }

    fn find(&self, hash: u32) -> u32 {
        let mut e = self.buckets[self.bucket(hash)];
        while e != NIL && self.hashes[e as usize] != hash {
            e = self.chain[e as usize];
        }
        e
    }

    /// Adds a missing key as the most recent, then evicts the least recent
    /// entries (never the new one) while over the budget or the cap.
    fn insert(&mut self, hash: u32, weight: u64) {
        let e = if self.free != NIL {
            let e = self.free;
            self.free = self.next[e as usize];
            e
        } else {
            self.hashes.push(0);
            self.weights.push(0);
            self.prev.push(NIL);
            self.next.push(NIL);
            self.chain.push(NIL);
            (self.hashes.len() - 1) as u32
        };
        self.hashes[e as usize] = hash;
        self.weights[e as usize] = weight;
        let b = self.bucket(hash);
        self.chain[e as usize] = self.buckets[b];
        self.buckets[b] = e;
        self.push(e);
        self.len += 1;
        self.weight += weight;
        self.shrink(e);
    }

    /// Evicts the least recent entries, never `keep`, while over the budget
    /// or the cap.
    fn shrink(&mut self, keep: u32) {
        while (self.weight > self.budget || self.len > self.cap) && self.head != keep {
            self.remove(self.head);
        }
    }

    fn push(&mut self, e: u32) {
        self.prev[e as usize] = self.tail;
        self.next[e as usize] = NIL;
        if self.tail == NIL {
            self.head = e;
        } else {
            self.next[self.tail as usize] = e;
        }
        self.tail = e;
    }

    fn unlink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        if p == NIL {
            self.head = n;
        } else {
            self.next[p as usize] = n;
        }
        if n == NIL {
            self.tail = p;
        } else {
            self.prev[n as usize] = p;
        }
    }

    fn remove(&mut self, e: u32) {
        self.unlink(e);
        let b = self.bucket(self.hashes[e as usize]);
        if self.buckets[b] == e {
            self.buckets[b] = self.chain[e as usize];
        } else {
            let mut p = self.buckets[b];
            while self.chain[p as usize] != e {
                p = self.chain[p as usize];
            }
            self.chain[p as usize] = self.chain[e as usize];
        }
        self.len -= 1;
        self.weight -= self.weights[e as usize];
        self.next[e as usize] = self.free;
        self.free = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sketch() -> Sketch {
        let mut s = Sketch::default();
        s.ensure_capacity(1024);
        s
    }

    fn shadow(kind: ShadowKind, entries: u64) -> Shadow {
        let mut s = Shadow::new(kind);
        s.size(entries, entries, entries, false);
        s
    }

    #[test]
    fn samples_nothing_until_sized() {
        let s = Shadow::new(ShadowKind::Lru);
        assert!(!s.samples(1));
        let s = shadow(ShadowKind::Lru, 100);
        assert!(
            (0..1000).all(|h| s.samples(h)),
            "a small cache samples every key"
        );
    }

    #[test]
    fn lru_evicts_the_least_recent_and_hits_on_return() {
        let mut sk = sketch();
        let mut s = shadow(ShadowKind::Lru, 3);
        for h in [1, 2, 3] {
            assert!(!s.access(h, 1, &mut sk));
        }
        assert!(s.access(1, 1, &mut sk), "1 is now the most recent");
        assert!(!s.access(4, 1, &mut sk), "evicts 2");
        assert!(!s.access(2, 1, &mut sk), "2 was evicted; evicts 3");
        assert!(s.access(1, 1, &mut sk));
        assert!(s.access(4, 1, &mut sk));
        assert_eq!(s.state(), [3.0, 3.0]);
    }

    #[test]
    fn tiny_lfu_refuses_a_key_no_more_frequent_than_its_victim() {
        let mut sk = sketch();
        let mut s = shadow(ShadowKind::TinyLfu, 2);
        for h in [1, 2] {
            for _ in 0..3 {
                sk.increment(h);
            }
            s.access(h, 1, &mut sk);
        }
        sk.increment(3);
        assert!(
            !s.access(3, 1, &mut sk),
            "refused: one access against three"
        );
        assert!(
            s.access(1, 1, &mut sk) && s.access(2, 1, &mut sk),
            "both kept"
        );
        for _ in 0..5 {
            sk.increment(3);
        }
        assert!(!s.access(3, 1, &mut sk), "admitted now, evicting 1");
        assert!(s.access(3, 1, &mut sk));
        assert!(!s.access(1, 1, &mut sk));
    }

    #[test]
    fn weights_count_against_the_budget() {
        let mut sk = sketch();
        let mut s = Shadow::new(ShadowKind::Lru);
        s.size(100, 10, 10, true);
        s.access(1, 60, &mut sk);
        s.access(2, 30, &mut sk);
        s.access(3, 20, &mut sk);
        assert_eq!(s.state(), [2.0, 50.0], "1 left to make room");
        s.access(2, 90, &mut sk);
        assert_eq!(s.state(), [1.0, 90.0], "growing 2 pushed 3 out");
    }

    #[test]
    fn a_large_cache_is_sampled_down_to_a_fixed_size() {
        let mut sk = sketch();
        let mut s = Shadow::new(ShadowKind::Lru);
        s.size(1 << 20, 1 << 20, 1 << 20, false);
        let sampled: Vec<u32> = (0..1u32 << 16).filter(|&h| s.samples(h)).collect();
        // 2^-10 of 2^16 hashes: 64 expected.
        assert!((32..=128).contains(&sampled.len()), "{}", sampled.len());
        for &h in &sampled {
            s.access(h, 1, &mut sk);
        }
        assert_eq!(s.state()[0], sampled.len() as f64);
        s.forget(sampled[0]);
        assert!(!s.access(sampled[0], 1, &mut sk), "forgotten");
        assert!(s.access(sampled[1], 1, &mut sk));
    }

    #[test]
    fn memory_follows_the_entries_held_not_the_cap() {
        let mut sk = sketch();
        let mut s = Shadow::new(ShadowKind::Lru);
        s.size(1 << 30, 1 << 24, 1000, true);
        assert_eq!(s.cap, SHADOW_ENTRIES * WEIGHTED_SLACK);
        for h in 0..3 {
            s.access(h, (1 << 28) + 1, &mut sk);
        }
        assert_eq!(s.hashes.len(), 3);
        for h in 3..10 {
            s.access(h, (1 << 28) + 1, &mut sk);
        }
        assert_eq!(s.state()[0], 3.0, "three fit in the budget");
        assert_eq!(
            s.hashes.len(),
            4,
            "one more while a new entry waits for its victim to leave; freed entries are reused"
        );
        assert_eq!(s.buckets.len(), 2048);
    }

    #[test]
    fn reset_forgets_the_sizing() {
        let mut s = shadow(ShadowKind::Lru, 10);
        s.reset();
        assert!(!s.samples(1));
        assert_eq!(s.state(), [0.0, 0.0]);
    }
}
