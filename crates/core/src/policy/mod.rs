//! The slot-based eviction policy: adaptive W-TinyLFU (window, probation and
//! protected queues, a 4-bit count-min sketch with aging, hill climbing of
//! the window) or LRU, a timer wheel for TTLs, and entry and byte budgets.
//!
//! It knows slot ids, key hashes, sizes and times, never keys or values:
//! the caller stores those by slot and is told, after every call that
//! changes anything, which slots left and why ([`SlotPolicy::removed`]). Two
//! callers use it: the off-heap cache (`crate::cache`, one policy per shard)
//! and LocalCache's native side (crates/node/src/policy.rs), whose JS index
//! sends recorded hits in batches ([`SlotPolicy::drain`]).
//! ts/policy/js-policy.ts mirrors this file decision for decision.

mod climber;
mod rng;
mod shadow;
mod sketch;
mod slots;
mod wheel;

#[cfg(test)]
mod tests;

use climber::{ClimbInput, Climber, CLIMBER_STATE_LEN};
use rng::XorShift32;
use sketch::{Sketch, ADMIT_HASHDOS_THRESHOLD};
use slots::{Links, List, Slots, NIL};
use wheel::Wheel;

pub use slots::Region;

/// How far ahead of the hit being applied a drain prefetches the slot's
/// record, and then its queue neighbours.
const PREFETCH_SLOT: usize = 16;
const PREFETCH_LINKS: usize = 8;

/// Most entries moved between the window and the main space per adjustment.
const TRANSFER_LIMIT: usize = 1000;

/// The slot bits of a ref (ts/policy/protocol.ts): up to 2^24 entries plus
/// the one being inserted.
pub const REF_SLOT_MASK: u32 = (1 << 25) - 1;
/// Where a ref keeps the generation.
pub const REF_GENERATION_SHIFT: u32 = 26;
/// Generations are counted modulo 32 (the bits a ref has room for).
pub const GENERATION_MASK: u32 = 31;

/// Length of [`SlotPolicy::state`]: five numbers of the policy, then the climber's.
pub const STATE_LEN: usize = 5 + CLIMBER_STATE_LEN;

/// Eviction policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Adaptive W-TinyLFU: admission window, segmented main space, a
    /// frequency sketch deciding admission, and hill climbing of the window size.
    TinyLfu,
    /// Plain least-recently-used.
    Lru,
}

/// The budgets of one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Entry cap.
    pub max_entries: u64,
    /// Byte cap; `None` when there is no byte budget (weights are then entries).
    pub max_bytes: Option<u64>,
}

/// Why a slot left the policy. The numbers are the protocol of
/// LocalCache's eviction array (ts/policy/protocol.ts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Removed to respect the entry or byte budget.
    Evicted = 0,
    /// Its time to live passed.
    Expired = 1,
    /// The entry of the current write, refused within that write (too large
    /// for the budget, or lost its own admission duel).
    Rejected = 2,
    /// Removed on request (delete).
    Deleted = 3,
}

/// A policy over the slots of one cache (or shard).
#[derive(Debug)]
pub struct SlotPolicy {
    slots: Slots,
    window: List,
    probation: List,
    protected: List,
    kind: Policy,
    /// Whether policy sizes are in bytes (a byte budget is set) or in entries.
    weighted: bool,
    /// Budget in policy units: bytes when weighted, entries otherwise.
    max_weight: u64,
    max_entries: u64,
    /// Largest entry accepted, in bytes.
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
    climber: Climber,
    wheel: Wheel,
    due: Vec<u32>,
    removed: Vec<(u32, Reason)>,
    /// Whether the latest write found the policy at its budget (within 1/32
    /// of it, as entries of different weights rarely fill a byte budget
    /// exactly, or at the entry cap).
    full: bool,
}

impl SlotPolicy {
    /// A policy for `budget`; `seed` varies the admission randomness (the
    /// shard index); `now` starts the timer wheel.
    pub fn new(kind: Policy, budget: Budget, seed: usize, now: u64) -> Self {
        let max_weight = budget.max_bytes.unwrap_or(budget.max_entries);
        let mut policy = Self {
            slots: Slots::default(),
            window: List::default(),
            probation: List::default(),
            protected: List::default(),
            kind,
            weighted: budget.max_bytes.is_some(),
            max_weight,
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
            rng: XorShift32::for_shard(seed),
            climber: Climber::new(max_weight),
            wheel: Wheel::new(now),
            due: Vec::new(),
            removed: Vec::new(),
            full: false,
        };
        policy.reset_regions();
        policy
    }

