//! The off-heap cache (OffHeapCache's core): string keys, byte values held
//! outside the V8 heap, sharded, with the slot policy of `crate::policy`
//! (adaptive W-TinyLFU or LRU, TTLs swept by a timer wheel, entry and byte
//! budgets that are never exceeded). Thread-safe: every shard has its own lock.

mod clock;
mod config;
mod hash;
mod registry;
mod shard;
mod stats;

use std::sync::{Mutex, MutexGuard};

pub use crate::policy::Policy;
pub use config::{
    CacheConfig, ShardBudget, ENTRY_OVERHEAD_BYTES, MAX_BYTES, MAX_ENTRIES, MAX_KEY_LENGTH,
    MAX_SHARDS, MAX_TTL_MS,
};
pub use hash::{fmix32, hash_key, shard_of};
pub use registry::{delete_shared, shared};
pub use shard::Ttl;
pub use stats::CacheStats;

use crate::error::{Error, Result};
use clock::{Clock, Now};
use shard::Shard;

/// A sharded in-process cache of byte values under string keys.
#[derive(Debug)]
pub struct Cache {
    shards: Box<[Mutex<Shard>]>,
    shard_bits: u32,
    clock: Clock,
    config: CacheConfig,
}

impl Cache {
    /// Creates a cache; fails when the config is invalid.
    pub fn new(config: CacheConfig) -> Result<Self> {
        config.validate()?;
        let clock = Clock::new(config.manual_clock);
        let now = clock.now();
        let shards = (0..config.shards)
            .map(|i| {
                Mutex::new(Shard::new(
                    i as usize,
                    config.shard_budget(i),
                    config.policy,
                    now,
                ))
            })
            .collect();
        Ok(Self {
            shards,
            shard_bits: config.shard_bits(),
            clock,
            config,
        })
    }

    /// The config the cache was created with.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    fn lock(&self, index: usize) -> MutexGuard<'_, Shard> {
        // A panic while a shard is locked cannot leave it half-updated in a way
        // that matters more than refusing service forever, so poisoning is ignored.
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn shard_for(&self, key: &str) -> (MutexGuard<'_, Shard>, u32) {
        let hash = hash_key(key.as_bytes());
        (self.lock(shard_of(hash, self.shard_bits)), hash)
    }

    /// The current time of the cache's clock, in milliseconds.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Looks a key up, counting a hit or miss and updating the policy, and
    /// passes the value (if live) to `f` while the shard is locked.
    pub fn get_with<R>(&self, key: &str, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
        let now = Now::new(&self.clock);
        let (mut shard, hash) = self.shard_for(key);
        match shard.get(key, hash, &now) {
            Some(slot) => f(Some(shard.value(slot))),
            None => f(None),
        }
    }

    /// Like [`Cache::get_with`] but without policy or statistics effects.
    pub fn peek_with<R>(&self, key: &str, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
        let now = Now::new(&self.clock);
        let (mut shard, hash) = self.shard_for(key);
        match shard.peek(key, hash, &now) {
            Some(slot) => f(Some(shard.value(slot))),
            None => f(None),
        }
    }

    /// Returns a copy of the value, counting a hit or miss.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.get_with(key, |v| v.map(<[u8]>::to_vec))
    }

    /// Counts `n` lookups of keys that cannot be stored at all (a JavaScript
    /// string with a lone surrogate) as misses.
    pub fn record_misses(&self, n: u64) {
        self.lock(0).stats.misses += n;
    }

    /// Whether a live entry exists (no policy or statistics effects).
    pub fn has(&self, key: &str) -> bool {
        self.peek_with(key, |v| v.is_some())
    }

    /// The remaining lifetime of a key.
    pub fn ttl(&self, key: &str) -> Ttl {
        let now = Now::new(&self.clock);
        let (mut shard, hash) = self.shard_for(key);
        shard.ttl(key, hash, &now)
    }

    /// Stores `value` under `key` for `ttl_ms` milliseconds (0: no expiry).
    /// Returns whether the entry is in the cache afterwards: false when it is
    /// larger than its shard's byte budget or the admission policy refused it
    /// (a refused update removes the previous value).
    pub fn set(&self, key: &str, value: &[u8], ttl_ms: u64) -> Result<bool> {
        check_key(key)?;
        if ttl_ms > MAX_TTL_MS {
            return Err(Error::invalid_argument(format!(
                "ttlMs must be between 0 and {MAX_TTL_MS}, got {ttl_ms}"
            )));
        }
        let now = Now::new(&self.clock);
        let (mut shard, hash) = self.shard_for(key);
        Ok(shard.set(key, hash, value, ttl_ms, &now))
    }

    /// Removes a key; true when a live entry was removed.
    pub fn delete(&self, key: &str) -> bool {
        let now = Now::new(&self.clock);
        let (mut shard, hash) = self.shard_for(key);
        shard.delete(key, hash, &now)
    }

    /// Removes every entry and frees their memory; statistics are kept.
    pub fn clear(&self) {
        for i in 0..self.shards.len() {
            self.lock(i).clear();
        }
    }

    /// Removes every expired entry the timer wheel has come to; returns how many.
    pub fn purge_expired(&self) -> u64 {
        let now = Now::new(&self.clock);
        (0..self.shards.len())
            .map(|i| self.lock(i).expire_due(&now))
            .sum()
    }

    /// Number of entries (expired entries count until they are removed).
    pub fn len(&self) -> u64 {
        (0..self.shards.len()).map(|i| self.lock(i).len()).sum()
    }

    /// Whether the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Accounted bytes: key + value + [`ENTRY_OVERHEAD_BYTES`] per entry.
    pub fn bytes(&self) -> u64 {
        (0..self.shards.len()).map(|i| self.lock(i).bytes()).sum()
    }

    /// Counters summed over the shards.
    pub fn stats(&self) -> CacheStats {
        let mut total = CacheStats::default();
        for i in 0..self.shards.len() {
            total.add(&self.lock(i).stats);
        }
        total
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) {
        for i in 0..self.shards.len() {
            self.lock(i).stats = CacheStats::default();
        }
    }

    /// The keys of live entries: shard by shard, and within a shard by region
    /// (window, probation, protected), most recently used first.
    pub fn keys(&self) -> Vec<String> {
        let now = self.now();
        let mut out = Vec::new();
        for i in 0..self.shards.len() {
            self.lock(i).keys(now, &mut out);
        }
        out
    }

    /// Moves a manual clock forward; an error for a cache on the system clock.
    pub fn advance(&self, ms: u64) -> Result<()> {
        if self.clock.advance(ms) {
            Ok(())
        } else {
            Err(Error::invalid_argument(
                "advance() needs a cache created with clock: 'manual'",
            ))
        }
    }

    /// The policy state of every shard (see `Shard::policy_state`), for
    /// differential tests against the JS twin.
    pub fn policy_state(&self) -> Vec<f64> {
        (0..self.shards.len())
            .flat_map(|i| self.lock(i).policy_state())
            .collect()
    }

    /// Verifies every shard's bookkeeping (tests only).
    #[cfg(test)]
    fn check_invariants(&self) {
        for i in 0..self.shards.len() {
            self.lock(i).check_invariants();
        }
    }
}

/// Rejects keys the facade would reject: empty, or longer than the limit.
fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_argument("key must not be empty"));
    }
    // UTF-16 units never outnumber UTF-8 bytes, so count them only when needed.
    if key.len() > MAX_KEY_LENGTH && key.encode_utf16().count() > MAX_KEY_LENGTH {
        return Err(Error::invalid_argument(format!(
            "key must be at most {MAX_KEY_LENGTH} characters long"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
