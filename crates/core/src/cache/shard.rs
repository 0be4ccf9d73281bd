//! One shard of the off-heap cache: a hash table from key to slot, the
//! keys and values by slot (one allocation each), and the slot policy that
//! makes every eviction, expiry and admission decision. The JS twin
//! (ts/offheap/js/shard.ts) mirrors the order of operations here.

use hashbrown::HashTable;

use super::clock::Now;
use super::config::{ENTRY_OVERHEAD_BYTES, MAX_TTL_MS};
use super::stats::CacheStats;
use crate::policy::{Budget, Policy, Reason, SlotPolicy, STATE_LEN};

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

/// No slot (for `collect_removed`).
const NOT_A_SLOT: u32 = u32::MAX;

fn table_hash(hash: u32) -> u64 {
    let x = u64::from(hash).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 32)
}

/// Keys and values by slot: key bytes followed by value bytes in one block.
#[derive(Debug, Default)]
struct Store {
    data: Vec<Box<[u8]>>,
    key_len: Vec<u32>,
    free: Vec<u32>,
}

impl Store {
    fn insert(&mut self, key: &str, value: &[u8]) -> u32 {
        let mut block = Vec::with_capacity(key.len() + value.len());
        block.extend_from_slice(key.as_bytes());
        block.extend_from_slice(value);
        let block = block.into_boxed_slice();
        match self.free.pop() {
            Some(slot) => {
                self.data[slot as usize] = block;
                self.key_len[slot as usize] = key.len() as u32;
                slot
            }
            None => {
                self.data.push(block);
                self.key_len.push(key.len() as u32);
                (self.data.len() - 1) as u32
            }
        }
    }

    fn set_value(&mut self, slot: u32, value: &[u8]) {
        let i = slot as usize;
        let key_len = self.key_len[i] as usize;
        let mut block = Vec::with_capacity(key_len + value.len());
        block.extend_from_slice(&self.data[i][..key_len]);
        block.extend_from_slice(value);
        self.data[i] = block.into_boxed_slice();
    }

    fn free(&mut self, slot: u32) {
        self.data[slot as usize] = Box::new([]);
        self.free.push(slot);
    }

    fn key_bytes(&self, slot: u32) -> &[u8] {
        let i = slot as usize;
        &self.data[i][..self.key_len[i] as usize]
    }

    fn key(&self, slot: u32) -> &str {
        // Stored from a &str, so always valid UTF-8.
        std::str::from_utf8(self.key_bytes(slot)).unwrap_or("")
    }

    fn value(&self, slot: u32) -> &[u8] {
        let i = slot as usize;
        &self.data[i][self.key_len[i] as usize..]
    }
}

#[derive(Debug)]
pub(crate) struct Shard {
    table: HashTable<u32>,
    store: Store,
    policy: SlotPolicy,
    pub(crate) stats: CacheStats,
}

