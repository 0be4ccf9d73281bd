//! One shard: the entries of a share of the key space, its policy queues,
//! frequency sketch, hill climber and timer wheel. Every decision of the
//! cache is made here, and ts/local/js/shard.ts mirrors it line for line.

use hashbrown::HashTable;

use super::clock::Now;
use super::config::{Policy, ShardBudget, ENTRY_OVERHEAD_BYTES, MAX_TTL_MS};
use super::rng::XorShift32;
use super::sketch::{Sketch, ADMIT_HASHDOS_THRESHOLD};
use super::slab::{Links, List, Region, Slab, NIL};
use super::stats::CacheStats;
use super::wheel::Wheel;

/// Most entries moved between the window and the main space per adjustment.
const TRANSFER_LIMIT: usize = 1000;
/// Hit rates are compared in units of 1/10000.
const HIT_RATE_SCALE: u64 = 10_000;
/// A hit-rate change of 5% or more restarts the climber with a full step.
const RESTART_THRESHOLD: i64 = 500;

/// Why an entry leaves the shard (decides which counter, if any, moves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    Evicted,
    Expired,
    /// Explicit delete, a rejected update, or the new entry refused in its own set.
    Silent,
}

/// The remaining lifetime of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The key is not in the cache (or has expired).
    Absent,
    /// The entry never expires.
    Never,
    /// Milliseconds until the entry expires (at least 1).
    Remaining(u64),
}

fn table_hash(hash: u32) -> u64 {
    let x = u64::from(hash).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 32)
}

#[derive(Debug)]
pub(crate) struct Shard {
    slab: Slab,
    table: HashTable<u32>,
    window: List,
    probation: List,
    protected: List,
    policy: Policy,
    /// Whether policy sizes are in bytes (a byte budget is set) or in entries.
    weighted: bool,
    /// Budget in policy units: bytes when weighted, entries otherwise.
    max_weight: u64,
    max_entries: u64,
    /// Largest entry the shard accepts, in bytes.
    max_entry_bytes: u64,
    window_max: u64,
    protected_max: u64,
    window_weight: u64,
    probation_weight: u64,
    protected_weight: u64,
    count: u64,
    bytes: u64,
    sketch: Sketch,
    rng: XorShift32,
    hits_in_sample: u64,
    misses_in_sample: u64,
    previous_hit_rate: i64,
    step: i64,
    wheel: Wheel,
    due: Vec<u32>,
    pub(crate) stats: CacheStats,
}

impl Shard {
    pub(crate) fn new(index: usize, budget: ShardBudget, policy: Policy, now: u64) -> Self {
        let weighted = budget.max_bytes.is_some();
        let mut shard = Self {
            slab: Slab::default(),
            table: HashTable::new(),
            window: List::default(),
            probation: List::default(),
            protected: List::default(),
            policy,
            weighted,
            max_weight: budget.max_bytes.unwrap_or(budget.max_entries),
            max_entries: budget.max_entries,
            max_entry_bytes: budget.max_bytes.unwrap_or(u64::MAX),
            window_max: 0,
            protected_max: 0,
            window_weight: 0,
            probation_weight: 0,
            protected_weight: 0,
            count: 0,
            bytes: 0,
            sketch: Sketch::default(),
            rng: XorShift32::for_shard(index),
            hits_in_sample: 0,
            misses_in_sample: 0,
            previous_hit_rate: 0,
            step: 0,
            wheel: Wheel::new(now),
            due: Vec::new(),
            stats: CacheStats::default(),
        };
        shard.reset_regions();
        shard
    }

    /// Initial region sizes (1% window, 80% of main protected) and climber state.
    fn reset_regions(&mut self) {
        let max = self.max_weight;
        self.window_max = match self.policy {
            Policy::Lru => max,
            Policy::TinyLfu => max.div_ceil(100),
        };
        let main = max - self.window_max;
        self.protected_max = main - main.div_ceil(5);
        self.step = -((max / 16) as i64);
        self.hits_in_sample = 0;
        self.misses_in_sample = 0;
        self.previous_hit_rate = 0;
    }

