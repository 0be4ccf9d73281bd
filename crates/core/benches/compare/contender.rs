//! The caches under comparison behind one small trait, each built from the
//! same budget. Values are bytes everywhere: tiercache copies them into its
//! own boxed slices and lends them to a closure; quick_cache and moka hand
//! out a clone of the stored value on every hit, so they store `Arc<[u8]>`
//! (a refcount bump per hit instead of a 100-byte allocation and copy).

use std::sync::Arc;

use tiercache_core::cache::{Cache, CacheConfig, Policy, ENTRY_OVERHEAD_BYTES};

/// Bytes the peers store per value.
pub type Value = Arc<[u8]>;

/// How much a cache may hold.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// At most this many entries.
    Entries(u64),
    /// At most this many bytes, counted as key + value + tiercache's fixed
    /// per-entry overhead in all three caches; `estimated_entries` sizes the
    /// peers' tables.
    Bytes { bytes: u64, estimated_entries: u64 },
}

/// One cache implementation, driven through the same cache-aside loop.
pub trait Contender: Send + Sync {
    /// Looks `key` up; on a hit reads the value as a caller would (its length
    /// and first byte) and returns that digest.
    fn lookup(&self, key: &str) -> Option<usize>;
    /// Looks `key` up without policy effects (no recency, frequency or
    /// statistics change): brings the cache's memory back into the CPU
    /// caches after another contender's turn, without changing its state.
    fn touch(&self, key: &str) -> bool;
    /// Stores the value loaded after a miss.
    fn store(&self, key: &str, value: &[u8]);
    /// Applies deferred policy work (moka buffers it) before a timed phase.
    fn settle(&self) {}
    /// Entries held now.
    fn entries(&self) -> u64;
}

fn digest(value: &[u8]) -> usize {
    value.len() + usize::from(value.first().copied().unwrap_or(0))
}

/// The weight all three caches give an entry under a byte budget.
pub fn entry_weight(key: &str, value: &[u8]) -> u64 {
    key.len() as u64 + value.len() as u64 + ENTRY_OVERHEAD_BYTES
}

/// A tiercache with `shards` shards; `manual_clock` takes the clock read
/// out of every call (a diagnostic: such a cache's TTLs never run out).
pub fn tiercache(policy: Policy, budget: Budget, shards: u32, manual_clock: bool) -> Cache {
    let (max_entries, max_bytes) = match budget {
        Budget::Entries(n) => (Some(n), None),
        Budget::Bytes { bytes, .. } => (None, Some(bytes)),
    };
    Cache::new(CacheConfig {
        max_entries,
        max_bytes,
        policy,
        shards,
        manual_clock,
    })
    .expect("bench cache config is valid")
}

impl Contender for Cache {
    fn lookup(&self, key: &str) -> Option<usize> {
        self.get_with(key, |value| value.map(digest))
    }

    fn touch(&self, key: &str) -> bool {
        self.peek_with(key, |value| value.map(digest)).is_some()
    }

    fn store(&self, key: &str, value: &[u8]) {
        self.set(key, value, 0).expect("bench keys are valid");
    }

    fn entries(&self) -> u64 {
        self.len()
    }
}

/// quick_cache's weigher for byte budgets.
#[derive(Debug, Clone, Copy)]
pub struct ByteWeighter;

impl quick_cache::Weighter<String, Value> for ByteWeighter {
    fn weight(&self, key: &String, value: &Value) -> u64 {
        entry_weight(key, value)
    }
}

/// quick_cache's sync cache counting entries (its default shard count).
pub type QuickUnit = quick_cache::sync::Cache<String, Value>;
/// quick_cache's sync cache counting bytes.
pub type QuickBytes = quick_cache::sync::Cache<String, Value, ByteWeighter>;

/// quick_cache with an entry budget.
pub fn quick_unit(entries: u64) -> QuickUnit {
    QuickUnit::new(entries as usize)
}

/// quick_cache with a byte budget.
pub fn quick_bytes(bytes: u64, estimated_entries: u64) -> QuickBytes {
    QuickBytes::with_weighter(estimated_entries as usize, bytes, ByteWeighter)
}

impl<W> Contender for quick_cache::sync::Cache<String, Value, W>
where
    W: quick_cache::Weighter<String, Value> + Clone + Send + Sync,
{
    fn lookup(&self, key: &str) -> Option<usize> {
        self.get(key).map(|value| digest(&value))
    }

    fn touch(&self, key: &str) -> bool {
        self.peek(key).map(|value| digest(&value)).is_some()
    }

    fn store(&self, key: &str, value: &[u8]) {
        self.insert(key.to_owned(), Value::from(value));
    }

    fn entries(&self) -> u64 {
        self.len() as u64
    }
}

/// moka's sync cache (one segment, its default SipHash hasher).
pub type Moka = moka::sync::Cache<String, Value>;

/// moka with the given eviction policy and budget.
pub fn moka(policy: Policy, budget: Budget) -> Moka {
    let eviction = match policy {
        Policy::TinyLfu => moka::policy::EvictionPolicy::tiny_lfu(),
        Policy::Lru => moka::policy::EvictionPolicy::lru(),
    };
    let builder = Moka::builder().eviction_policy(eviction);
    match budget {
        Budget::Entries(n) => builder.max_capacity(n).build(),
        Budget::Bytes { bytes, .. } => builder
            .max_capacity(bytes)
            .weigher(|key: &String, value: &Value| {
                u32::try_from(entry_weight(key, value)).unwrap_or(u32::MAX)
            })
            .build(),
    }
}

impl Contender for Moka {
    fn lookup(&self, key: &str) -> Option<usize> {
        self.get(key).map(|value| digest(&value))
    }

    fn touch(&self, key: &str) -> bool {
        // moka has no peek returning the value; `contains_key` leaves the
        // popularity estimator alone.
        self.contains_key(key)
    }

    fn store(&self, key: &str, value: &[u8]) {
        self.insert(key.to_owned(), Value::from(value));
    }

    fn settle(&self) {
        self.run_pending_tasks();
    }

    fn entries(&self) -> u64 {
        self.entry_count()
    }
}
