//! LocalCache's native policy: a `tiercache_core::policy::SlotPolicy` fed
//! by the JS index (ts/local/) through three typed arrays that JS allocates
//! and attaches once (the protocol of ts/policy/protocol.ts): the hit ring,
//! the numeric arguments, and the removed slots. Only numbers cross; the hot
//! calls are raw Node-API functions (`policyFastPaths()`, see raw_call.rs).

use std::cell::RefCell;
use std::ffi::CStr;

use napi::bindgen_prelude::{Env, Float64Array, Int32Array, Unknown};
use napi::sys;
use napi_derive::napi;
use tiercache_core::policy::{Budget, Policy, Reason, SlotPolicy};
use tiercache_core::Error;

use crate::error::{map_error, Code};
use crate::handles::{self, Handles};
use crate::raw_call::{args, number_arg, object_of_functions, respond, RawCallback, Ret};

// Spelled `Result<T, Code>`: napi-derive recognises a fallible export by
// the last path segment being `Result`.
type Result<T> = napi::Result<T, Code>;

/// io layout (ts/policy/protocol.ts).
const IO_SLOT: usize = 0;
const IO_GENERATION: usize = 1;
const IO_HASH: usize = 2;
const IO_BYTES: usize = 3;
const IO_EXPIRES: usize = 4;
const IO_NOW: usize = 5;
const IO_REASON: usize = 6;
const IO_TOTAL_BYTES: usize = 7;
const IO_LENGTH: usize = 8;

struct Entry {
    policy: SlotPolicy,
    ring: Int32Array,
    io: Float64Array,
    out: Int32Array,
    /// The next pair of `policy.removed()` to page into `out`.
    cursor: usize,
}

impl Entry {
    fn drain(&mut self, pending: usize) -> std::result::Result<(), Error> {
        if pending == 0 {
            return Ok(());
        }
        // SAFETY: the ring is only touched during calls on this thread.
        let ring: &[i32] = unsafe { self.ring.as_mut() };
        let pairs = ring
            .get(..pending * 2)
            .ok_or_else(|| Error::invalid_argument("pending exceeds the hit ring"))?;
        self.policy.drain(pairs);
        Ok(())
    }

    fn io(&mut self) -> &mut [f64] {
        // SAFETY: the io array is only touched during calls on this thread,
        // and its length was checked when it was attached.
        unsafe { self.io.as_mut() }
    }

    /// Pages the first removals into `out`; returns `removed * 2 + flag`.
    fn report(&mut self, flag: bool) -> f64 {
        self.cursor = 0;
        let total = self.policy.removed().len();
        self.more();
        let bytes = self.policy.bytes() as f64;
        self.io()[IO_TOTAL_BYTES] = bytes;
        (total * 2) as f64 + f64::from(u8::from(flag))
    }

    fn more(&mut self) -> usize {
        let Self {
            policy,
            out,
            cursor,
            ..
        } = self;
        // SAFETY: the out array is only touched during calls on this thread.
        let out: &mut [i32] = unsafe { out.as_mut() };
        let rest = &policy.removed()[*cursor..];
        let n = rest.len().min(out.len() / 2);
        for (i, &(slot, reason)) in rest[..n].iter().enumerate() {
            out[2 * i] = slot as i32;
            out[2 * i + 1] = reason as i32;
        }
        *cursor += n;
        n
    }
}

/// A slot number or generation from JS (an int32 or uint32 in a double).
fn slot_of(x: f64, name: &str) -> std::result::Result<u32, Error> {
    if x.fract() == 0.0 && (-2_147_483_648.0..4_294_967_296.0).contains(&x) {
        Ok(x as i64 as u32)
    } else {
        Err(Error::invalid_argument(format!(
            "{name} must be a 32-bit integer, got {x}"
        )))
    }
}

