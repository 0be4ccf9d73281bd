use super::*;
use std::sync::Arc;

fn manual(max_entries: Option<u64>, max_bytes: Option<u64>, policy: Policy, shards: u32) -> Cache {
    Cache::new(CacheConfig {
        max_entries,
        max_bytes,
        policy,
        shards,
        manual_clock: true,
    })
    .unwrap()
}

/// A tiny deterministic generator for test traces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Zipf-like: rank r with probability ~ 1/r (via inverse transform on a power law).
    fn skewed(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as u64).saturating_sub(1).min(n - 1)
    }
}

#[test]
fn set_get_delete_and_stats() {
    let c = manual(Some(10), None, Policy::TinyLfu, 1);
    assert_eq!(c.get("a"), None);
    assert!(c.set("a", b"1", 0).unwrap());
    assert_eq!(c.get("a").as_deref(), Some(&b"1"[..]));
    assert!(c.set("a", b"22", 0).unwrap());
    assert_eq!(c.get("a").as_deref(), Some(&b"22"[..]));
    assert!(c.has("a"));
    assert!(c.delete("a"));
    assert!(!c.delete("a"));
    assert!(!c.has("a"));
    let s = c.stats();
    assert_eq!((s.hits, s.misses, s.sets), (2, 1, 2));
    assert_eq!(c.len(), 0);
    assert_eq!(c.bytes(), 0);
    c.reset_stats();
    assert_eq!(c.stats(), CacheStats::default());
}

#[test]
fn bytes_count_key_value_and_overhead() {
    let c = manual(Some(10), None, Policy::Lru, 1);
    c.set("k\u{e9}", b"abc", 0).unwrap();
    assert_eq!(c.bytes(), 3 + 3 + ENTRY_OVERHEAD_BYTES);
}

#[test]
fn entry_budget_is_never_exceeded_under_random_operations() {
    for policy in [Policy::TinyLfu, Policy::Lru] {
        for shards in [1, 4] {
            let c = manual(Some(64), Some(64 * 200), policy, shards);
            let mut rng = Rng(7 + shards as u64);
            for i in 0..50_000u64 {
                let key = format!("k{}", rng.skewed(1000));
                match rng.below(10) {
                    0..=5 => {
                        c.get(&key);
                    }
                    6..=8 => {
                        let len = rng.below(150) as usize;
                        c.set(&key, &vec![b'x'; len], rng.below(3) * 500).unwrap();
                    }
                    _ => {
                        c.delete(&key);
                    }
                }
                if i % 97 == 0 {
                    c.advance(rng.below(300)).unwrap();
                }
                c.check_invariants();
                assert!(c.len() <= 64, "{policy:?}/{shards}: {} entries", c.len());
                assert!(c.bytes() <= 64 * 200);
            }
            // keys() lists exactly the unexpired entries: each listed key is
            // readable, and once every expired entry still stored is removed
            // (has() removes one when it finds it), the stored count is the
            // number of listed keys.
            let listed = c.keys();
            assert!(listed.iter().all(|k| c.has(k)));
            for k in 0..1000 {
                c.has(&format!("k{k}"));
            }
            assert_eq!(c.len(), listed.len() as u64, "{policy:?}/{shards}");
        }
    }
}

#[test]
fn byte_budget_rejects_oversized_values_and_drops_the_previous_value() {
    let c = manual(None, Some(1000), Policy::TinyLfu, 1);
    assert!(c.set("a", b"small", 0).unwrap());
    assert!(!c.set("a", &[0u8; 1000], 0).unwrap());
    assert_eq!(
        c.get("a"),
        None,
        "a rejected update does not leave stale data"
    );
    let s = c.stats();
    assert_eq!((s.rejections, s.sets), (1, 1));
}

#[test]
fn lru_evicts_the_least_recently_used() {
    let c = manual(Some(3), None, Policy::Lru, 1);
    for k in ["a", "b", "c"] {
        c.set(k, b"v", 0).unwrap();
    }
    c.get("a");
    c.set("d", b"v", 0).unwrap();
    assert!(!c.has("b"));
    assert_eq!(c.keys(), ["d", "a", "c"]);
    assert_eq!(c.stats().evictions, 1);
}

