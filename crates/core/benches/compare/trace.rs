//! Seeded request traces, precomputed so that generating them costs nothing
//! in the timed loops. The generator is the one of bench/lib/workloads.js
//! (xorshift32, Zipf by inverse CDF), so the Node and Rust benches replay the
//! same ranks for the same seed.

#[path = "../common/random.rs"]
mod random;

pub use random::zipf;
use random::XorShift32;

/// `len` ranks drawn uniformly from `[0, n)`.
pub fn uniform(n: u32, len: usize, seed: u32) -> Vec<u32> {
    let mut rng = XorShift32::new(seed);
    (0..len)
        .map(|_| ((rng.next_f64() * f64::from(n)) as u32).min(n - 1))
        .collect()
}

/// The key of every rank: `key:<rank>`, built once so that no timed loop formats strings.
pub fn keys(n: usize) -> Vec<String> {
    (0..n).map(|rank| format!("key:{rank}")).collect()
}
