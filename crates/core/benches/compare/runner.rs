//! The timed cache-aside loop (look the key up; on a miss "load" the value
//! and store it) and the race that takes turns between the contenders.
//!
//! The machine is shared and its load moves by the second, so the
//! contenders of a scenario do not run one after the other: every cache is
//! built and warmed up first, then the timed trace is cut into slices and
//! each slice is replayed on every cache in turn (the first one rotating).
//! A burst of outside work then slows all contenders alike, and the median
//! slice of each contender is its throughput. Before its turn, a cache is
//! touched with part of the slice's keys (lookups without policy effects)
//! to bring it back into the CPU caches. With several threads, every
//! slice is split into one contiguous chunk per thread and the threads are
//! released on it together, sharing the one cache.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use crate::alloc;
use crate::contender::Contender;

/// Timed slices per scenario.
pub const SLICES: usize = 16;
/// Before its timed turn on a slice, a cache is touched (untimed, without
/// policy effects) with the keys of this fraction of the slice, so that it
/// does not pay for the previous contender having evicted it from the CPU caches.
const TOUCH_DIVISOR: usize = 4;

/// What one contender did in the timed phase of one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub requests: u64,
    pub hits: u64,
    /// The median slice's throughput.
    pub requests_per_second: f64,
    /// Heap allocations made by the timed requests, all threads together.
    pub allocations: u64,
    /// Heap bytes the cache holds after the run (requested sizes, summed
    /// over threads) and the entries it holds.
    pub footprint: (i64, u64),
}

impl Measurement {
    pub fn hit_ratio(&self) -> f64 {
        self.hits as f64 / self.requests as f64
    }

    pub fn allocations_per_request(&self) -> f64 {
        self.allocations as f64 / self.requests as f64
    }

    /// Heap bytes per held entry.
    pub fn bytes_per_entry(&self) -> f64 {
        self.footprint.0 as f64 / self.footprint.1.max(1) as f64
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

/// What a run of requests did on one thread.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    hits: u64,
    allocations: u64,
    live_bytes: i64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.hits += other.hits;
        self.allocations += other.allocations;
        self.live_bytes += other.live_bytes;
    }
}

/// Counts what `f` allocates on this thread.
fn tally(f: impl FnOnce() -> u64) -> Tally {
    let before = alloc::snapshot();
    let hits = f();
    let after = alloc::snapshot();
    Tally {
        hits,
        allocations: after.allocations - before.allocations,
        live_bytes: after.live_bytes - before.live_bytes,
    }
}

/// A cache with its keys and value, its type erased so that caches of
/// different types can take turns (one virtual call per slice, not per request).
pub trait Lane: Sync {
    fn run(&self, ranks: &[u32]) -> u64;
    fn touch(&self, ranks: &[u32]);
    fn settle(&self);
    fn entries(&self) -> u64;
}

struct Bound<'a, C> {
    cache: C,
    keys: &'a [String],
    value: &'a [u8],
}

impl<C: Contender> Lane for Bound<'_, C> {
    fn run(&self, ranks: &[u32]) -> u64 {
        cache_aside(&self.cache, self.keys, ranks, self.value)
    }

    fn touch(&self, ranks: &[u32]) {
        let found = ranks
            .iter()
            .filter(|&&rank| self.cache.touch(&self.keys[rank as usize]))
            .count();
        black_box(found);
    }

    fn settle(&self) {
        self.cache.settle();
    }

    fn entries(&self) -> u64 {
        self.cache.entries()
    }
}

/// A contender in a scenario: its lane and what it allocated so far.
pub struct Entrant<'a> {
    pub name: &'static str,
    lane: Box<dyn Lane + 'a>,
    built: Tally,
}