    pub(crate) fn len(&self) -> u64 {
        self.count
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn value(&self, slot: u32) -> &[u8] {
        self.slab.value(slot)
    }

    /// Accounted bytes of an entry: key + value + the fixed overhead.
    fn bytes_of(&self, slot: u32) -> u64 {
        self.slab.data_len(slot) + ENTRY_OVERHEAD_BYTES
    }

    fn weight_of(&self, slot: u32) -> u64 {
        if self.weighted {
            self.bytes_of(slot)
        } else {
            1
        }
    }

    fn total_weight(&self) -> u64 {
        if self.weighted {
            self.bytes
        } else {
            self.count
        }
    }

    fn over_budget(&self) -> bool {
        self.total_weight() > self.max_weight || self.count > self.max_entries
    }

    fn is_expired(&self, slot: u32, now: &Now) -> bool {
        let expires = self.slab.meta(slot).expires;
        expires != 0 && expires <= now.get()
    }

    fn find(&self, key: &str, hash: u32) -> Option<u32> {
        let slab = &self.slab;
        self.table
            .find(table_hash(hash), |&slot| {
                slab.key_bytes(slot) == key.as_bytes()
            })
            .copied()
    }

    /// Finds a live entry, removing it (as expired) when its time has passed.
    fn find_live(&mut self, key: &str, hash: u32, now: &Now) -> Option<u32> {
        let slot = self.find(key, hash)?;
        if self.is_expired(slot, now) {
            self.remove(slot, Removal::Expired);
            return None;
        }
        Some(slot)
    }

    // ----- reads -----

    /// A read that counts as a hit or miss and updates recency and frequency.
    pub(crate) fn get(&mut self, key: &str, hash: u32, now: &Now) -> Option<u32> {
        match self.find_live(key, hash, now) {
            Some(slot) => {
                self.stats.hits += 1;
                if self.hits_in_sample + self.misses_in_sample < self.sketch.sample_size() {
                    self.hits_in_sample += 1;
                }
                self.on_access(slot);
                Some(slot)
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// A read with no effect on policy or hit/miss counters.
    pub(crate) fn peek(&mut self, key: &str, hash: u32, now: &Now) -> Option<u32> {
        self.find_live(key, hash, now)
    }

    pub(crate) fn ttl(&mut self, key: &str, hash: u32, now: &Now) -> Ttl {
        match self.find_live(key, hash, now) {
            None => Ttl::Absent,
            Some(slot) => match self.slab.meta(slot).expires {
                0 => Ttl::Never,
                expires => Ttl::Remaining(expires - now.get()),
            },
        }
    }

    /// Appends the keys of live entries: per region (window, probation,
    /// protected), most recently used first.
    pub(crate) fn keys(&self, now: u64, out: &mut Vec<String>) {
        for list in [self.window, self.probation, self.protected] {
            let mut slot = list.tail;
            while slot != NIL {
                let expires = self.slab.meta(slot).expires;
                if !(expires != 0 && expires <= now) {
                    out.push(self.slab.key(slot).to_string());
                }
                slot = self.slab.prev(slot);
            }
        }
    }

    // ----- writes -----

    /// Stores a value; returns whether the entry is in the shard afterwards.
    pub(crate) fn set(&mut self, key: &str, hash: u32, value: &[u8], ttl: u64, now: &Now) -> bool {
        self.expire_due(now);
        let bytes = key.len() as u64 + value.len() as u64 + ENTRY_OVERHEAD_BYTES;
        let existing = self.find(key, hash);
        if bytes > self.max_entry_bytes {
            // A failed update must not leave the previous value behind.
            if let Some(slot) = existing {
                self.remove(slot, Removal::Silent);
            }
            self.stats.rejections += 1;
            return false;
        }
        let expires = if ttl == 0 {
            0
        } else {
            now.get().saturating_add(ttl).min(MAX_TTL_MS)
        };
        let existing = match existing {
            Some(slot) if self.is_expired(slot, now) => {
                self.remove(slot, Removal::Expired);
                None
            }
            other => other,
        };
        let slot = match existing {
            Some(slot) => {
                self.update(slot, value, bytes, expires, now);
                slot
            }
            None => self.insert(key, hash, value, bytes, expires, now),
        };
        let kept = self.evict(slot);
        self.climb();
        if kept {
            self.stats.sets += 1;
        } else {
            self.stats.rejections += 1;
        }
        kept
    }

    /// Removes a key; true when a live entry was removed.
    pub(crate) fn delete(&mut self, key: &str, hash: u32, now: &Now) -> bool {
        self.expire_due(now);
        match self.find_live(key, hash, now) {
            Some(slot) => {
                self.remove(slot, Removal::Silent);
                true
            }
            None => false,
        }
    }

    /// Removes every entry and returns the memory; statistics are kept.
    pub(crate) fn clear(&mut self) {
        self.slab.release();
        self.table = HashTable::new();
        self.window = List::default();
        self.probation = List::default();
        self.protected = List::default();
        self.window_weight = 0;
        self.probation_weight = 0;
        self.protected_weight = 0;
        self.count = 0;
        self.bytes = 0;
        self.wheel.clear();
        self.due = Vec::new();
        self.sketch.release();
        self.reset_regions();
    }

    /// Sweeps the timer wheel up to `now`; returns how many entries expired.
    /// An empty wheel has nothing to sweep, so the clock is not even read.
    pub(crate) fn expire_due(&mut self, now: &Now) -> u64 {
        if self.wheel.is_empty() || now.get() <= self.wheel.time() {
            return 0;
        }
        let now_ms = now.get();
        let mut due = std::mem::take(&mut self.due);
        self.wheel.advance(&mut self.slab, now_ms, &mut due);
        let mut expired = 0;
        for &slot in &due {
            if self.is_expired(slot, now) {
                self.remove(slot, Removal::Expired);
                expired += 1;
            } else {
                self.wheel.schedule(&mut self.slab, slot);
            }
        }
        due.clear();
        self.due = due;
        expired
    }

    fn insert(
        &mut self,
        key: &str,
        hash: u32,
        value: &[u8],
        bytes: u64,
        expires: u64,
        now: &Now,
    ) -> u32 {
        let slot = self.slab.insert(key, value, hash, expires);
        let slab = &self.slab;
        self.table
            .insert_unique(table_hash(hash), slot, |&s| table_hash(slab.meta(s).hash));
        self.count += 1;
        self.bytes += bytes;
        self.attach(slot, Region::Window);
        if expires != 0 {
            self.wheel.catch_up(now.get());
            self.wheel.schedule(&mut self.slab, slot);
        }
        if self.policy == Policy::TinyLfu {
            if self.total_weight() * 2 >= self.max_weight || self.count * 2 >= self.max_entries {
                let capacity = if self.weighted {
                    self.count
                } else {
                    self.max_entries
                };
                self.sketch.ensure_capacity(capacity);
            }
            self.sketch.increment(hash);
            if self.hits_in_sample + self.misses_in_sample < self.sketch.sample_size() {
                self.misses_in_sample += 1;
            }
        }
        slot
    }

    fn update(&mut self, slot: u32, value: &[u8], bytes: u64, expires: u64, now: &Now) {
        let old_weight = self.weight_of(slot);
        let old_bytes = self.bytes_of(slot);
        self.slab.set_value(slot, value);
        self.slab.meta_mut(slot).expires = expires;
        self.bytes = self.bytes - old_bytes + bytes;
        let new_weight = self.weight_of(slot);
        let region = self.slab.meta(slot).region;
        let region_weight = match region {
            Region::Window => &mut self.window_weight,
            Region::Probation => &mut self.probation_weight,
            Region::Protected => &mut self.protected_weight,
        };
        *region_weight = *region_weight - old_weight + new_weight;
        self.wheel.unschedule(&mut self.slab, slot);
        if expires != 0 {
            self.wheel.catch_up(now.get());
            self.wheel.schedule(&mut self.slab, slot);
        }
        self.on_access(slot);
    }

    /// The slab, the queue of `region` and that queue's weight, borrowed together.
    fn queue_of(&mut self, region: Region) -> (&mut Slab, &mut List, &mut u64) {
        let Self {
            slab,
            window,
            probation,
            protected,
            window_weight,
            probation_weight,
            protected_weight,
            ..
        } = self;
        match region {
            Region::Window => (slab, window, window_weight),
            Region::Probation => (slab, probation, probation_weight),
            Region::Protected => (slab, protected, protected_weight),
        }
    }

    /// Takes an entry out of its policy queue (and that queue's weight).
    fn detach(&mut self, slot: u32) {
        let weight = self.weight_of(slot);
        let region = self.slab.meta(slot).region;
        let (slab, list, total) = self.queue_of(region);
        slab.unlink(Links::Policy, list, slot);
        *total -= weight;
    }

    /// Appends an entry (not in any queue) as the most recent of `region`.
    fn attach(&mut self, slot: u32, region: Region) {
        let weight = self.weight_of(slot);
        let (slab, list, total) = self.queue_of(region);
        slab.push_tail(Links::Policy, list, slot);
        slab.meta_mut(slot).region = region;
        *total += weight;
    }

    /// Moves an entry to the most recent end of `region`.
    fn transfer(&mut self, slot: u32, region: Region) {
        self.detach(slot);
        self.attach(slot, region);
    }

    fn remove(&mut self, slot: u32, cause: Removal) {
        let bytes = self.bytes_of(slot);
        let hash = self.slab.meta(slot).hash;
        self.detach(slot);
        self.wheel.unschedule(&mut self.slab, slot);
        if let Ok(found) = self.table.find_entry(table_hash(hash), |&s| s == slot) {
            found.remove();
        }
        self.count -= 1;
        self.bytes -= bytes;
        self.slab.remove(slot);
        match cause {
            Removal::Evicted => self.stats.evictions += 1,
            Removal::Expired => self.stats.expirations += 1,
            Removal::Silent => {}
        }
    }

    // ----- policy -----

    /// Recency and frequency effects of a hit or an update.
    fn on_access(&mut self, slot: u32) {
        if self.policy == Policy::Lru {
            self.slab
                .move_to_tail(Links::Policy, &mut self.window, slot);
            return;
        }
        self.sketch.increment_later(self.slab.meta(slot).hash);
        match self.slab.meta(slot).region {
            Region::Window => self
                .slab
                .move_to_tail(Links::Policy, &mut self.window, slot),
            Region::Probation => self.promote(slot),
            Region::Protected => self
                .slab
                .move_to_tail(Links::Policy, &mut self.protected, slot),
        }
    }

    /// Moves a probationary entry to the protected segment (unless it is
    /// heavier than the whole segment).
    fn promote(&mut self, slot: u32) {
        let weight = self.weight_of(slot);
        if weight > self.protected_max {
            self.slab
                .move_to_tail(Links::Policy, &mut self.probation, slot);
            return;
        }
        self.transfer(slot, Region::Protected);
        self.demote_protected();
    }

    /// Moves the least recent protected entries to probation while the
    /// protected segment is over its size.
    fn demote_protected(&mut self) {
        while self.protected_weight > self.protected_max {
            let slot = self.protected.head;
            if slot == NIL {
                break;
            }
            self.transfer(slot, Region::Probation);
        }
    }

    /// Removes `slot` for the budget; when it is the entry of the current set,
    /// that set reports a rejection instead of an eviction.
    fn evict_entry(&mut self, slot: u32, protect: u32, kept: &mut bool) {
        if slot == protect {
            *kept = false;
            self.remove(slot, Removal::Silent);
        } else {
            self.remove(slot, Removal::Evicted);
        }
    }

    /// Brings the shard back within budget; returns whether `protect` survived.
    fn evict(&mut self, protect: u32) -> bool {
        let mut kept = true;
        if self.policy == Policy::Lru {
            while self.over_budget() {
                let slot = self.window.head;
                if slot == NIL {
                    break;
                }
                self.evict_entry(slot, protect, &mut kept);
            }
            return kept;
        }
        let candidates = self.evict_from_window();
        self.evict_from_main(candidates, protect, &mut kept);
        kept
    }

    /// Moves the window's overflow (least recent first) to the probation
    /// tail, where each becomes an admission candidate; returns how many.
    fn evict_from_window(&mut self) -> u64 {
        let mut candidates = 0;
        while self.window_weight > self.window_max {
            let slot = self.window.head;
            if slot == NIL {
                break;
            }
            self.transfer(slot, Region::Probation);
            candidates += 1;
        }
        candidates
    }

    /// TinyLFU admission: candidates (newest probation entries) duel victims
    /// (oldest probation entries, then protected, then window) on frequency.
    fn evict_from_main(&mut self, mut candidates: u64, protect: u32, kept: &mut bool) {
        let mut victim_region = Region::Probation;
        let mut victim = self.probation.head;
        let mut candidate = self.probation.tail;
        while self.over_budget() {
            if candidates == 0 {
                candidate = NIL;
            }
            if candidate == NIL && victim == NIL {
                match victim_region {
                    Region::Probation => {
                        victim_region = Region::Protected;
                        victim = self.protected.head;
                        continue;
                    }
                    Region::Protected => {
                        victim_region = Region::Window;
                        victim = self.window.head;
                        continue;
                    }
                    Region::Window => break,
                }
            }
            if victim == NIL {
                let previous = self.slab.prev(candidate);
                self.evict_entry(candidate, protect, kept);
                candidate = previous;
                candidates -= 1;
                continue;
            }
            if candidate == NIL {
                let next = self.slab.next(victim);
                self.evict_entry(victim, protect, kept);
                victim = next;
                continue;
            }
            if candidate == victim {
                let next = self.slab.next(victim);
                self.evict_entry(victim, protect, kept);
                victim = next;
                candidate = NIL;
                candidates -= 1;
                continue;
            }
            candidates -= 1;
            let candidate_hash = self.slab.meta(candidate).hash;
            let victim_hash = self.slab.meta(victim).hash;
            if self.admit(candidate_hash, victim_hash) {
                let next = self.slab.next(victim);
                self.evict_entry(victim, protect, kept);
                victim = next;
                candidate = self.slab.prev(candidate);
            } else {
                let previous = self.slab.prev(candidate);
                self.evict_entry(candidate, protect, kept);
                candidate = previous;
            }
        }
    }

    /// Whether the candidate should replace the victim. A warm candidate that
    /// loses is still admitted 1 time in 128, so an attacker cannot pin hot
    /// victims by keeping a key's frequency high (Caffeine's hash-DoS guard).
    fn admit(&mut self, candidate_hash: u32, victim_hash: u32) -> bool {
        let victim_freq = self.sketch.frequency(victim_hash);
        let candidate_freq = self.sketch.frequency(candidate_hash);
        if candidate_freq > victim_freq {
            true
        } else if candidate_freq >= ADMIT_HASHDOS_THRESHOLD {
            self.rng.next_u32() & 127 == 0
        } else {
            false
        }
    }

    /// Hill climbing: after each sample of requests, move the window size in
    /// the direction that last improved the hit rate, with a decaying step.
    fn climb(&mut self) {
        if self.policy != Policy::TinyLfu {
            return;
        }
        let requests = self.hits_in_sample + self.misses_in_sample;
        let sample = self.sketch.sample_size();
        if sample == 0 || requests < sample {
            return;
        }
        let hit_rate = (self.hits_in_sample * HIT_RATE_SCALE / requests) as i64;
        let change = hit_rate - self.previous_hit_rate;
        let amount = if change >= 0 { self.step } else { -self.step };
        let restart = (self.max_weight / 16) as i64;
        self.step = if change.abs() >= RESTART_THRESHOLD {
            if amount >= 0 {
                restart
            } else {
                -restart
            }
        } else {
            amount * 98 / 100
        };
        self.previous_hit_rate = hit_rate;
        self.hits_in_sample = 0;
        self.misses_in_sample = 0;
        self.demote_protected();
        if amount > 0 {
            self.increase_window(amount as u64);
        } else if amount < 0 {
            self.decrease_window(amount.unsigned_abs());
        }
    }

    fn increase_window(&mut self, amount: u64) {
        if self.protected_max == 0 {
            return;
        }
        let mut quota = amount.min(self.protected_max);
        self.protected_max -= quota;
        self.window_max += quota;
        self.demote_protected();
        for _ in 0..TRANSFER_LIMIT {
            let mut slot = self.probation.head;
            if slot == NIL || quota < self.weight_of(slot) {
                slot = self.protected.head;
            }
            if slot == NIL {
                break;
            }
            let weight = self.weight_of(slot);
            if quota < weight {
                break;
            }
            quota -= weight;
            self.transfer(slot, Region::Window);
        }
        self.protected_max += quota;
        self.window_max -= quota;
    }

    fn decrease_window(&mut self, amount: u64) {
        if self.window_max <= 1 {
            return;
        }
        let mut quota = amount.min(self.window_max - 1);
        self.protected_max += quota;
        self.window_max -= quota;
        for _ in 0..TRANSFER_LIMIT {
            let slot = self.window.head;
            if slot == NIL {
                break;
            }
            let weight = self.weight_of(slot);
            if quota < weight {
                break;
            }
            quota -= weight;
            self.transfer(slot, Region::Probation);
        }
        self.protected_max -= quota;
        self.window_max += quota;
    }

    /// The policy state, for differential tests against the JS twin: window
    /// max, protected max, window/probation/protected weights, climber step,
    /// previous hit rate, hits and misses in the current sample.
    pub(crate) fn policy_state(&self) -> [f64; 9] {
        [
            self.window_max as f64,
            self.protected_max as f64,
            self.window_weight as f64,
            self.probation_weight as f64,
            self.protected_weight as f64,
            self.step as f64,
            self.previous_hit_rate as f64,
            self.hits_in_sample as f64,
            self.misses_in_sample as f64,
        ]
    }

    /// Verifies the bookkeeping against the lists and the table (tests only).
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let mut count = 0;
        let mut bytes = 0;
        for (list, region, weight) in [
            (self.window, Region::Window, self.window_weight),
            (self.probation, Region::Probation, self.probation_weight),
            (self.protected, Region::Protected, self.protected_weight),
        ] {
            let mut sum = 0;
            let mut slot = list.head;
            let mut prev = NIL;
            while slot != NIL {
                let m = *self.slab.meta(slot);
                assert_eq!(m.region, region);
                assert_eq!(self.slab.prev(slot), prev);
                assert_eq!(self.find(self.slab.key(slot), m.hash), Some(slot));
                sum += self.weight_of(slot);
                bytes += self.bytes_of(slot);
                count += 1;
                prev = slot;
                slot = self.slab.next(slot);
            }
            assert_eq!(list.tail, prev);
            assert_eq!(sum, weight, "{region:?} weight");
        }
        assert_eq!(count, self.count);
        assert_eq!(bytes, self.bytes);
        assert_eq!(self.table.len() as u64, self.count);
        assert!(!self.over_budget());
    }
}
