//! The cache functions behind LocalCache. Arguments arrive already validated
//! by the TypeScript facade (ts/local/local-cache.ts) and its native adapter
//! (ts/local/native-store.ts); this layer converts them, calls
//! `tiercache_core::cache::Cache`, and converts back.

use std::collections::VecDeque;
use std::sync::Arc;

use napi::bindgen_prelude::{External, Int32Array, Uint8Array, Unknown};
use napi::{Env, JsValue};
use napi_derive::napi;
use tiercache_core::cache::{self, Cache, CacheConfig, Policy, Ttl, MAX_TTL_MS};
use tiercache_core::{Error, ErrorKind};

use crate::convert::{self, with_utf16, Bytes, Key, RawValue, Text};
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

fn ttl_core(ttl: f64) -> std::result::Result<u64, Error> {
    if ttl >= 0.0 && ttl <= MAX_TTL_MS as f64 && ttl.fract() == 0.0 {
        Ok(ttl as u64)
    } else {
        Err(Error::invalid_argument(format!(
            "ttlMs must be an integer between 0 and {MAX_TTL_MS}, got {ttl}"
        )))
    }
}

fn ttl_ms(ttl: f64) -> Result<u64> {
    ttl_core(ttl).map_err(map_error)
}

/// `getInto` result: no live entry.
const MISS: i32 = -1;
/// `getInto` result: the value did not fit in the arena; `takePending()` has it.
const PENDING: i32 = -2;

fn string_or_null(env: &Env, value: Option<&[u8]>) -> napi::Result<RawValue> {
    match value {
        None => convert::null(env.raw()),
        Some(bytes) => convert::utf8_string(env.raw(), bytes),
    }
}

/// Copies `bytes` into the arena at `pos` when they fit (returning their
/// length), else queues them for `takePending()`.
fn place(arena: &mut [u8], pos: usize, bytes: &[u8], pending: &mut VecDeque<Vec<u8>>) -> i32 {
    match arena.get_mut(pos..pos + bytes.len()) {
        Some(dst) if bytes.len() <= i32::MAX as usize => {
            dst.copy_from_slice(bytes);
            bytes.len() as i32
        }
        _ => {
            pending.push_back(bytes.to_vec());
            PENDING
        }
    }
}

fn invalid(message: &str) -> napi::Error<crate::error::Code> {
    map_error(Error::invalid_argument(message))
}

/// The state behind one JavaScript handle of a cache: the cache (shared by
/// every handle of a shared cache) and the arena this thread's handle
/// copies values into. Opaque to JavaScript (declared so that the handle
/// type `ExternalObject<CacheHandle>` resolves).
#[napi]
pub struct CacheHandle {
    inner: Arc<Cache>,
    arena: Option<Uint8Array>,
    lens: Option<Int32Array>,
    pending: VecDeque<Vec<u8>>,
}

impl CacheHandle {
    fn new(inner: Arc<Cache>) -> External<CacheHandle> {
        External::new(CacheHandle {
            inner,
            arena: None,
            lens: None,
            pending: VecDeque::new(),
        })
    }

    /// `cacheGetInto`: a counted read into the arena.
    pub(crate) fn get_into(&mut self, key: &Key, pos: u32) -> i32 {
        self.read_into(key, pos as usize, true)
    }

    /// `cacheSetFromArena`: stores the `len` bytes at `pos` in the arena.
    pub(crate) fn set_from_arena(
        &mut self,
        key: &Key,
        pos: u32,
        len: u32,
        ttl: f64,
    ) -> std::result::Result<bool, Error> {
        let (pos, len) = (pos as usize, len as usize);
        let CacheHandle { inner, arena, .. } = self;
        // SAFETY: the arena is only touched during calls on this thread.
        let arena: &[u8] = arena.as_mut().map_or(&[], |a| unsafe { a.as_mut() });
        let value = arena
            .get(pos..pos + len)
            .ok_or_else(|| Error::invalid_argument("value range outside the arena"))?;
        if key.is_ill_formed() {
            return Err(Error::invalid_argument(
                "key must be a well-formed Unicode string (no lone surrogates)",
            ));
        }
        inner.set(key.as_str(), value, ttl_core(ttl)?)
    }

