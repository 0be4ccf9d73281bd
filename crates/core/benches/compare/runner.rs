//! The timed cache-aside loop: look the key up; on a miss "load" the value
//! and store it. A warm-up phase runs first (single-threaded, untimed), then
//! the timed phase, split into one contiguous chunk per thread, all threads
//! sharing the one cache behind an `Arc` and starting together.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use crate::contender::Contender;

/// What one contender did in the timed phase of one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub requests: u64,
    pub hits: u64,
    pub seconds: f64,
}

impl Measurement {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn hit_ratio(&self) -> f64 {
        self.hits as f64 / self.requests as f64
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

/// The requests of one scenario.
pub struct Workload<'a> {
    pub keys: &'a [String],
    pub warm: &'a [u32],
    pub timed: &'a [u32],
    pub threads: usize,
    pub value: &'a [u8],
}

/// Warms `cache` up, then times the workload's requests on it.
pub fn measure<C: Contender>(cache: C, w: &Workload<'_>) -> Measurement {
    let cache = Arc::new(cache);
    cache_aside(&*cache, w.keys, w.warm, w.value);
    cache.settle();
    let chunk = w.timed.len().div_ceil(w.threads);
    let (hits, seconds) = if w.threads == 1 {
        let start = Instant::now();
        let hits = cache_aside(&*cache, w.keys, w.timed, w.value);
        (hits, start.elapsed().as_secs_f64())
    } else {
        let barrier = Barrier::new(w.threads + 1);
        thread::scope(|scope| {
            let workers: Vec<_> = w
                .timed
                .chunks(chunk)
                .map(|ranks| {
                    let cache = Arc::clone(&cache);
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        cache_aside(&*cache, w.keys, ranks, w.value)
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            let hits = workers
                .into_iter()
                .map(|t| t.join().expect("bench thread panicked"))
                .sum();
            (hits, start.elapsed().as_secs_f64())
        })
    };
    Measurement {
        requests: w.timed.len() as u64,
        hits,
        seconds,
    }
}
