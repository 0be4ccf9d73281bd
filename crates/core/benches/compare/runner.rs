//! The timed cache-aside loop: look the key up; on a miss "load" the value
//! and store it. A warm-up phase runs first (single-threaded, untimed), then
//! the timed phase in slices; with several threads, each slice is split into
//! one contiguous chunk per thread, all threads sharing the one cache behind
//! an `Arc` and starting each slice together.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use crate::alloc;
use crate::contender::Contender;

/// What one contender did in the timed phase of one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub requests: u64,
    pub hits: u64,
    /// The median slice's throughput (see [`SLICES`]).
    pub requests_per_second: f64,
    /// Heap allocations made by the timed requests, all threads together.
    pub allocations: u64,
    /// Heap bytes the cache holds after the run and the entries it holds,
    /// when the run was single-threaded (then the count is exact).
    pub footprint: Option<(i64, u64)>,
}

impl Measurement {
    pub fn hit_ratio(&self) -> f64 {
        self.hits as f64 / self.requests as f64
    }

    pub fn allocations_per_request(&self) -> f64 {
        self.allocations as f64 / self.requests as f64
    }

    /// Heap bytes per held entry, when known.
    pub fn bytes_per_entry(&self) -> Option<f64> {
        self.footprint
            .filter(|&(_, entries)| entries > 0)
            .map(|(bytes, entries)| bytes as f64 / entries as f64)
    }
}

/// Replays `ranks` cache-aside; returns the number of hits.
fn cache_aside<C: Contender>(cache: &C, keys: &[String], ranks: &[u32], value: &[u8]) -> u64 {
    let mut hits = 0;
    let mut digest = 0usize;
    for &rank in ranks {
        let key = &keys[rank as usize];
        match cache.lookup(key) {
            Some(d) => {
                hits += 1;
                digest = digest.wrapping_add(d);
            }
            None => cache.store(key, value),
        }
    }
    black_box(digest);
    hits
}

/// Runs `ranks` on this thread; returns the hits and the allocations made.
fn counted<C: Contender>(cache: &C, keys: &[String], ranks: &[u32], value: &[u8]) -> (u64, u64) {
    let before = alloc::snapshot().allocations;
    let hits = cache_aside(cache, keys, ranks, value);
    (hits, alloc::snapshot().allocations - before)
}

/// The requests of one scenario.
pub struct Workload<'a> {
    pub keys: &'a [String],
    pub warm: &'a [u32],
    pub timed: &'a [u32],
    pub threads: usize,
    pub value: &'a [u8],
}

/// The timed phase is cut into this many slices, each timed on its own; the
/// median slice is the throughput, so a burst of work from another process
/// on this shared machine spoils one slice, not the measurement.
const SLICES: usize = 16;

/// Builds a cache, warms it up, then times the workload's requests on it.
pub fn measure<C: Contender>(build: impl FnOnce() -> C, w: &Workload<'_>) -> Measurement {
    let empty = alloc::snapshot().live_bytes;
    let cache = Arc::new(build());
    cache_aside(&*cache, w.keys, w.warm, w.value);
    cache.settle();
    let slice_len = w.timed.len().div_ceil(SLICES);
    let (hits, allocations, mut rates) = if w.threads == 1 {
        time_inline(&*cache, w, slice_len)
    } else {
        time_threads(&cache, w, slice_len)
    };
    cache.settle();
    let footprint =
        (w.threads == 1).then(|| (alloc::snapshot().live_bytes - empty, cache.entries()));
    rates.sort_by(f64::total_cmp);
    Measurement {
        requests: w.timed.len() as u64,
        hits,
        requests_per_second: rates[rates.len() / 2],
        allocations,
        footprint,
    }
}

/// Times each slice on this thread: (hits, allocations, requests/s per slice).
fn time_inline<C: Contender>(
    cache: &C,
    w: &Workload<'_>,
    slice_len: usize,
) -> (u64, u64, Vec<f64>) {
    let (mut hits, mut allocations, mut rates) = (0, 0, Vec::new());
    for slice in w.timed.chunks(slice_len) {
        let start = Instant::now();
        let (h, a) = counted(cache, w.keys, slice, w.value);
        rates.push(slice.len() as f64 / start.elapsed().as_secs_f64());
        hits += h;
        allocations += a;
    }
    (hits, allocations, rates)
}

/// Times each slice with `w.threads` threads released together on its
/// chunks, from the release to the last thread's finish.
fn time_threads<C: Contender>(
    cache: &Arc<C>,
    w: &Workload<'_>,
    slice_len: usize,
) -> (u64, u64, Vec<f64>) {
    let slices: Vec<&[u32]> = w.timed.chunks(slice_len).collect();
    let barrier = Barrier::new(w.threads + 1);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..w.threads)
            .map(|t| {
                let cache = Arc::clone(cache);
                let (barrier, slices) = (&barrier, &slices);
                scope.spawn(move || {
                    let (mut hits, mut allocations) = (0, 0);
                    for slice in slices {
                        let chunk = slice.len().div_ceil(w.threads);
                        let ranks = slice.chunks(chunk).nth(t).unwrap_or(&[]);
                        barrier.wait();
                        let (h, a) = counted(&*cache, w.keys, ranks, w.value);
                        barrier.wait();
                        hits += h;
                        allocations += a;
                    }
                    (hits, allocations)
                })
            })
            .collect();
        let rates = slices
            .iter()
            .map(|slice| {
                barrier.wait();
                let start = Instant::now();
                barrier.wait();
                slice.len() as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        let (hits, allocations) = workers
            .into_iter()
            .map(|t| t.join().expect("bench thread panicked"))
            .fold((0, 0), |(h, a), (hits, allocs)| (h + hits, a + allocs));
        (hits, allocations, rates)
    })
}
