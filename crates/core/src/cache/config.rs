//! Validated configuration of a cache and how its budgets split over shards.

use crate::error::{Error, Result};
use crate::policy::{Budget, Policy};

/// Bytes accounted per entry on top of its key and value: the slot, the
/// hash-table bucket, list links and allocation headers, rounded up. Fixed
/// and documented so that `bytes` is predictable and the same in both
/// implementations.
pub const ENTRY_OVERHEAD_BYTES: u64 = 96;
/// Most entries a cache may hold (V8's Map limit, so the JS twin can hold as many).
pub const MAX_ENTRIES: u64 = 1 << 24;
/// Largest byte budget (256 TiB): keeps all weight arithmetic exact in f64.
pub const MAX_BYTES: u64 = 1 << 48;
/// Most shards a cache may have.
pub const MAX_SHARDS: u32 = 1024;
/// Longest key, in UTF-16 code units (JavaScript `key.length`).
pub const MAX_KEY_LENGTH: usize = 16384;
/// Largest TTL and expiry time in milliseconds (2^53 - 1, JavaScript's safe integers).
pub const MAX_TTL_MS: u64 = (1 << 53) - 1;

/// The options of a cache, as given by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Entry budget; `None` means only the byte budget (and [`MAX_ENTRIES`]) applies.
    pub max_entries: Option<u64>,
    /// Byte budget over key + value + [`ENTRY_OVERHEAD_BYTES`] per entry.
    pub max_bytes: Option<u64>,
    /// Eviction policy.
    pub policy: Policy,
    /// Number of shards, a power of two; each gets an equal share of the budgets.
    pub shards: u32,
    /// Whether time only moves through `Cache::advance` (deterministic tests).
    pub manual_clock: bool,
}

impl CacheConfig {
    /// A config with an entry budget and otherwise the defaults.
    pub fn with_max_entries(max_entries: u64) -> Self {
        Self {
            max_entries: Some(max_entries),
            max_bytes: None,
            policy: Policy::TinyLfu,
            shards: 1,
            manual_clock: false,
        }
    }

    /// Checks the config, with the same rules (and messages) as the TypeScript facade.
    pub fn validate(&self) -> Result<()> {
        if self.max_entries.is_none() && self.max_bytes.is_none() {
            return Err(Error::invalid_argument(
                "options must set maxEntries, maxBytes or both",
            ));
        }
        if let Some(n) = self.max_entries {
            if !(1..=MAX_ENTRIES).contains(&n) {
                return Err(Error::invalid_argument(format!(
                    "options.maxEntries must be between 1 and {MAX_ENTRIES}, got {n}"
                )));
            }
        }
        if let Some(n) = self.max_bytes {
            if !(1..=MAX_BYTES).contains(&n) {
                return Err(Error::invalid_argument(format!(
                    "options.maxBytes must be between 1 and {MAX_BYTES}, got {n}"
                )));
            }
        }
        if !self.shards.is_power_of_two() || self.shards > MAX_SHARDS {
            return Err(Error::invalid_argument(format!(
                "options.shards must be a power of two between 1 and {MAX_SHARDS}, got {}",
                self.shards
            )));
        }
        if let Some(n) = self.max_entries {
            if u64::from(self.shards) > n {
                return Err(Error::invalid_argument(format!(
                    "options.shards must not exceed options.maxEntries ({n}), got {}",
                    self.shards
                )));
            }
        }
        Ok(())
    }

    /// log2 of the shard count.
    pub fn shard_bits(&self) -> u32 {
        self.shards.trailing_zeros()
    }

    /// The budgets of shard `index`: the totals split evenly, the remainder
    /// going one unit each to the first shards.
    pub fn shard_budget(&self, index: u32) -> ShardBudget {
        let split = |total: u64| {
            let n = u64::from(self.shards);
            total / n + u64::from(u64::from(index) < total % n)
        };
        ShardBudget {
            max_entries: split(self.max_entries.unwrap_or(MAX_ENTRIES)),
            max_bytes: self.max_bytes.map(split),
        }
    }
}

/// The budgets of one shard.
pub type ShardBudget = Budget;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_split_exactly_over_shards() {
        let mut c = CacheConfig::with_max_entries(10);
        c.max_bytes = Some(1001);
        c.shards = 4;
        let budgets: Vec<_> = (0..4).map(|i| c.shard_budget(i)).collect();
        assert_eq!(budgets.iter().map(|b| b.max_entries).sum::<u64>(), 10);
        assert_eq!(
            budgets.iter().map(|b| b.max_bytes.unwrap()).sum::<u64>(),
            1001
        );
        assert_eq!(budgets[0].max_entries, 3);
        assert_eq!(budgets[3].max_entries, 2);
    }

    #[test]
    fn validation_names_the_option() {
        let mut c = CacheConfig::with_max_entries(0);
        assert!(c.validate().unwrap_err().message.contains("maxEntries"));
        c.max_entries = Some(4);
        c.shards = 3;
        assert!(c.validate().unwrap_err().message.contains("shards"));
        c.shards = 8;
        assert!(c
            .validate()
            .unwrap_err()
            .message
            .contains("must not exceed"));
        c.max_entries = None;
        assert!(c.validate().is_err());
        c.max_bytes = Some(1 << 20);
        assert!(c.validate().is_ok());
    }
}
