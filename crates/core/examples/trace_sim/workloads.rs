//! The workloads of the hit-ratio simulator and the policies it measures:
//! real traces (bench/traces), the benchmark's synthetic generators, the
//! slot policy (W-TinyLFU or LRU, exactly as LocalCache and OffHeapCache run
//! it) and Belady's OPT. Shared by examples/trace_sim and tests/hit_ratio.rs.

use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use tiercache_core::cache::hash_key;
use tiercache_core::policy::{Budget, Policy, SlotPolicy};

/// A request trace over dense key ids `0..hashes.len()`.
pub struct Trace {
    pub keys: Vec<u32>,
    /// The key hash of each id: LocalCache's hash of `k<original key>`, so
    /// that the policy sees what LocalCache would for those keys.
    pub hashes: Vec<u32>,
}

impl Trace {
    /// Renumbers arbitrary keys densely, in order of first appearance.
    pub fn dense(raw: impl IntoIterator<Item = u64>) -> Self {
        let mut ids = HashMap::new();
        let mut hashes = Vec::new();
        let keys = raw
            .into_iter()
            .map(|k| {
                *ids.entry(k).or_insert_with(|| {
                    hashes.push(hash_key(format!("k{k}").as_bytes()));
                    hashes.len() as u32 - 1
                })
            })
            .collect();
        Self { keys, hashes }
    }

    /// Number of distinct keys.
    pub fn distinct(&self) -> usize {
        self.hashes.len()
    }
}

// ----- real traces -----

fn traces_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/traces")
}

/// LIRS format: gzip text, one integer key per line; `*` lines are skipped.
pub fn read_lirs(name: &str) -> Trace {
    let file = File::open(traces_dir().join(name)).expect("trace file");
    let text = BufReader::new(flate2::read::GzDecoder::new(file));
    Trace::dense(text.lines().filter_map(|line| {
        let line = line.expect("readable trace");
        let line = line.trim();
        (!line.is_empty() && line != "*").then(|| line.parse::<u64>().expect("integer key"))
    }))
}

/// cache2k format: xz, big-endian 32-bit keys.
pub fn read_cache2k(name: &str) -> Trace {
    let mut input = BufReader::new(File::open(traces_dir().join(name)).expect("trace file"));
    let mut bytes = Vec::new();
    lzma_rs::xz_decompress(&mut input, &mut bytes).expect("xz trace");
    Trace::dense(
        bytes
            .chunks_exact(4)
            .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
    )
}

/// A real trace: its name, its reader and its file in bench/traces.
pub type RealTrace = (&'static str, fn(&str) -> Trace, &'static str);

/// The real traces, measured at 5% and 20% of their distinct keys.
pub const REAL: [RealTrace; 6] = [
    ("sprite", read_lirs, "lirs_sprite.trace.gz"),
    ("zigzag", read_lirs, "lirs_zigzag.trace.gz"),
    ("loop", read_lirs, "lirs_loop.trace.gz"),
    ("multi2", read_lirs, "lirs_multi2.trace.gz"),
    ("2_pools", read_lirs, "lirs_2_pools.trace.gz"),
    ("web12", read_cache2k, "cache2k_web12.trace.xz"),
];

// ----- synthetic workloads (bench/lib/workloads.js) -----

#[path = "../../benches/common/random.rs"]
mod random;

pub use random::zipf;
use random::XorShift32;

/// Zipf traffic interrupted every `every` requests by `burst` never-repeated
/// keys (`scanBurstTrace`).
pub fn scan_bursts(n: usize, length: usize, every: usize, burst: usize, seed: u32) -> Vec<u64> {
    let mut trace = zipf(n, 0.9, length, seed);
    let mut scan = n as u64;
    for (i, key) in trace.iter_mut().enumerate() {
        if i % every < burst {
            *key = scan;
            scan += 1;
        }
    }
    trace
}

/// A working set that slides: each key is hot for a while, then never
/// again (bench/local.bench.js's `slidingTrace`).
pub fn sliding(length: u64) -> Vec<u64> {
    (0..length).map(|i| i / 20 + (i * 7919) % 4000).collect()
}

/// A hot set of `hot` keys, read uniformly, replaced wholesale every `phase`
/// requests (`count` phases); `cold_percent` of the requests go to keys
/// never seen again.
pub fn phases(hot: u64, phase: u64, count: u64, cold_percent: u32, seed: u32) -> Vec<u64> {
    let mut random = XorShift32::new(seed);
    let mut cold = u64::MAX / 2;
    (0..phase * count)
        .map(|i| {
            if random.next_f64() * 100.0 < f64::from(cold_percent) {
                cold += 1;
                cold
            } else {
                (i / phase) * hot + (random.next_f64() * hot as f64) as u64
            }
        })
        .collect()
}

