//! Core-only cost of the cache-aside benchmark (no N-API):
//! `cargo run --release --example aside_cost`.
use std::time::Instant;
use tiercache_core::cache::{Cache, CacheConfig};

fn zipf(n: usize, alpha: f64, len: usize) -> Vec<u32> {
    let mut cdf = Vec::with_capacity(n);
    let mut sum = 0.0;
    for k in 0..n {
        sum += 1.0 / ((k + 1) as f64).powf(alpha);
        cdf.push(sum);
    }
    let mut x = 88172645463325252u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64 * sum;
            cdf.partition_point(|&c| c < u) as u32
        })
        .collect()
}

fn main() {
    let trace = zipf(1_000_000, 0.9, 4_000_000);
    let c = Cache::new(CacheConfig::with_max_entries(100_000)).unwrap();
    let value = [7u8; 100];
    let mut out = [0u8; 128];
    let mut key = String::new();
    let t = Instant::now();
    let mut hits = 0;
    for &k in &trace {
        key.clear();
        use std::fmt::Write;
        write!(key, "key:{k}").unwrap();
        let hit = c.get_with(&key, |v| {
            v.map(|v| out[..v.len()].copy_from_slice(v)).is_some()
        });
        if hit {
            hits += 1;
        } else {
            c.set(&key, &value, 0).unwrap();
        }
    }
    let ns = t.elapsed().as_nanos() as f64 / trace.len() as f64;
    println!(
        "core cache-aside: {ns:.0} ns/request, hit ratio {:.3}",
        hits as f64 / trace.len() as f64
    );
}
