//! The JS benches' seeded generator and Zipf draw (bench/lib/workloads.js:
//! xorshift32, Zipf by inverse CDF), shared by benches/compare and
//! examples/trace_sim (and through it tests/hit_ratio.rs) so that the Node
//! and Rust benches and the hit-ratio simulator replay the same ranks for the
//! same seed.

/// xorshift32, the JS benches' `random`, yielding floats in [0, 1).
pub struct XorShift32(u32);

impl XorShift32 {
    /// A generator seeded with `seed` (0, which xorshift cannot leave, becomes 1).
    pub fn new(seed: u32) -> Self {
        Self(seed.max(1))
    }

    /// The next float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        f64::from(x) / 4_294_967_296.0
    }
}

/// `len` ranks in `[0, n)` drawn from Zipf(alpha): P(rank k) ~ 1 / (k + 1)^alpha
/// (bench/lib/workloads.js's `zipfTrace`), as `u32` or any wider key type.
pub fn zipf<K: From<u32>>(n: usize, alpha: f64, len: usize, seed: u32) -> Vec<K> {
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
            K::from(cdf.partition_point(|&c| c < u).min(n - 1) as u32)
        })
        .collect()
}
