//! `NativeCache`: the napi class behind LocalCache. Arguments arrive already
//! validated by the TypeScript facade (ts/local/local-cache.ts); this layer
//! converts them, calls `tiercache_core::cache::Cache`, and converts back.

use std::sync::Arc;

use napi::bindgen_prelude::Array;
use napi::Env;
use napi_derive::napi;
use tiercache_core::cache::{self, Cache, CacheConfig, Policy, Ttl, MAX_TTL_MS};
use tiercache_core::Error;

use crate::convert::{self, Bytes, Key, RawValue, Text};
use crate::error::{map_error, Result};

/// Counters of a cache since creation or the last `resetStats()`.
#[napi(object)]
pub struct NativeCacheStats {
    /// Lookups (`get`, `getMany` keys) that found a live entry.
    pub hits: f64,
    /// Lookups that found nothing or an expired entry.
    pub misses: f64,
    /// `set` calls that stored their entry.
    pub sets: f64,
    /// Entries removed to respect the entry or byte budget.
    pub evictions: f64,
    /// Entries removed because their TTL passed.
    pub expirations: f64,
    /// `set` calls that did not store their entry.
    pub rejections: f64,
}

fn config(
    max_entries: f64,
    max_bytes: f64,
    policy: &str,
    shards: u32,
    manual_clock: bool,
) -> Result<CacheConfig> {
    let count = |v: f64| (v > 0.0).then_some(v as u64);
    let policy = match policy {
        "tinylfu" => Policy::TinyLfu,
        "lru" => Policy::Lru,
        other => {
            return Err(map_error(Error::invalid_argument(format!(
                "options.policy must be one of 'tinylfu', 'lru', got {other:?}"
            ))))
        }
    };
    Ok(CacheConfig {
        max_entries: count(max_entries),
        max_bytes: count(max_bytes),
        policy,
        shards,
        manual_clock,
    })
}

fn ttl_ms(ttl: f64) -> Result<u64> {
    if ttl >= 0.0 && ttl <= MAX_TTL_MS as f64 && ttl.fract() == 0.0 {
        Ok(ttl as u64)
    } else {
        Err(map_error(Error::invalid_argument(format!(
            "ttlMs must be an integer between 0 and {MAX_TTL_MS}, got {ttl}"
        ))))
    }
}

fn value_or_null(env: &Env, value: Option<&[u8]>, as_string: bool) -> napi::Result<RawValue> {
    match value {
        None => convert::null(env.raw()),
        Some(bytes) if as_string => convert::utf8_string(env.raw(), bytes),
        Some(bytes) => convert::buffer_copy(env.raw(), bytes),
    }
}

/// A sharded W-TinyLFU/LRU cache of byte values under string keys, held in
/// native memory. Used through `LocalCache`, which validates every argument.
#[napi]
pub struct NativeCache {
    inner: Arc<Cache>,
}

#[napi]
impl NativeCache {
    /// Creates a private cache. A budget of 0 means "not set".
    #[napi(constructor)]
    pub fn new(
        max_entries: f64,
        max_bytes: f64,
        policy: String,
        shards: u32,
        manual_clock: bool,
    ) -> Result<Self> {
        let cfg = config(max_entries, max_bytes, &policy, shards, manual_clock)?;
        Ok(Self {
            inner: Arc::new(Cache::new(cfg).map_err(map_error)?),
        })
    }

    /// The process-wide cache `name`, shared by every thread that asks for it
    /// with the same options.
    #[napi(factory)]
    pub fn shared(
        name: String,
        max_entries: f64,
        max_bytes: f64,
        policy: String,
        shards: u32,
        manual_clock: bool,
    ) -> Result<Self> {
        let cfg = config(max_entries, max_bytes, &policy, shards, manual_clock)?;
        Ok(Self {
            inner: cache::shared(&name, cfg).map_err(map_error)?,
        })
    }

    /// Forgets the shared cache `name`; existing handles keep working.
    #[napi]
    pub fn delete_shared(name: String) -> bool {
        cache::delete_shared(&name)
    }

    /// The value as a new Buffer, or null; counts a hit or miss.
    #[napi(ts_args_type = "key: string", ts_return_type = "Buffer | null")]
    pub fn get(&self, env: &Env, key: Key) -> napi::Result<RawValue> {
        self.read(env, &key, true, false)
    }

    /// The value decoded as UTF-8, or null; counts a hit or miss.
    #[napi(ts_args_type = "key: string", ts_return_type = "string | null")]
    pub fn get_string(&self, env: &Env, key: Key) -> napi::Result<RawValue> {
        self.read(env, &key, true, true)
    }

    /// Like `get`, without policy or statistics effects.
    #[napi(ts_args_type = "key: string", ts_return_type = "Buffer | null")]
    pub fn peek(&self, env: &Env, key: Key) -> napi::Result<RawValue> {
        self.read(env, &key, false, false)
    }

    /// Like `getString`, without policy or statistics effects.
    #[napi(ts_args_type = "key: string", ts_return_type = "string | null")]
    pub fn peek_string(&self, env: &Env, key: Key) -> napi::Result<RawValue> {
        self.read(env, &key, false, true)
    }