/// A size or time from JS: a non-negative safe integer.
fn count_of(x: f64, name: &str) -> std::result::Result<u64, Error> {
    if x.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&x) {
        Ok(x as u64)
    } else {
        Err(Error::invalid_argument(format!(
            "{name} must be a non-negative integer, got {x}"
        )))
    }
}

fn reason_of(x: f64) -> std::result::Result<Reason, Error> {
    match x as i64 {
        0 if x == 0.0 => Ok(Reason::Evicted),
        1 if x == 1.0 => Ok(Reason::Expired),
        2 if x == 2.0 => Ok(Reason::Rejected),
        3 if x == 3.0 => Ok(Reason::Deleted),
        _ => Err(Error::invalid_argument(format!(
            "reason must be 0, 1, 2 or 3, got {x}"
        ))),
    }
}

thread_local! {
    /// The policies of this thread, reached by handle from the raw calls.
    static POLICIES: RefCell<Handles<Entry>> = RefCell::new(Handles::default());
}

fn with_entry<T>(
    handle: f64,
    f: impl FnOnce(&mut Entry) -> std::result::Result<T, Error>,
) -> std::result::Result<T, Error> {
    handles::with(&POLICIES, handle, "cache policy", f)
}

/// The native policy of one LocalCache. It owns the state reached through
/// `handle` by the functions of `policyFastPaths()`; the state is freed
/// when this object is collected. Private to tiercache
/// (`ts/policy/native-port.ts` wraps it).
#[napi]
pub struct NativePolicy {
    handle: f64,
}

impl Drop for NativePolicy {
    fn drop(&mut self) {
        handles::remove(&POLICIES, self.handle);
    }
}

#[napi]
impl NativePolicy {
    /// `kind` is 'tinylfu' or 'lru'; a byte budget of 0 means none. The
    /// typed arrays are the protocol's ring, io and out arrays.
    #[napi(constructor)]
    pub fn new(
        kind: String,
        max_entries: f64,
        max_bytes: f64,
        now: f64,
        ring: Int32Array,
        io: Float64Array,
        out: Int32Array,
    ) -> Result<Self> {
        let build = || -> std::result::Result<f64, Error> {
            let kind = match kind.as_str() {
                "tinylfu" => Policy::TinyLfu,
                "lru" => Policy::Lru,
                other => {
                    return Err(Error::invalid_argument(format!(
                        "policy must be 'tinylfu' or 'lru', got {other:?}"
                    )))
                }
            };
            let max_entries = count_of(max_entries, "maxEntries")?.max(1);
            let max_bytes = count_of(max_bytes, "maxBytes")?;
            if io.len() < IO_LENGTH || !ring.len().is_multiple_of(2) || out.len() < 2 {
                return Err(Error::invalid_argument(
                    "ring, io and out must be sized as ts/policy/protocol.ts says",
                ));
            }
            let budget = Budget {
                max_entries,
                max_bytes: (max_bytes > 0).then_some(max_bytes),
            };
            handles::insert(
                &POLICIES,
                Entry {
                    policy: SlotPolicy::new(kind, budget, 0, count_of(now, "now")?),
                    ring,
                    io,
                    out,
                    cursor: 0,
                },
                "cache",
            )
        };
        Ok(Self {
            handle: build().map_err(map_error)?,
        })
    }

    /// The handle the functions of `policyFastPaths()` take first.
    #[napi(getter)]
    pub fn handle(&self) -> f64 {
        self.handle
    }

    /// Forgets every entry.
    #[napi]
    pub fn clear(&self) -> Result<()> {
        with_entry(self.handle, |e| {
            e.policy.clear();
            e.io()[IO_TOTAL_BYTES] = 0.0;
            Ok(())
        })
        .map_err(map_error)
    }

    /// Applies `pending` recorded hits, then lists the live, unexpired slots
    /// per region, most recently used first.
    #[napi(catch_unwind)]
    pub fn order(&self, pending: u32, now: f64) -> Result<Vec<u32>> {
        with_entry(self.handle, |e| {
            e.drain(pending as usize)?;
            let mut out = Vec::with_capacity(e.policy.len() as usize);
            e.policy.order(count_of(now, "now")?, &mut out);
            Ok(out)
        })
        .map_err(map_error)
    }