impl Shard {
    pub(crate) fn new(index: usize, budget: Budget, policy: Policy, now: u64) -> Self {
        Self {
            table: HashTable::new(),
            store: Store::default(),
            policy: SlotPolicy::new(policy, budget, index, now),
            stats: CacheStats::default(),
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.policy.len()
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.policy.bytes()
    }

    pub(crate) fn value(&self, slot: u32) -> &[u8] {
        self.store.value(slot)
    }

    fn is_expired(&self, slot: u32, now: &Now) -> bool {
        let expires = self.policy.expires(slot);
        expires != 0 && expires <= now.get()
    }

    fn find(&self, key: &str, hash: u32) -> Option<u32> {
        let store = &self.store;
        self.table
            .find(table_hash(hash), |&slot| {
                store.key_bytes(slot) == key.as_bytes()
            })
            .copied()
    }

    /// The time for a policy call: read only when some entry has a TTL (an
    /// empty timer wheel never looks at it).
    fn policy_now(&self, now: &Now) -> u64 {
        if self.policy.has_timers() {
            now.get()
        } else {
            0
        }
    }

    /// Frees the keys and values of the slots the last policy call removed,
    /// and counts them. `unindexed` is a slot not (yet) in the table.
    fn collect_removed(&mut self, unindexed: u32) {
        for &(slot, reason) in self.policy.removed() {
            if slot != unindexed {
                let hash = self.policy.hash(slot);
                if let Ok(found) = self.table.find_entry(table_hash(hash), |&s| s == slot) {
                    found.remove();
                }
            }
            self.store.free(slot);
            match reason {
                Reason::Evicted => self.stats.evictions += 1,
                Reason::Expired => self.stats.expirations += 1,
                Reason::Rejected | Reason::Deleted => {}
            }
        }
    }

    /// Finds a live entry, removing it (as expired) when its time has passed.
    fn find_live(&mut self, key: &str, hash: u32, now: &Now) -> Option<u32> {
        let slot = self.find(key, hash)?;
        if self.is_expired(slot, now) {
            self.policy.remove_now(slot, Reason::Expired);
            self.collect_removed(NOT_A_SLOT);
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
                self.policy.hit(slot);
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
            Some(slot) => match self.policy.expires(slot) {
                0 => Ttl::Never,
                expires => Ttl::Remaining(expires - now.get()),
            },
        }
    }

    /// Appends the keys of live entries: per region (window, probation,
    /// protected), most recently used first.
    pub(crate) fn keys(&self, now: u64, out: &mut Vec<String>) {
        let mut order = Vec::new();
        self.policy.order(now, &mut order);
        out.extend(order.iter().map(|&slot| self.store.key(slot).to_string()));
    }

    // ----- writes -----

    /// Stores a value; returns whether the entry is in the shard afterwards.
    pub(crate) fn set(&mut self, key: &str, hash: u32, value: &[u8], ttl: u64, now: &Now) -> bool {
        let bytes = key.len() as u64 + value.len() as u64 + ENTRY_OVERHEAD_BYTES;
        let mut existing = self.find(key, hash);
        if let Some(slot) = existing {
            if self.is_expired(slot, now) {
                self.policy.remove_now(slot, Reason::Expired);
                self.collect_removed(NOT_A_SLOT);
                existing = None;
            }
        }
        let expires = if ttl == 0 {
            0
        } else {
            now.get().saturating_add(ttl).min(MAX_TTL_MS)
        };
        let now_ms = if ttl != 0 {
            now.get()
        } else {
            self.policy_now(now)
        };
        let kept = match existing {
            Some(slot) => {
                self.store.set_value(slot, value);
                let kept = self.policy.write(slot, 0, hash, bytes, expires, now_ms);
                self.collect_removed(NOT_A_SLOT);
                kept
            }
            None => {
                let slot = self.store.insert(key, value);
                let kept = self.policy.write(slot, 0, hash, bytes, expires, now_ms);
                if kept {
                    let policy = &self.policy;
                    self.table
                        .insert_unique(table_hash(hash), slot, |&s| table_hash(policy.hash(s)));
                }
                self.collect_removed(slot);
                kept
            }
        };
        if kept {
            self.stats.sets += 1;
        } else {
            self.stats.rejections += 1;
        }
        kept
    }

    /// Removes a key; true when a live entry was removed.
    pub(crate) fn delete(&mut self, key: &str, hash: u32, now: &Now) -> bool {
        let Some(slot) = self.find(key, hash) else {
            self.expire_due(now);
            return false;
        };
        let reason = if self.is_expired(slot, now) {
            Reason::Expired
        } else {
            Reason::Deleted
        };
        let now_ms = self.policy_now(now);
        self.policy.delete(slot, reason, now_ms);
        self.collect_removed(NOT_A_SLOT);
        reason == Reason::Deleted
    }

    /// Removes every entry and returns the memory; statistics are kept.
    pub(crate) fn clear(&mut self) {
        self.table = HashTable::new();
        self.store = Store::default();
        self.policy.clear();
    }

    /// Sweeps the timer wheel up to `now`; returns how many entries expired.
    /// An empty wheel has nothing to sweep, so the clock is not even read.
    pub(crate) fn expire_due(&mut self, now: &Now) -> u64 {
        if !self.policy.has_timers() {
            return 0;
        }
        let expired = self.policy.expire_due(now.get());
        self.collect_removed(NOT_A_SLOT);
        expired
    }

    /// The policy state (see `SlotPolicy::state`).
    pub(crate) fn policy_state(&self) -> [f64; STATE_LEN] {
        self.policy.state()
    }

    /// Verifies the bookkeeping against the table (tests only).
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        self.policy.check_invariants();
        assert_eq!(self.table.len() as u64, self.policy.len());
        for &slot in self.table.iter() {
            assert!(self.policy.is_live(slot));
            assert_eq!(
                self.find(self.store.key(slot), self.policy.hash(slot)),
                Some(slot)
            );
        }
    }
}