    fn read_into(&mut self, key: &Key, pos: usize, counted: bool) -> i32 {
        let Self {
            inner,
            arena,
            pending,
            ..
        } = self;
        if key.is_ill_formed() {
            if counted {
                inner.record_misses(1);
            }
            return MISS;
        }
        // SAFETY: the arena is only touched during calls on this thread.
        let arena: &mut [u8] = arena.as_mut().map_or(&mut [], |a| unsafe { a.as_mut() });
        let place_value = |v: Option<&[u8]>| v.map_or(MISS, |b| place(arena, pos, b, pending));
        if counted {
            inner.get_with(key.as_str(), place_value)
        } else {
            inner.peek_with(key.as_str(), place_value)
        }
    }

    fn read_string(&self, env: &Env, key: &Key, counted: bool) -> napi::Result<RawValue> {
        if key.is_ill_formed() {
            if counted {
                self.inner.record_misses(1);
            }
            return convert::null(env.raw());
        }
        let to_js = |v: Option<&[u8]>| string_or_null(env, v);
        if counted {
            self.inner.get_with(key.as_str(), to_js)
        } else {
            self.inner.peek_with(key.as_str(), to_js)
        }
    }

    fn write(&self, key: &Key, value: &[u8], ttl: f64) -> Result<bool> {
        write(&self.inner, key, value, ttl)
    }

    fn delete(&self, key: &Key) -> bool {
        !key.is_ill_formed() && self.inner.delete(key.as_str())
    }
}

fn write(cache: &Cache, key: &Key, value: &[u8], ttl: f64) -> Result<bool> {
    if key.is_ill_formed() {
        return Err(invalid(
            "key must be a well-formed Unicode string (no lone surrogates)",
        ));
    }
    cache
        .set(key.as_str(), value, ttl_ms(ttl)?)
        .map_err(map_error)
}

// The cache is exposed as free functions over an External handle rather than
// as a napi class: napi_unwrap on every method call costs ~200 ns, more than
// a cache lookup, while reading an External costs a pointer load.

/// Creates a private cache; a budget of 0 means "not set". Values cross the
/// boundary through an arena the caller attaches (see `cacheAttach`).
#[napi]
pub fn cache_create(
    max_entries: f64,
    max_bytes: f64,
    policy: String,
    shards: u32,
    manual_clock: bool,
) -> Result<External<CacheHandle>> {
    let cfg = config(max_entries, max_bytes, &policy, shards, manual_clock)?;
    Ok(CacheHandle::new(Arc::new(
        Cache::new(cfg).map_err(map_error)?,
    )))
}

/// A handle on the process-wide cache `name`, shared by every thread that
/// asks for it with the same options.
#[napi]
pub fn cache_shared(
    name: String,
    max_entries: f64,
    max_bytes: f64,
    policy: String,
    shards: u32,
    manual_clock: bool,
) -> Result<External<CacheHandle>> {
    let cfg = config(max_entries, max_bytes, &policy, shards, manual_clock)?;
    Ok(CacheHandle::new(
        cache::shared(&name, cfg).map_err(map_error)?,
    ))
}

/// Forgets the shared cache `name`; existing handles keep working.
#[napi]
pub fn cache_delete_shared(name: String) -> bool {
    cache::delete_shared(&name)
}

/// Attaches the arena values are copied into and the Int32Array that carries
/// `cacheGetManyInto` key and value lengths. A read copies a value into the
/// arena and returns only its length, so the caller builds a Buffer view
/// (~0.1 us) instead of N-API allocating one (~1.7 us).
#[napi]
pub fn cache_attach(handle: &mut External<CacheHandle>, arena: Uint8Array, lens: Int32Array) {
    handle.arena = Some(arena);
    handle.lens = Some(lens);
}

/// Looks a key up (counting a hit or miss) and copies the value into the
/// arena at `pos`: returns its length, -1 for a miss, -2 when it did not fit
/// (then `cacheTakePending` returns it).
#[napi(ts_args_type = "handle: ExternalObject<CacheHandle>, key: string, pos: number")]
pub fn cache_get_into(handle: &mut External<CacheHandle>, key: Key, pos: u32) -> i32 {
    handle.get_into(&key, pos)
}

