//! Hit ratios of the policies on the benchmark's workload shapes:
//! `cargo run --release --example policy_sim`.
use tiercache_core::cache::{Cache, CacheConfig, Policy};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn zipf(n: usize, alpha: f64, len: usize, seed: u64) -> Vec<u64> {
    let mut cdf = Vec::with_capacity(n);
    let mut sum = 0.0;
    for k in 0..n {
        sum += 1.0 / ((k + 1) as f64).powf(alpha);
        cdf.push(sum);
    }
    let mut r = Rng(seed);
    (0..len)
        .map(|_| cdf.partition_point(|&c| c < r.next() * sum) as u64)
        .collect()
}

fn ratio(policy: Policy, capacity: u64, trace: &[u64]) -> f64 {
    let mut cfg = CacheConfig::with_max_entries(capacity);
    cfg.policy = policy;
    let c = Cache::new(cfg).unwrap();
    let mut hits = 0;
    let tail = trace.len() * 4 / 5;
    let mut tail_hits = 0;
    for (i, &k) in trace.iter().enumerate() {
        let key = format!("k{k}");
        if c.get_with(&key, |v| v.is_some()) {
            hits += 1;
            if i >= tail {
                tail_hits += 1;
            }
        } else {
            c.set(&key, b"v", 0).unwrap();
        }
    }
    if std::env::var("TAIL").is_ok() {
        return 100.0 * tail_hits as f64 / (trace.len() - tail) as f64;
    }
    100.0 * hits as f64 / trace.len() as f64
}

fn main() {
    let mut scan = zipf(100_000, 0.9, 1_000_000, 13);
    let mut next = 100_000u64;
    for (i, k) in scan.iter_mut().enumerate() {
        if i % 20_000 < 6_000 {
            *k = next;
            next += 1;
        }
    }
    let workloads: Vec<(&str, Vec<u64>, u64)> = vec![
        ("zipf 1%", zipf(1_000_000, 0.9, 2_000_000, 11), 10_000),
        ("zipf 10%", zipf(1_000_000, 0.9, 2_000_000, 12), 100_000),
        ("scan bursts", scan, 5_000),
        (
            "loop 12k/10k",
            (0..600_000u64).map(|i| i % 12_000).collect(),
            10_000,
        ),
        (
            "sliding",
            (0..1_000_000u64)
                .map(|i| i / 20 + (i * 7919) % 4000)
                .collect(),
            10_000,
        ),
        (
            "sliding 5M",
            (0..5_000_000u64)
                .map(|i| i / 20 + (i * 7919) % 4000)
                .collect(),
            10_000,
        ),
    ];
    for (name, trace, cap) in &workloads {
        let t = ratio(Policy::TinyLfu, *cap, trace);
        let l = ratio(Policy::Lru, *cap, trace);
        println!(
            "{name:14} tinylfu {t:6.2}  lru {l:6.2}  diff {:+6.2}",
            t - l
        );
    }
}
