//! Counters of a cache; each shard keeps its own and `Cache::stats` sums them.

/// Operation counters since creation or the last `reset_stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// `get` calls (and `get_many` keys) that found a live entry.
    pub hits: u64,
    /// `get` calls (and `get_many` keys) that found nothing or an expired entry.
    pub misses: u64,
    /// `set` calls that stored their entry.
    pub sets: u64,
    /// Entries removed to respect the entry or byte budget.
    pub evictions: u64,
    /// Entries removed because their TTL passed.
    pub expirations: u64,
    /// `set` calls that did not store their entry (too large for the budget,
    /// or refused by the admission policy within the same call).
    pub rejections: u64,
}

impl CacheStats {
    pub(crate) fn add(&mut self, other: &CacheStats) {
        self.hits += other.hits;
        self.misses += other.misses;
        self.sets += other.sets;
        self.evictions += other.evictions;
        self.expirations += other.expirations;
        self.rejections += other.rejections;
    }
}
