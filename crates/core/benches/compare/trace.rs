//! Seeded request traces, precomputed so that generating them costs nothing
//! in the timed loops. The generator is the one of bench/lib/workloads.js
//! (xorshift32, Zipf by inverse CDF), so the Node and Rust benches replay the
//! same ranks for the same seed.

/// xorshift32, the JS benches' generator, yielding floats in [0, 1).
struct XorShift32(u32);

impl XorShift32 {
    fn new(seed: u32) -> Self {
        Self(seed.max(1))
    }

    fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        f64::from(x) / 4_294_967_296.0
    }
}

/// `len` ranks in `[0, n)` drawn from Zipf(alpha): P(rank k) ~ 1 / (k + 1)^alpha.
pub fn zipf(n: usize, alpha: f64, len: usize, seed: u32) -> Vec<u32> {
    let mut cdf = Vec::with_capacity(n);
    let mut sum = 0.0;
    for k in 0..n {
        sum += 1.0 / ((k + 1) as f64).powf(alpha);
        cdf.push(sum);
    }
    let mut rng = XorShift32::new(seed);
    (0..len)
        .map(|_| {
            let u = rng.next_f64() * sum;
            cdf.partition_point(|&c| c < u).min(n - 1) as u32
        })
        .collect()
}

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