/// Builds a cache and replays `warm` on it (untimed, on this thread).
pub fn enter<'a, C: Contender + 'a>(
    name: &'static str,
    build: impl FnOnce() -> C,
    keys: &'a [String],
    value: &'a [u8],
    warm: &[u32],
) -> Entrant<'a> {
    let mut lane = None;
    let built = tally(|| {
        let bound = Bound {
            cache: build(),
            keys,
            value,
        };
        bound.run(warm);
        bound.settle();
        lane = Some(Box::new(bound) as Box<dyn Lane + 'a>);
        0
    });
    Entrant {
        name,
        lane: lane.expect("lane was built"),
        built,
    }
}

/// Replays `timed` on every entrant, slice by slice in turns, on `threads` threads.
pub fn race(entrants: &[Entrant<'_>], timed: &[u32], threads: usize) -> Vec<Measurement> {
    let slices: Vec<&[u32]> = timed.chunks(timed.len().div_ceil(SLICES)).collect();
    let n = entrants.len();
    let mut rates = vec![Vec::new(); n];
    let mut tallies = vec![Tally::default(); n];
    if threads == 1 {
        for (k, slice) in slices.iter().enumerate() {
            for i in (0..n).map(|j| (j + k) % n) {
                entrants[i]
                    .lane
                    .touch(&slice[..slice.len() / TOUCH_DIVISOR]);
                let start = Instant::now();
                let t = tally(|| entrants[i].lane.run(slice));
                rates[i].push(slice.len() as f64 / start.elapsed().as_secs_f64());
                tallies[i].add(t);
            }
        }
    } else {
        race_threads(entrants, &slices, threads, &mut rates, &mut tallies);
    }
    entrants
        .iter()
        .zip(rates)
        .zip(tallies)
        .map(|((entrant, mut rates), mut timed_tally)| {
            timed_tally.add(tally(|| {
                entrant.lane.settle();
                0
            }));
            rates.sort_by(f64::total_cmp);
            Measurement {
                requests: timed.len() as u64,
                hits: timed_tally.hits,
                requests_per_second: rates[rates.len() / 2],
                allocations: timed_tally.allocations,
                footprint: (
                    entrant.built.live_bytes + timed_tally.live_bytes,
                    entrant.lane.entries(),
                ),
            }
        })
        .collect()
}

/// `race` with worker threads: for each (slice, entrant) job, the main
/// thread publishes the job, lets the workers touch their chunks, releases
/// them together and times them until the last one is done.
fn race_threads(
    entrants: &[Entrant<'_>],
    slices: &[&[u32]],
    threads: usize,
    rates: &mut [Vec<f64>],
    tallies: &mut [Tally],
) {
    const DONE: usize = usize::MAX;
    let n = entrants.len();
    let barrier = Barrier::new(threads + 1);
    let job = AtomicUsize::new(DONE);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, job) = (&barrier, &job);
                scope.spawn(move || {
                    let mut tallies = vec![Tally::default(); n];
                    loop {
                        barrier.wait();
                        let current = job.load(Ordering::Acquire);
                        if current == DONE {
                            return tallies;
                        }
                        let (k, i) = (current / n, current % n);
                        let slice = slices[k];
                        let ranks = slice
                            .chunks(slice.len().div_ceil(threads))
                            .nth(t)
                            .unwrap_or(&[]);
                        entrants[i]
                            .lane
                            .touch(&ranks[..ranks.len() / TOUCH_DIVISOR]);
                        barrier.wait();
                        tallies[i].add(tally(|| entrants[i].lane.run(ranks)));
                        barrier.wait();
                    }
                })
            })
            .collect();
        for (k, slice) in slices.iter().enumerate() {
            for i in (0..n).map(|j| (j + k) % n) {
                job.store(k * n + i, Ordering::Release);
                barrier.wait();
                barrier.wait();
                let start = Instant::now();
                barrier.wait();
                rates[i].push(slice.len() as f64 / start.elapsed().as_secs_f64());
            }
        }
        job.store(DONE, Ordering::Release);
        barrier.wait();
        for worker in workers {
            let per_lane = worker.join().expect("bench thread panicked");
            for (total, t) in tallies.iter_mut().zip(per_lane) {
                total.add(t);
            }
        }
    });
}