/// Like `cacheGetInto`, without policy or statistics effects.
#[napi(ts_args_type = "handle: ExternalObject<CacheHandle>, key: string, pos: number")]
pub fn cache_peek_into(handle: &mut External<CacheHandle>, key: Key, pos: u32) -> i32 {
    handle.read_into(&key, pos as usize, false)
}

/// The oldest value that did not fit in the arena, as a new Buffer.
#[napi(ts_return_type = "Buffer")]
pub fn cache_take_pending(env: &Env, handle: &mut External<CacheHandle>) -> Result<RawValue> {
    let bytes = handle
        .pending
        .pop_front()
        .ok_or_else(|| map_error(Error::new(ErrorKind::InvalidState, "no value is pending")))?;
    convert::buffer_copy(env.raw(), &bytes)
        .map_err(|e| map_error(Error::new(ErrorKind::InvalidState, e.reason)))
}

/// Looks up `count` keys given as one string (`keys.join('')`) with their
/// UTF-16 lengths in the attached Int32Array: one crossing for the whole
/// batch. Values are copied into the arena one after another from `pos`; each
/// length slot is overwritten with the value's length, -1 (miss) or -2
/// (pending). Returns the arena position after the last value.
#[napi(
    ts_args_type = "handle: ExternalObject<CacheHandle>, joined: string, count: number, pos: number"
)]
pub fn cache_get_many_into(
    env: &Env,
    handle: &mut External<CacheHandle>,
    joined: Unknown,
    count: u32,
    pos: u32,
) -> Result<u32> {
    let CacheHandle {
        inner,
        arena,
        lens,
        pending,
    } = &mut **handle;
    // SAFETY: the arena and lengths are only touched during calls on this thread.
    let arena: &mut [u8] = arena.as_mut().map_or(&mut [], |a| unsafe { a.as_mut() });
    let lens: &mut [i32] = lens.as_mut().map_or(&mut [], |l| unsafe { l.as_mut() });
    let count = count as usize;
    if count > lens.len() {
        return Err(invalid("count exceeds the attached lengths"));
    }
    let batch = |units: &[u16]| -> Result<u32> {
        let mut pos = pos as usize;
        let mut start = 0usize;
        for slot in lens.iter_mut().take(count) {
            let end = start + usize::try_from(*slot).map_err(|_| invalid("negative key length"))?;
            let part = units
                .get(start..end)
                .ok_or_else(|| invalid("key lengths exceed the joined string"))?;
            start = end;
            let key = Key::from_utf16(part);
            *slot = if key.is_ill_formed() {
                inner.record_misses(1);
                MISS
            } else {
                inner.get_with(key.as_str(), |v| {
                    v.map_or(MISS, |b| place(arena, pos, b, pending))
                })
            };
            if *slot > 0 {
                pos += *slot as usize;
            }
        }
        Ok(pos as u32)
    };
    // SAFETY: `env` and `joined` are valid for this call.
    unsafe { with_utf16(env.raw(), joined.raw(), batch) }.map_err(|e| invalid(&e.reason))?
}

/// The value decoded as UTF-8, or null; counts a hit or miss.
#[napi(
    ts_args_type = "handle: ExternalObject<CacheHandle>, key: string",
    ts_return_type = "string | null"
)]
pub fn cache_get_string(
    env: &Env,
    handle: &External<CacheHandle>,
    key: Key,
) -> napi::Result<RawValue> {
    handle.read_string(env, &key, true)
}

/// Like `cacheGetString`, without policy or statistics effects.
#[napi(
    ts_args_type = "handle: ExternalObject<CacheHandle>, key: string",
    ts_return_type = "string | null"
)]
pub fn cache_peek_string(
    env: &Env,
    handle: &External<CacheHandle>,
    key: Key,
) -> napi::Result<RawValue> {
    handle.read_string(env, &key, false)
}

/// Whether a live entry exists.
#[napi(ts_args_type = "handle: ExternalObject<CacheHandle>, key: string")]
pub fn cache_has(handle: &External<CacheHandle>, key: Key) -> bool {
    !key.is_ill_formed() && handle.inner.has(key.as_str())
}