#[test]
fn ttl_expires_lazily_and_by_sweep() {
    let c = manual(Some(100), None, Policy::TinyLfu, 1);
    c.set("short", b"v", 1000).unwrap();
    c.set("long", b"v", 5000).unwrap();
    c.set("forever", b"v", 0).unwrap();
    assert_eq!(c.ttl("short"), Ttl::Remaining(1000));
    assert_eq!(c.ttl("forever"), Ttl::Never);
    c.advance(999).unwrap();
    assert!(c.has("short"));
    c.advance(1).unwrap();
    assert_eq!(c.get("short"), None, "expired exactly at its deadline");
    assert_eq!(c.stats().expirations, 1);
    c.advance(10_000).unwrap();
    assert_eq!(c.len(), 2, "nothing is swept until the shard is touched");
    assert_eq!(c.purge_expired(), 1);
    assert_eq!(c.len(), 1);
    assert_eq!(c.stats().expirations, 2);
    assert_eq!(c.ttl("long"), Ttl::Absent);
}

#[test]
fn ttls_beyond_two_to_the_31_ms_work() {
    let c = manual(Some(10), None, Policy::Lru, 1);
    let long = (1u64 << 31) + 5;
    c.set("k", b"v", long).unwrap();
    c.advance(1 << 31).unwrap();
    assert_eq!(c.ttl("k"), Ttl::Remaining(5));
    c.advance(5).unwrap();
    assert!(!c.has("k"));
    c.set("max", b"v", MAX_TTL_MS).unwrap();
    assert_eq!(c.ttl("max"), Ttl::Remaining(MAX_TTL_MS - c.now()));
    assert!(c.set("k", b"v", MAX_TTL_MS + 1).is_err());
}

#[test]
fn sweeping_by_writes_keeps_expired_entries_from_accumulating() {
    let c = manual(None, Some(1 << 30), Policy::TinyLfu, 1);
    for i in 0..100_000u64 {
        c.set(&format!("k{i}"), b"v", 2000).unwrap();
        c.advance(1).unwrap();
    }
    // Entries live 2 s and the wheel's finest bucket spans 1.024 s.
    assert!(c.len() <= 2000 + 2 * 1024, "{} entries stored", c.len());
}

/// Hits on a hot set of 80 keys while a one-off scan streams through a
/// cache of 100: every hot key's reuse distance (160) exceeds the capacity.
fn hot_hits_during_scan(c: &Cache) -> usize {
    let mut hot_hits = 0;
    for i in 0..20_000 {
        let hot = format!("hot{}", i % 80);
        if c.get(&hot).is_some() {
            hot_hits += 1;
        } else {
            c.set(&hot, b"v", 0).unwrap();
        }
        let scan = format!("scan{i}");
        if c.get(&scan).is_none() {
            c.set(&scan, b"v", 0).unwrap();
        }
    }
    hot_hits
}

#[test]
fn tinylfu_keeps_frequent_keys_through_a_scan() {
    let tinylfu = hot_hits_during_scan(&manual(Some(100), None, Policy::TinyLfu, 1));
    let lru = hot_hits_during_scan(&manual(Some(100), None, Policy::Lru, 1));
    assert_eq!(lru, 0, "LRU loses every hot key to the scan");
    assert!(
        tinylfu > 18_000,
        "tinylfu kept only {tinylfu} hot hits of 20000"
    );
}

fn hit_ratio(c: &Cache, trace: &[u64]) -> f64 {
    let mut hits = 0;
    for &k in trace {
        let key = format!("k{k}");
        if c.get(&key).is_some() {
            hits += 1;
        } else {
            c.set(&key, b"v", 0).unwrap();
        }
    }
    hits as f64 / trace.len() as f64
}

