//! Quick timing of the core hit path (no N-API): `cargo run --release --example hit_cost`.
use std::time::Instant;
use tiercache_core::cache::{Cache, CacheConfig};

fn main() {
    let c = Cache::new(CacheConfig::with_max_entries(20_000)).unwrap();
    let keys: Vec<String> = (0..10_000).map(|i| format!("user:{i}:profile")).collect();
    for k in &keys {
        c.set(k, &[7u8; 100], 0).unwrap();
    }
    let mut out = [0u8; 128];
    let n = 5_000_000;
    let t = Instant::now();
    let mut total = 0usize;
    for i in 0..n {
        total += c.get_with(&keys[i % keys.len()], |v| {
            let v = v.unwrap();
            out[..v.len()].copy_from_slice(v);
            v.len()
        });
    }
    println!(
        "core get hit, keys in order: {:.1} ns/op ({total})",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    let mut x = 12345u64;
    let order: Vec<usize> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % keys.len() as u64) as usize
        })
        .collect();
    let t = Instant::now();
    for &i in &order {
        total += c.get_with(&keys[i], |v| v.map_or(0, |v| v.len()));
    }
    println!(
        "core get hit, random keys: {:.1} ns/op ({total})",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    let t = Instant::now();
    for i in 0..n {
        total += tiercache_core::cache::hash_key(keys[i % keys.len()].as_bytes()) as usize & 1;
    }
    println!(
        "hash only: {:.1} ns/op ({total})",
        t.elapsed().as_nanos() as f64 / n as f64
    );
}