    fn read(&self, env: &Env, key: &Key, counted: bool, as_string: bool) -> napi::Result<RawValue> {
        if key.is_ill_formed() {
            if counted {
                self.inner.record_misses(1);
            }
            return convert::null(env.raw());
        }
        let to_js = |v: Option<&[u8]>| value_or_null(env, v, as_string);
        if counted {
            self.inner.get_with(key.as_str(), to_js)
        } else {
            self.inner.peek_with(key.as_str(), to_js)
        }
    }

    /// Whether a live entry exists.
    #[napi(ts_args_type = "key: string")]
    pub fn has(&self, key: Key) -> bool {
        !key.is_ill_formed() && self.inner.has(key.as_str())
    }

    /// Remaining milliseconds; `Infinity` when the entry never expires, -1 when absent.
    #[napi(ts_args_type = "key: string")]
    pub fn ttl(&self, key: Key) -> f64 {
        if key.is_ill_formed() {
            return -1.0;
        }
        match self.inner.ttl(key.as_str()) {
            Ttl::Absent => -1.0,
            Ttl::Never => f64::INFINITY,
            Ttl::Remaining(ms) => ms as f64,
        }
    }

    /// Stores bytes for `ttlMs` (0: no expiry); whether the entry is stored afterwards.
    #[napi(ts_args_type = "key: string, value: Uint8Array, ttlMs: number")]
    pub fn set(&self, key: Key, value: Bytes, ttl: f64) -> Result<bool> {
        self.write(&key, value.as_slice(), ttl)
    }

    /// Stores a string as UTF-8 for `ttlMs` (0: no expiry).
    #[napi(ts_args_type = "key: string, value: string, ttlMs: number")]
    pub fn set_string(&self, key: Key, value: Text, ttl: f64) -> Result<bool> {
        self.write(&key, value.as_bytes(), ttl)
    }

    fn write(&self, key: &Key, value: &[u8], ttl: f64) -> Result<bool> {
        if key.is_ill_formed() {
            return Err(map_error(Error::invalid_argument(
                "key must be a well-formed Unicode string (no lone surrogates)",
            )));
        }
        let ttl = ttl_ms(ttl)?;
        self.inner.set(key.as_str(), value, ttl).map_err(map_error)
    }

    /// Removes a key; whether a live entry was removed.
    #[napi(ts_args_type = "key: string")]
    pub fn delete(&self, key: Key) -> bool {
        !key.is_ill_formed() && self.inner.delete(key.as_str())
    }

    /// Removes every entry and frees its memory; statistics are kept.
    #[napi]
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// Values (Buffer or null) for `keys`, in order, in one crossing.
    #[napi(
        ts_args_type = "keys: string[]",
        ts_return_type = "Array<Buffer | null>"
    )]
    pub fn get_many(&self, env: &Env, keys: Array) -> napi::Result<RawValue> {
        let len = keys.len();
        let out = convert::array(env.raw(), len as usize)?;
        for i in 0..len {
            let key: Key = keys
                .get(i)?
                .ok_or_else(|| napi::Error::from_reason("keys must be strings"))?;
            let value = self.read(env, &key, true, false)?;
            convert::set_element(env.raw(), &out, i, value)?;
        }
        Ok(out)
    }

    /// Removes `keys`; how many live entries were removed.
    #[napi(ts_args_type = "keys: string[]")]
    pub fn delete_many(&self, keys: Vec<Key>) -> u32 {
        keys.iter().filter(|k| self.delete_key(k)).count() as u32
    }

    fn delete_key(&self, key: &Key) -> bool {
        !key.is_ill_formed() && self.inner.delete(key.as_str())
    }

    /// Number of stored entries (expired ones count until removed).
    #[napi]
    pub fn size(&self) -> f64 {
        self.inner.len() as f64
    }

    /// Accounted bytes: key + value + the fixed per-entry overhead.
    #[napi]
    pub fn bytes(&self) -> f64 {
        self.inner.bytes() as f64
    }

    /// The counters.
    #[napi]
    pub fn stats(&self) -> NativeCacheStats {
        let s = self.inner.stats();
        NativeCacheStats {
            hits: s.hits as f64,
            misses: s.misses as f64,
            sets: s.sets as f64,
            evictions: s.evictions as f64,
            expirations: s.expirations as f64,
            rejections: s.rejections as f64,
        }
    }

    /// Zeroes the counters.
    #[napi]
    pub fn reset_stats(&self) {
        self.inner.reset_stats();
    }

    /// Keys of live entries, shard by shard, most recently used first per region.
    #[napi]
    pub fn keys(&self) -> Vec<String> {
        self.inner.keys()
    }

    /// Moves a manual clock forward by `ms`.
    #[napi]
    pub fn advance(&self, ms: f64) -> Result<()> {
        self.inner.advance(ttl_ms(ms)?).map_err(map_error)
    }

    /// Milliseconds on the cache's clock.
    #[napi]
    pub fn now(&self) -> f64 {
        self.inner.now() as f64
    }

    /// Removes expired entries the timer wheel has reached; how many.
    #[napi]
    pub fn purge_expired(&self) -> f64 {
        self.inner.purge_expired() as f64
    }

    /// Policy state of every shard, for the differential test against the JS twin.
    #[napi]
    pub fn policy_state(&self) -> Vec<f64> {
        self.inner.policy_state()
    }
}