#[test]
fn hill_climbing_grows_the_window_on_a_recency_workload() {
    let c = manual(Some(1000), None, Policy::TinyLfu, 1);
    let initial_window = c.policy_state()[0];
    // A sliding working set: each key is hot for a short while, then never again.
    let trace: Vec<u64> = (0..400_000u64)
        .map(|i| {
            let base = i / 40;
            base + (i * 7919) % 600
        })
        .collect();
    let tinylfu = hit_ratio(&c, &trace);
    let lru = hit_ratio(&manual(Some(1000), None, Policy::Lru, 1), &trace);
    assert!(c.policy_state()[0] > initial_window, "the window grew");
    assert!(tinylfu >= lru - 0.02, "tinylfu {tinylfu} vs lru {lru}");
}

#[test]
fn tinylfu_beats_lru_on_a_skewed_workload() {
    let mut rng = Rng(99);
    let trace: Vec<u64> = (0..300_000).map(|_| rng.skewed(100_000)).collect();
    let tinylfu = hit_ratio(&manual(Some(1000), None, Policy::TinyLfu, 1), &trace);
    let lru = hit_ratio(&manual(Some(1000), None, Policy::Lru, 1), &trace);
    assert!(tinylfu > lru + 0.03, "tinylfu {tinylfu} vs lru {lru}");
}

#[test]
fn clear_empties_the_cache_but_keeps_statistics() {
    let c = manual(Some(100), Some(100_000), Policy::TinyLfu, 2);
    for i in 0..100 {
        c.set(&format!("k{i}"), b"value", 100).unwrap();
    }
    c.set("present", b"v", 0).unwrap();
    assert!(c.get("present").is_some());
    c.clear();
    assert_eq!((c.len(), c.bytes()), (0, 0));
    assert_eq!(c.stats().hits, 1);
    assert!(c.keys().is_empty());
    assert!(c.set("again", b"v", 0).unwrap());
    assert_eq!(c.get("again").as_deref(), Some(&b"v"[..]));
}

#[test]
fn set_rejects_empty_and_overlong_keys() {
    let c = manual(Some(10), None, Policy::Lru, 1);
    assert!(c.set("", b"v", 0).is_err());
    let long = "x".repeat(MAX_KEY_LENGTH + 1);
    assert!(c.set(&long, b"v", 0).is_err());
    // Three UTF-8 bytes per character, but within the limit in characters.
    let wide = "\u{20ac}".repeat(MAX_KEY_LENGTH);
    assert!(c.set(&wide, b"v", 0).is_ok());
}

#[test]
fn advance_needs_a_manual_clock() {
    let c = Cache::new(CacheConfig::with_max_entries(4)).unwrap();
    assert!(c.advance(5).is_err());
}

#[test]
fn shared_caches_are_one_instance_per_name_across_threads() {
    let cfg = CacheConfig::with_max_entries(1000);
    let a = shared("core-test-shared", cfg.clone()).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let c = shared("core-test-shared", cfg).unwrap();
                for i in 0..100 {
                    c.set(&format!("t{t}-{i}"), b"v", 0).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(a.len(), 400);
    let mut other = cfg.clone();
    other.max_entries = Some(5);
    assert!(shared("core-test-shared", other).is_err());
    assert!(delete_shared("core-test-shared"));
    assert!(!delete_shared("core-test-shared"));
    assert_eq!(a.len(), 400, "an existing handle keeps working");
}

#[test]
fn concurrent_writers_never_exceed_the_budget() {
    let c = Arc::new(
        Cache::new(CacheConfig {
            max_entries: Some(256),
            max_bytes: Some(256 * 150),
            policy: Policy::TinyLfu,
            shards: 8,
            manual_clock: false,
        })
        .unwrap(),
    );
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                let mut rng = Rng(t + 1);
                for _ in 0..20_000 {
                    let key = format!("k{}", rng.skewed(5000));
                    if c.get(&key).is_none() {
                        c.set(&key, &[1u8; 40], 0).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    c.check_invariants();
    assert!(c.len() <= 256);
    assert!(c.bytes() <= 256 * 150);
}