/// Remaining milliseconds; `Infinity` when the entry never expires, -1 when absent.
#[napi(ts_args_type = "handle: ExternalObject<CacheHandle>, key: string")]
pub fn cache_ttl(handle: &External<CacheHandle>, key: Key) -> f64 {
    if key.is_ill_formed() {
        return -1.0;
    }
    match handle.inner.ttl(key.as_str()) {
        Ttl::Absent => -1.0,
        Ttl::Never => f64::INFINITY,
        Ttl::Remaining(ms) => ms as f64,
    }
}

/// Stores bytes for `ttlMs` (0: no expiry); whether the entry is stored afterwards.
#[napi(
    ts_args_type = "handle: ExternalObject<CacheHandle>, key: string, value: Uint8Array, ttlMs: number"
)]
pub fn cache_set(handle: &External<CacheHandle>, key: Key, value: Bytes, ttl: f64) -> Result<bool> {
    handle.write(&key, value.as_slice(), ttl)
}

/// Stores the `len` bytes at `pos` in the arena, where the caller copied
/// them (cheaper than passing a Uint8Array).
#[napi(
    ts_args_type = "handle: ExternalObject<CacheHandle>, key: string, pos: number, len: number, ttlMs: number"
)]
pub fn cache_set_from_arena(
    handle: &mut External<CacheHandle>,
    key: Key,
    pos: u32,
    len: u32,
    ttl: f64,
) -> Result<bool> {
    handle
        .set_from_arena(&key, pos, len, ttl)
        .map_err(map_error)
}

/// Stores a string as UTF-8 for `ttlMs` (0: no expiry).
#[napi(
    ts_args_type = "handle: ExternalObject<CacheHandle>, key: string, value: string, ttlMs: number"
)]
pub fn cache_set_string(
    handle: &External<CacheHandle>,
    key: Key,
    value: Text,
    ttl: f64,
) -> Result<bool> {
    handle.write(&key, value.as_bytes(), ttl)
}

/// Removes a key; whether a live entry was removed.
#[napi(ts_args_type = "handle: ExternalObject<CacheHandle>, key: string")]
pub fn cache_delete(handle: &External<CacheHandle>, key: Key) -> bool {
    handle.delete(&key)
}

/// Removes `keys`; how many live entries were removed.
#[napi(ts_args_type = "handle: ExternalObject<CacheHandle>, keys: string[]")]
pub fn cache_delete_many(handle: &External<CacheHandle>, keys: Vec<Key>) -> u32 {
    keys.iter().filter(|k| handle.delete(k)).count() as u32
}

/// Removes every entry and frees its memory; statistics are kept.
#[napi]
pub fn cache_clear(handle: &External<CacheHandle>) {
    handle.inner.clear();
}

/// Number of stored entries (expired ones count until removed).
#[napi]
pub fn cache_size(handle: &External<CacheHandle>) -> f64 {
    handle.inner.len() as f64
}

/// Accounted bytes: key + value + the fixed per-entry overhead.
#[napi]
pub fn cache_bytes(handle: &External<CacheHandle>) -> f64 {
    handle.inner.bytes() as f64
}

/// The counters.
#[napi]
pub fn cache_stats(handle: &External<CacheHandle>) -> NativeCacheStats {
    let s = handle.inner.stats();
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
pub fn cache_reset_stats(handle: &External<CacheHandle>) {
    handle.inner.reset_stats();
}

/// Keys of live entries, shard by shard, most recently used first per region.
#[napi]
pub fn cache_keys(handle: &External<CacheHandle>) -> Vec<String> {
    handle.inner.keys()
}

/// Moves a manual clock forward by `ms`.
#[napi]
pub fn cache_advance(handle: &External<CacheHandle>, ms: f64) -> Result<()> {
    handle.inner.advance(ttl_ms(ms)?).map_err(map_error)
}

/// Milliseconds on the cache's clock.
#[napi]
pub fn cache_now(handle: &External<CacheHandle>) -> f64 {
    handle.inner.now() as f64
}

/// Removes expired entries the timer wheel has reached; how many.
#[napi]
pub fn cache_purge_expired(handle: &External<CacheHandle>) -> f64 {
    handle.inner.purge_expired() as f64
}

/// Policy state of every shard, for the differential test against the JS twin.
#[napi]
pub fn cache_policy_state(handle: &External<CacheHandle>) -> Vec<f64> {
    handle.inner.policy_state()
}