    /// Initial region sizes (1% window, 80% of main protected) and climber state.
    fn reset_regions(&mut self) {
        let max = self.max_weight;
        self.window_max = match self.kind {
            Policy::Lru => max,
            Policy::TinyLfu => max.div_ceil(100),
        };
        let main = max - self.window_max;
        self.protected_max = main - main.div_ceil(5);
        self.climber.reset(max);
        self.full = false;
    }

    /// Number of live entries.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether no entry is live.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Accounted bytes of the live entries.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Whether `slot` holds a live entry.
    pub fn is_live(&self, slot: u32) -> bool {
        self.slots.live(slot).is_some()
    }

    /// Expiry time of a live entry (0 = never).
    pub fn expires(&self, slot: u32) -> u64 {
        self.slots.cold(slot).expires
    }

    /// Key hash of the entry last stored in `slot` (readable after removal;
    /// 0 for a slot never stored).
    pub fn hash(&self, slot: u32) -> u32 {
        if (slot as usize) < self.slots.capacity() {
            self.slots.hot(slot).hash
        } else {
            0
        }
    }

    /// Whether some entry has a TTL (then writes need the current time).
    pub fn has_timers(&self) -> bool {
        !self.wheel.is_empty()
    }

    /// The slots that left during the last call that changed anything, in
    /// order, with why. The caller frees their keys and values.
    pub fn removed(&self) -> &[(u32, Reason)] {
        &self.removed
    }

