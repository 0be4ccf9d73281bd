//! Cost of applying recorded hits to the slot policy (LocalCache's drain),
//! without N-API: `cargo run --release --example drain_cost [entries]`.
use std::time::Instant;
use tiercache_core::policy::{Budget, Policy, SlotPolicy};

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    for kind in [Policy::TinyLfu, Policy::Lru] {
        let budget = Budget {
            max_entries: u64::from(n),
            max_bytes: None,
        };
        let mut p = SlotPolicy::new(kind, budget, 0, 0);
        for slot in 0..n {
            p.write(slot, 0, slot.wrapping_mul(2_654_435_761), 100, 0, 0);
        }
        let mut x = 5u32;
        let ring: Vec<i32> = (0..1 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x % n) as i32
            })
            .collect();
        let rounds = 20;
        let t = Instant::now();
        for _ in 0..rounds {
            for chunk in ring.chunks(512) {
                p.drain(chunk);
            }
        }
        let ns = t.elapsed().as_nanos() as f64 / (rounds * ring.len()) as f64;
        println!("{kind:?} {n} entries: {ns:.1} ns per drained hit");
    }
}
