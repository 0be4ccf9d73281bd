//! Binding of the batch accumulator (`tiercache_core::batch`). The hot calls
//! (one per chunk of staged loads, a few per batch) are raw Node-API functions
//! reached through `batchFastPaths()`; see `raw_call.rs` for why.

use std::cell::RefCell;
use std::ffi::CStr;

use napi::bindgen_prelude::{Env, Unknown};
use napi::sys;
use napi_derive::napi;
use tiercache_core::batch::{limit_from_f64, Accumulator, Limits, Oversize, SealReason};
use tiercache_core::Error;

use crate::error::{map_error, Code};
use crate::handles::{self, Handles};
use crate::raw_call::{
    args, float64_array_arg, number_arg, object_of_functions, respond, utf16_arg, RawCallback, Ret,
};

// Spelled `Result<T, Code>` rather than `NodeResult<T>`: napi-derive
// recognises a fallible export by the last path segment being `Result`.
type Result<T> = napi::Result<T, Code>;

struct Entry {
    accumulator: Accumulator,
    text: Vec<u16>,
}

thread_local! {
    /// The accumulators of this thread, reached by handle from the raw calls.
    static REGISTRY: RefCell<Handles<Entry>> = RefCell::new(Handles::default());
}

fn insert(entry: Entry) -> std::result::Result<f64, Error> {
    handles::insert(&REGISTRY, entry, "batch accumulator")
}

fn remove(handle: f64) {
    handles::remove(&REGISTRY, handle);
}

fn with_entry<T>(
    handle: f64,
    f: impl FnOnce(&mut Entry) -> std::result::Result<T, Error>,
) -> std::result::Result<T, Error> {
    handles::with(&REGISTRY, handle, "batch accumulator", f)
}

/// Batch accumulators alive on this thread (created and not yet collected),
/// for leak tests: a dropped accumulator frees its slot once its finalizer ran.
#[napi]
pub fn batch_accumulator_count() -> u32 {
    REGISTRY.with(|cell| {
        cell.try_borrow()
            .map_or(0, |registry| registry.live() as u32)
    })
}

/// The native accumulator of a `BatchProcessor`: slots, dedupe, byte
/// accounting, flush triggers, queued caps and in-flight bookkeeping. It owns
/// the state reached through `handle` by the functions of `batchFastPaths()`;
/// the state is freed when this object is collected. Private to tiercache
/// (`ts/batch/native-accumulator.ts` wraps it).
#[napi]
pub struct NativeBatchAccumulator {
    handle: f64,
}

impl Drop for NativeBatchAccumulator {
    fn drop(&mut self) {
        remove(self.handle);
    }
}

#[napi]
impl NativeBatchAccumulator {
    /// Limits are positive safe integers or `Infinity` (unlimited).
    #[napi(constructor)]
    pub fn new(
        max_batch_size: u32,
        max_batch_bytes: f64,
        max_queued: f64,
        max_queued_bytes: f64,
        max_in_flight: f64,
        dedupe: bool,
        reject_oversize: bool,
    ) -> Result<Self> {
        let limits = Limits {
            max_batch_size,
            max_batch_bytes: limit_from_f64(max_batch_bytes, "maxBatchBytes").map_err(map_error)?,
            max_queued: limit_from_f64(max_queued, "maxQueued").map_err(map_error)?,
            max_queued_bytes: limit_from_f64(max_queued_bytes, "maxQueuedBytes")
                .map_err(map_error)?,
            max_in_flight: limit_from_f64(max_in_flight, "maxInFlight").map_err(map_error)?,
            dedupe,
            oversize: if reject_oversize {
                Oversize::Reject
            } else {
                Oversize::Alone
            },
        };
        let accumulator = Accumulator::new(limits).map_err(map_error)?;
        let handle = insert(Entry {
            accumulator,
            text: Vec::new(),
        })
        .map_err(map_error)?;
        Ok(Self { handle })
    }

    /// The handle the functions of `batchFastPaths()` take first.
    #[napi(getter)]
    pub fn handle(&self) -> f64 {
        self.handle
    }

    /// Removes one aborted load from `slot` of queued batch `seq`; true when the slot died.
    #[napi(catch_unwind)]
    pub fn release(&self, seq: f64, slot: u32) -> Result<bool> {
        with_entry(self.handle, |e| e.accumulator.release(seq as u64, slot)).map_err(map_error)
    }

    /// Drops every batch not started; returns the number of loads dropped.
    #[napi]
    pub fn clear(&self) -> Result<f64> {
        with_entry(self.handle, |e| Ok(e.accumulator.clear() as f64)).map_err(map_error)
    }

    /// Counters and levels, in the order of `STATS_FIELDS` in tiercache-core.
    #[napi]
    pub fn stats(&self) -> Result<Vec<f64>> {
        with_entry(self.handle, |e| Ok(e.accumulator.stats().to_vec())).map_err(map_error)
    }
}

unsafe extern "C" fn raw_ingest(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle, text, stage, count] = args::<4>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let count = number_arg(env, count, "count")?;
            if !(count >= 0.0 && count.fract() == 0.0 && count <= f64::from(u32::MAX)) {
                return Err(Error::invalid_argument(format!(
                    "count must be a non-negative integer, got {count}"
                )));
            }
            let stage = float64_array_arg(env, stage, "stage")?;
            with_entry(handle, |e| {
                utf16_arg(env, text, "text", &mut e.text)?;
                e.accumulator.ingest(&e.text, stage, count as usize)
            })?;
            Ok(Ret::Undefined)
        })
    }
}

unsafe extern "C" fn raw_seal(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle, reason] = args::<2>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            let reason = number_arg(env, reason, "reason")?;
            let reason = SealReason::from_index(if (0.0..16.0).contains(&reason) {
                reason as u32
            } else {
                16
            })?;
            Ok(Ret::Bool(with_entry(handle, |e| {
                Ok(e.accumulator.seal(reason))
            })?))
        })
    }
}

unsafe extern "C" fn raw_start_next(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle] = args::<1>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            Ok(Ret::Number(with_entry(handle, |e| {
                Ok(e.accumulator.start_next() as f64)
            })?))
        })
    }
}

unsafe extern "C" fn raw_complete(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        respond(env, || {
            let [handle] = args::<1>(env, info)?;
            let handle = number_arg(env, handle, "handle")?;
            with_entry(handle, |e| e.accumulator.complete())?;
            Ok(Ret::Undefined)
        })
    }
}

const FAST_PATHS: [(&CStr, RawCallback); 4] = [
    (c"ingest", raw_ingest),
    (c"seal", raw_seal),
    (c"startNext", raw_start_next),
    (c"complete", raw_complete),
];

/// The hot calls of `NativeBatchAccumulator`, as raw Node-API functions that
/// take its `handle` first: `ingest` decides a chunk of staged loads, `seal`
/// seals the open batch, `startNext` starts the oldest sealed batch (-1 none
/// may start, 0 it was empty, else its live keys), `complete` records that a
/// started batch settled.
#[napi(
    ts_return_type = "{ ingest(handle: number, text: string, stage: Float64Array, count: number): void; seal(handle: number, reason: number): boolean; startNext(handle: number): number; complete(handle: number): void }"
)]
pub fn batch_fast_paths(env: &Env) -> napi::Result<Unknown<'_>> {
    let object = unsafe { object_of_functions(env.raw(), &FAST_PATHS)? };
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), object) })
}