    /// The policy state (see `SlotPolicy::state`).
    #[napi]
    pub fn state(&self) -> Result<Vec<f64>> {
        with_entry(self.handle, |e| Ok(e.policy.state().to_vec())).map_err(map_error)
    }
}

fn pending_arg(env: sys::napi_env, value: sys::napi_value) -> std::result::Result<usize, Error> {
    let pending = unsafe { number_arg(env, value, "pending")? };
    Ok(count_of(pending, "pending")? as usize)
}

unsafe extern "C" fn raw_drain(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle, pending] = args::<2>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let pending = pending_arg(env, pending)?;
            with_entry(handle, |e| e.drain(pending))?;
            Ok(Ret::Undefined)
        })
    }
}

unsafe extern "C" fn raw_write(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle, pending] = args::<2>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let pending = pending_arg(env, pending)?;
            let result = with_entry(handle, |e| {
                e.drain(pending)?;
                let io = e.io();
                let slot = slot_of(io[IO_SLOT], "slot")?;
                let generation = slot_of(io[IO_GENERATION], "generation")?;
                let hash = slot_of(io[IO_HASH], "hash")?;
                let bytes = count_of(io[IO_BYTES], "bytes")?;
                let expires = count_of(io[IO_EXPIRES], "expires")?;
                let now = count_of(io[IO_NOW], "now")?;
                let kept = e.policy.write(slot, generation, hash, bytes, expires, now);
                Ok(e.report(kept))
            })?;
            Ok(Ret::Number(result))
        })
    }
}

unsafe extern "C" fn raw_delete(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle, pending] = args::<2>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let pending = pending_arg(env, pending)?;
            let result = with_entry(handle, |e| {
                e.drain(pending)?;
                let io = e.io();
                let slot = slot_of(io[IO_SLOT], "slot")?;
                let reason = reason_of(io[IO_REASON])?;
                let now = count_of(io[IO_NOW], "now")?;
                let removed = e.policy.delete(slot, reason, now);
                Ok(e.report(removed))
            })?;
            Ok(Ret::Number(result))
        })
    }
}

unsafe extern "C" fn raw_purge(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle, pending] = args::<2>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let pending = pending_arg(env, pending)?;
            let result = with_entry(handle, |e| {
                e.drain(pending)?;
                let now = count_of(e.io()[IO_NOW], "now")?;
                e.policy.expire_due(now);
                Ok(e.report(false))
            })?;
            Ok(Ret::Number(result))
        })
    }
}

unsafe extern "C" fn raw_more(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle] = args::<1>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let n = with_entry(handle, |e| Ok(e.more()))?;
            Ok(Ret::Number(n as f64))
        })
    }
}

const FAST_PATHS: [(&CStr, RawCallback); 5] = [
    (c"drain", raw_drain),
    (c"write", raw_write),
    (c"delete", raw_delete),
    (c"purge", raw_purge),
    (c"more", raw_more),
];

/// The hot calls of `NativePolicy`, as raw Node-API functions that take its
/// `handle` and the number of pending recorded hits (applied first):
/// `drain`; `write`, `delete` and `purge` (arguments in the io array,
/// result `removed * 2 + flag`, removed pairs paged into `out`); `more`
/// pages the next removals.
#[napi(
    ts_return_type = "{ drain(handle: number, pending: number): void; write(handle: number, pending: number): number; delete(handle: number, pending: number): number; purge(handle: number, pending: number): number; more(handle: number): number }"
)]
pub fn policy_fast_paths(env: &Env) -> napi::Result<Unknown<'_>> {
    let object = unsafe { object_of_functions(env.raw(), &FAST_PATHS)? };
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), object) })
}