    fn weight_of(&self, slot: u32) -> u64 {
        if self.weighted {
            self.slots.cold(slot).bytes
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

    fn is_expired(&self, slot: u32, now: u64) -> bool {
        let expires = self.slots.cold(slot).expires;
        expires != 0 && expires <= now
    }

    // ----- reads -----

    /// A hit on a live slot, applied at once (the off-heap cache, under its lock).
    pub fn hit(&mut self, slot: u32) {
        let hot = self.slots.hot(slot);
        let (region, hash) = (hot.region, hot.hash);
        self.climber.record_hit(region);
        if self.climber.samples(hash) {
            let weight = self.weight_of(slot);
            self.climber
                .record_sampled(hash, weight, true, &mut self.sketch);
        }
        self.on_access(slot);
    }

    /// Applies recorded hits: refs of LocalCache's index (slot | TTL flag |
    /// generation, see [`REF_SLOT_MASK`]). A ref whose slot is no longer
    /// live, or holds an entry stored under another generation (the slot was
    /// freed and reused since the hit), counts for nothing.
    pub fn drain(&mut self, ring: &[i32]) {
        for (i, &r) in ring.iter().enumerate() {
            if let Some(&ahead) = ring.get(i + PREFETCH_SLOT) {
                self.slots.prefetch(ahead as u32 & REF_SLOT_MASK);
            }
            if let Some(&near) = ring.get(i + PREFETCH_LINKS) {
                self.slots.prefetch_links(near as u32 & REF_SLOT_MASK);
            }
            let r = r as u32;
            let slot = r & REF_SLOT_MASK;
            let generation = (r >> REF_GENERATION_SHIFT) & GENERATION_MASK;
            if matches!(self.slots.live(slot), Some(h) if u32::from(h.generation) == generation) {
                self.hit(slot);
            }
        }
    }

    /// The live, unexpired slots: per region (window, probation,
    /// protected), most recently used first.
    pub fn order(&self, now: u64, out: &mut Vec<u32>) {
        for list in [self.window, self.probation, self.protected] {
            let mut slot = list.tail;
            while slot != NIL {
                if !self.is_expired(slot, now) {
                    out.push(slot);
                }
                slot = self.slots.prev(slot);
            }
        }
    }

    // ----- writes -----

    /// Stores the entry of `slot` (an insert when the slot is not live, an
    /// update otherwise) with its key hash, accounted bytes and absolute
    /// expiry (0 = never). Sweeps due timers first. Returns whether the
    /// entry is live afterwards; [`Self::removed`] lists what left, and
    /// lists the written slot with [`Reason::Rejected`] exactly when it was
    /// refused (too large for the budget, or it lost its own admission
    /// duel), whether or not it had been live before.
    pub fn write(
        &mut self,
        slot: u32,
        generation: u32,
        hash: u32,
        bytes: u64,
        expires: u64,
        now: u64,
    ) -> bool {
        self.removed.clear();
        self.sweep(now);
        let live = self.is_live(slot);
        if bytes > self.max_entry_bytes {
            // A failed update must not leave the previous value behind.
            if live {
                self.remove(slot, Reason::Rejected);
            } else {
                self.removed.push((slot, Reason::Rejected));
            }
            return false;
        }
        if live {
            self.update(slot, bytes, expires, now);
        } else {
            self.insert(slot, generation, hash, bytes, expires, now);
        }
        let kept = self.evict(slot);
        self.climb();
        kept
    }

    /// Removes `slot` for `reason` after sweeping due timers; whether it was
    /// still live to be removed.
    pub fn delete(&mut self, slot: u32, reason: Reason, now: u64) -> bool {
        self.removed.clear();
        self.sweep(now);
        if !self.is_live(slot) {
            return false;
        }
        self.remove(slot, reason);
        true
    }

    /// Removes a live `slot` for `reason` without sweeping.
    pub fn remove_now(&mut self, slot: u32, reason: Reason) {
        self.removed.clear();
        if self.is_live(slot) {
            self.remove(slot, reason);
        }
    }

    /// Sweeps the timer wheel up to `now`; returns how many entries expired.
    pub fn expire_due(&mut self, now: u64) -> u64 {
        self.removed.clear();
        self.sweep(now)
    }

    /// Forgets every entry and returns the memory.
    pub fn clear(&mut self) {
        self.removed.clear();
        self.slots.release();
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
        self.removed = Vec::new();
        self.sketch.release();
        self.reset_regions();
    }

    /// An empty wheel has nothing to sweep, so `now` is not even looked at.
    fn sweep(&mut self, now: u64) -> u64 {
        if self.wheel.is_empty() || now <= self.wheel.time() {
            return 0;
        }
        let mut due = std::mem::take(&mut self.due);
        self.wheel.advance(&mut self.slots, now, &mut due);
        let mut expired = 0;
        for &slot in &due {
            if self.is_expired(slot, now) {
                self.remove(slot, Reason::Expired);
                expired += 1;
            } else {
                self.wheel.schedule(&mut self.slots, slot);
            }
        }
        due.clear();
        self.due = due;
        expired
    }

    fn insert(
        &mut self,
        slot: u32,
        generation: u32,
        hash: u32,
        bytes: u64,
        expires: u64,
        now: u64,
    ) {
        self.slots.ensure(slot);
        let hot = self.slots.hot_mut(slot);
        hot.hash = hash;
        hot.generation = (generation & GENERATION_MASK) as u8;
        hot.region = Region::Window;
        hot.live = true;
        let cold = self.slots.cold_mut(slot);
        cold.bytes = bytes;
        cold.expires = expires;
        cold.wbucket = slots::NO_BUCKET;
        self.count += 1;
        self.bytes += bytes;
        self.attach(slot, Region::Window);
        if expires != 0 {
            self.wheel.catch_up(now);
            self.wheel.schedule(&mut self.slots, slot);
        }
        if self.kind == Policy::TinyLfu {
            if self.total_weight() * 2 >= self.max_weight || self.count * 2 >= self.max_entries {
                let capacity = if self.weighted {
                    self.count
                } else {
                    self.max_entries
                };
                self.sketch.ensure_capacity(capacity);
                self.climber
                    .size(self.max_weight, self.max_entries, capacity, self.weighted);
            }
            self.sketch.increment(hash);
            self.climber.record_miss();
            if self.climber.samples(hash) {
                let weight = self.weight_of(slot);
                self.climber
                    .record_sampled(hash, weight, false, &mut self.sketch);
            }
        }
    }

    fn update(&mut self, slot: u32, bytes: u64, expires: u64, now: u64) {
        let old_weight = self.weight_of(slot);
        let old_bytes = self.slots.cold(slot).bytes;
        let cold = self.slots.cold_mut(slot);
        cold.bytes = bytes;
        cold.expires = expires;
        let region = self.slots.hot(slot).region;
        self.bytes = self.bytes - old_bytes + bytes;
        let new_weight = self.weight_of(slot);
        let region_weight = self.weight_mut(region);
        *region_weight = *region_weight - old_weight + new_weight;
        self.wheel.unschedule(&mut self.slots, slot);
        if expires != 0 {
            self.wheel.catch_up(now);
            self.wheel.schedule(&mut self.slots, slot);
        }
        self.on_access(slot);
    }

    fn weight_mut(&mut self, region: Region) -> &mut u64 {
        match region {
            Region::Window => &mut self.window_weight,
            Region::Probation => &mut self.probation_weight,
            Region::Protected => &mut self.protected_weight,
        }
    }

    /// The slots, the queue of `region` and that queue's weight, borrowed together.
    fn queue_of(&mut self, region: Region) -> (&mut Slots, &mut List, &mut u64) {
        let Self {
            slots,
            window,
            probation,
            protected,
            window_weight,
            probation_weight,
            protected_weight,
            ..
        } = self;
        match region {
            Region::Window => (slots, window, window_weight),
            Region::Probation => (slots, probation, probation_weight),
            Region::Protected => (slots, protected, protected_weight),
        }
    }

    /// Takes an entry out of its policy queue (and that queue's weight).
    fn detach(&mut self, slot: u32) {
        let weight = self.weight_of(slot);
        let region = self.slots.hot(slot).region;
        let (slots, list, total) = self.queue_of(region);
        slots.unlink(Links::Policy, list, slot);
        *total -= weight;
    }

    /// Appends an entry (not in any queue) as the most recent of `region`.
    fn attach(&mut self, slot: u32, region: Region) {
        let weight = self.weight_of(slot);
        let (slots, list, total) = self.queue_of(region);
        slots.push_tail(Links::Policy, list, slot);
        slots.hot_mut(slot).region = region;
        *total += weight;
    }

    /// Moves an entry to the most recent end of `region`.
    fn transfer(&mut self, slot: u32, region: Region) {
        self.detach(slot);
        self.attach(slot, region);
    }

    fn remove(&mut self, slot: u32, reason: Reason) {
        if matches!(reason, Reason::Deleted | Reason::Expired) {
            // LRU would have lost it too: its return is no hit LRU would have had.
            self.climber.forget(self.slots.hot(slot).hash);
        }
        let bytes = self.slots.cold(slot).bytes;
        self.detach(slot);
        self.wheel.unschedule(&mut self.slots, slot);
        self.slots.vacate(slot);
        self.count -= 1;
        self.bytes -= bytes;
        self.removed.push((slot, reason));
    }

    // ----- policy -----

    /// Recency and frequency effects of a hit or an update.
    fn on_access(&mut self, slot: u32) {
        if self.kind == Policy::Lru {
            self.slots.move_to_tail(&mut self.window, slot);
            return;
        }
        let hot = self.slots.hot(slot);
        let region = hot.region;
        self.sketch.increment_later(hot.hash);
        match region {
            Region::Window => self.slots.move_to_tail(&mut self.window, slot),
            Region::Probation => self.promote(slot),
            Region::Protected => self.slots.move_to_tail(&mut self.protected, slot),
        }
    }

    /// Moves a probationary entry to the protected segment (unless it is
    /// heavier than the whole segment).
    fn promote(&mut self, slot: u32) {
        let weight = self.weight_of(slot);
        if weight > self.protected_max {
            self.slots.move_to_tail(&mut self.probation, slot);
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

    /// Removes `slot` for the budget; when it is the entry of the current
    /// write, that write is refused instead.
    fn evict_entry(&mut self, slot: u32, protect: u32, kept: &mut bool) {
        if slot == protect {
            *kept = false;
            self.remove(slot, Reason::Rejected);
        } else {
            self.remove(slot, Reason::Evicted);
        }
    }

    /// Brings the policy back within budget; returns whether `protect` survived.
    fn evict(&mut self, protect: u32) -> bool {
        self.full = self.total_weight() >= self.max_weight - self.max_weight / 32
            || self.count >= self.max_entries;
        let mut kept = true;
        if self.kind == Policy::Lru {
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
                let previous = self.slots.prev(candidate);
                self.evict_entry(candidate, protect, kept);
                candidate = previous;
                candidates -= 1;
                continue;
            }
            if candidate == NIL {
                let next = self.slots.next(victim);
                self.evict_entry(victim, protect, kept);
                victim = next;
                continue;
            }
            if candidate == victim {
                let next = self.slots.next(victim);
                self.evict_entry(victim, protect, kept);
                victim = next;
                candidate = NIL;
                candidates -= 1;
                continue;
            }
            candidates -= 1;
            let candidate_hash = self.slots.hot(candidate).hash;
            let victim_hash = self.slots.hot(victim).hash;
            if self.admit(candidate_hash, victim_hash) {
                let next = self.slots.next(victim);
                self.evict_entry(victim, protect, kept);
                victim = next;
                candidate = self.slots.prev(candidate);
            } else {
                let previous = self.slots.prev(candidate);
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

    /// Asks the climber how to move the window (after every write) and
    /// applies its answer; demotes protected overflow first, as Caffeine does
    /// in every maintenance run.
    fn climb(&mut self) {
        if self.kind != Policy::TinyLfu {
            return;
        }
        let amount = self.climber.adapt(&ClimbInput {
            window_max: self.window_max,
            window_weight: self.window_weight,
            probation_weight: self.probation_weight,
            protected_weight: self.protected_weight,
            max_weight: self.max_weight,
            sample_size: self.sketch.sample_size(),
            full: self.full,
        });
        self.demote_protected();
        if amount > 0 {
            self.increase_window(amount as u64);
        } else if amount < 0 {
            self.decrease_window(amount.unsigned_abs());
        }
    }

    /// The probation segment's share of the budget while the window is
    /// small enough to leave it: what the initial sizes give it (20% of the
    /// main space). Only a window larger than the rest takes it too.
    fn probation_share(&self) -> u64 {
        let main = self.max_weight - self.max_weight.div_ceil(100);
        main.div_ceil(5)
    }

    /// Sets the window's maximum; the protected segment gets what the window
    /// and the probation share leave.
    fn set_window_max(&mut self, window_max: u64) {
        self.window_max = window_max;
        self.protected_max = (self.max_weight - window_max).saturating_sub(self.probation_share());
    }

    /// Grows the window by up to `amount` (up to the whole budget, where
    /// W-TinyLFU is LRU), moving main's least recent entries into it; what
    /// could not be moved is given back.
    fn increase_window(&mut self, amount: u64) {
        let room = self.max_weight - self.window_max;
        if room == 0 {
            return;
        }
        let mut quota = amount.min(room);
        self.set_window_max(self.window_max + quota);
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
        self.set_window_max(self.window_max - quota);
    }

    /// Shrinks the window by up to `amount` (keeping at least one unit),
    /// moving its least recent entries to probation; what could not be moved
    /// is given back.
    fn decrease_window(&mut self, amount: u64) {
        if self.window_max <= 1 {
            return;
        }
        let mut quota = amount.min(self.window_max - 1);
        self.set_window_max(self.window_max - quota);
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
        self.set_window_max(self.window_max + quota);
    }

    /// The policy state, for differential tests against the JS twin: window
    /// max, protected max, window/probation/protected weights, then the
    /// climber's state (`Climber::state`).
    pub fn state(&self) -> [f64; STATE_LEN] {
        let mut out = [0.0; STATE_LEN];
        out[..5].copy_from_slice(&[
            self.window_max as f64,
            self.protected_max as f64,
            self.window_weight as f64,
            self.probation_weight as f64,
            self.protected_weight as f64,
        ]);
        out[5..].copy_from_slice(&self.climber.state());
        out
    }

    /// The region of a live entry (tests).
    pub fn region(&self, slot: u32) -> Option<Region> {
        self.slots.live(slot).map(|h| h.region)
    }

    /// Estimated frequency of a key hash (tests).
    pub fn frequency(&mut self, hash: u32) -> u32 {
        self.sketch.frequency(hash)
    }

    /// Verifies the bookkeeping against the lists (tests only).
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
                let h = *self.slots.hot(slot);
                assert!(h.live);
                assert_eq!(h.region, region);
                assert_eq!(self.slots.prev(slot), prev);
                sum += self.weight_of(slot);
                bytes += self.slots.cold(slot).bytes;
                count += 1;
                prev = slot;
                slot = self.slots.next(slot);
            }
            assert_eq!(list.tail, prev);
            assert_eq!(sum, weight, "{region:?} weight");
        }
        assert_eq!(count, self.count);
        assert_eq!(bytes, self.bytes);
        assert!(!self.over_budget());
    }
}