/// A loop over `n` keys (`loopTrace`).
pub fn looping(n: u64, length: u64) -> Vec<u64> {
    (0..length).map(|i| i % n).collect()
}

/// A synthetic workload: its name, capacity and generator.
pub type Synthetic = (&'static str, u64, fn() -> Vec<u64>);

/// The synthetic workloads: the LocalCache benchmark's (bench/local.bench.js,
/// same seeds) and a phase-shifting hot set.
pub const SYNTHETIC: [Synthetic; 7] = [
    ("phase-shifting hot set", 4_000, || {
        phases(4_600, 250_000, 12, 1, 7)
    }),
    ("sliding working set 5M", 10_000, || sliding(5_000_000)),
    ("zipf 0.9 1M keys 1%", 10_000, || {
        zipf(1_000_000, 0.9, 2_000_000, 11)
    }),
    ("zipf 0.9 1M keys 10%", 100_000, || {
        zipf(1_000_000, 0.9, 2_000_000, 12)
    }),
    ("scan bursts over zipf", 5_000, || {
        scan_bursts(100_000, 1_000_000, 20_000, 6_000, 13)
    }),
    ("loop 12k keys", 10_000, || looping(12_000, 600_000)),
    ("sliding working set 1M", 10_000, || sliding(1_000_000)),
];

// ----- policies -----

/// What a policy did on a trace.
pub struct Outcome {
    /// Hit ratio in percent.
    pub ratio: f64,
    /// The policy's state at the end (`SlotPolicy::state`).
    pub state: Vec<f64>,
}

/// Runs the slot policy (`kind`, `capacity` entries) over a trace the way a
/// cache-aside caller drives LocalCache: a hit is applied, a miss writes the
/// key. (LocalCache applies recorded hits in batches, but always before the
/// next write, so the policy sees exactly this sequence of events.)
pub fn simulate(kind: Policy, capacity: u64, trace: &Trace) -> Outcome {
    const NONE: u32 = u32::MAX;
    let mut policy = SlotPolicy::new(
        kind,
        Budget {
            max_entries: capacity,
            max_bytes: None,
        },
        0,
        0,
    );
    let mut slot_of = vec![NONE; trace.distinct()];
    let mut key_of: Vec<u32> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    let mut hits = 0u64;
    for &key in &trace.keys {
        let slot = slot_of[key as usize];
        if slot != NONE {
            hits += 1;
            policy.hit(slot);
            continue;
        }
        let slot = free.pop().unwrap_or_else(|| {
            key_of.push(NONE);
            key_of.len() as u32 - 1
        });
        key_of[slot as usize] = key;
        slot_of[key as usize] = slot;
        policy.write(slot, 0, trace.hashes[key as usize], 100, 0, 0);
        for &(gone, _) in policy.removed() {
            slot_of[key_of[gone as usize] as usize] = NONE;
            free.push(gone);
        }
    }
    Outcome {
        ratio: 100.0 * hits as f64 / trace.keys.len() as f64,
        state: policy.state().to_vec(),
    }
}

/// Belady's OPT: on a miss with the cache full, evicts the resident key
/// whose next use is farthest away, or bypasses the new key if it is that one.
pub fn opt_ratio(capacity: usize, trace: &Trace) -> f64 {
    const NEVER: usize = usize::MAX;
    let n = trace.keys.len();
    let mut next_use = vec![NEVER; n];
    let mut seen = vec![NEVER; trace.distinct()];
    for i in (0..n).rev() {
        let key = trace.keys[i] as usize;
        next_use[i] = seen[key];
        seen[key] = i;
    }
    // Resident keys by next use; a key's entry is current while `resident`
    // holds the same next use (stale entries are skipped when popped).
    let mut resident = vec![None::<usize>; trace.distinct()];
    let mut heap = BinaryHeap::new();
    let mut size = 0;
    let mut hits = 0u64;
    for (i, &key) in trace.keys.iter().enumerate() {
        let key = key as usize;
        let next = next_use[i];
        if resident[key].is_some() {
            hits += 1;
        } else if size == capacity {
            let farthest = loop {
                let &(t, k) = heap.peek().expect("a full cache has entries");
                if resident[k] == Some(t) {
                    break t;
                }
                heap.pop();
            };
            if next >= farthest {
                continue;
            }
            let (_, evicted) = heap.pop().expect("peeked");
            resident[evicted] = None;
        } else {
            size += 1;
        }
        resident[key] = Some(next);
        heap.push((next, key));
    }
    100.0 * hits as f64 / n as f64
}
