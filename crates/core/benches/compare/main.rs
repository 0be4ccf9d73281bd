//! tiercache's core cache against quick_cache and moka, on the same seeded
//! traces in one run, printed as a markdown table of ratios:
//! `cargo bench -p tiercache-core --features compare --bench compare`
//! (append `-- --quick` for a smoke run on traces a tenth as long).
//! See docs/local-cache-rust-bench.md for what each scenario means.

mod alloc;
mod contender;
mod report;
mod runner;
mod trace;

use contender::Budget;
use report::Row;
use runner::Entrant;
use tiercache_core::cache::Policy;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Distinct keys of the Zipf traces.
const ZIPF_KEYS: usize = 1_000_000;
const ZIPF_ALPHA: f64 = 0.9;
/// Distinct keys of the hot-set traces (they all fit: every request hits).
const HOT_KEYS: u32 = 10_000;
const VALUE_BYTES: usize = 100;
/// Shards of the tiercache shared by several threads.
const SHARED_SHARDS: u32 = 16;
/// A byte budget that holds about 100k of the trace's entries
/// (key of ~9 bytes + 100-byte value + 96 bytes of accounted overhead).
const BYTES_FOR_100K: u64 = 100_000 * (9 + VALUE_BYTES as u64 + 96);

#[derive(Debug, Clone, Copy)]
enum Kind {
    TierTinyLfu,
    /// Diagnostic: tiercache without a clock read per call.
    TierTinyLfuManualClock,
    TierLru,
    QuickCache,
    MokaTinyLfu,
    MokaLru,
}

const CACHES: [(&str, Kind); 5] = [
    ("tiercache tinylfu", Kind::TierTinyLfu),
    ("tiercache lru", Kind::TierLru),
    (report::QUICK_CACHE, Kind::QuickCache),
    (report::MOKA, Kind::MokaTinyLfu),
    ("moka lru", Kind::MokaLru),
];

/// The diagnostic row, in the scenarios that ask for it.
const CLOCK_PROBE: (&str, Kind) = (
    "tiercache tinylfu, manual clock",
    Kind::TierTinyLfuManualClock,
);

#[derive(Debug, Clone, Copy)]
enum Trace {
    Hot,
    Zipf,
}

struct Scenario {
    name: &'static str,
    trace: Trace,
    budget: Budget,
    threads: usize,
    /// Whether to add the manual-clock diagnostic row.
    clock_probe: bool,
}

const SCENARIOS: [Scenario; 6] = [
    Scenario {
        name: "hot set 10k, all hits",
        trace: Trace::Hot,
        budget: Budget::Entries(100_000),
        clock_probe: true,
        threads: 1,
    },
    Scenario {
        name: "zipf 0.9, 100k entries",
        trace: Trace::Zipf,
        budget: Budget::Entries(100_000),
        clock_probe: true,
        threads: 1,
    },
    Scenario {
        name: "zipf 0.9, ~100k entries by bytes",
        trace: Trace::Zipf,
        budget: Budget::Bytes {
            bytes: BYTES_FOR_100K,
            estimated_entries: 100_000,
        },
        clock_probe: false,
        threads: 1,
    },
    Scenario {
        name: "zipf 0.9, 10k entries (1%)",
        trace: Trace::Zipf,
        budget: Budget::Entries(10_000),
        clock_probe: false,
        threads: 1,
    },
    Scenario {
        name: "hot set 10k, 2 threads",
        trace: Trace::Hot,
        budget: Budget::Entries(100_000),
        clock_probe: false,
        threads: 2,
    },
    Scenario {
        name: "zipf 0.9, 100k entries, 2 threads",
        trace: Trace::Zipf,
        budget: Budget::Entries(100_000),
        clock_probe: false,
        threads: 2,
    },
];

/// Builds and warms up one contender for `scenario`.
fn enter<'a>(
    (name, kind): (&'static str, Kind),
    scenario: &Scenario,
    keys: &'a [String],
    value: &'a [u8],
    warm: &[u32],
) -> Entrant<'a> {
    let budget = scenario.budget;
    let shards = if scenario.threads == 1 {
        1
    } else {
        SHARED_SHARDS
    };
    let tiercache = |policy, manual_clock| {
        runner::enter(
            name,
            || contender::tiercache(policy, budget, shards, manual_clock),
            keys,
            value,
            warm,
        )
    };
    match (kind, budget) {
        (Kind::TierTinyLfu, _) => tiercache(Policy::TinyLfu, false),
        (Kind::TierTinyLfuManualClock, _) => tiercache(Policy::TinyLfu, true),
        (Kind::TierLru, _) => tiercache(Policy::Lru, false),
        (Kind::QuickCache, Budget::Entries(n)) => {
            runner::enter(name, || contender::quick_unit(n), keys, value, warm)
        }
        (
            Kind::QuickCache,
            Budget::Bytes {
                bytes,
                estimated_entries,
            },
        ) => runner::enter(
            name,
            || contender::quick_bytes(bytes, estimated_entries),
            keys,
            value,
            warm,
        ),
        (Kind::MokaTinyLfu, _) => runner::enter(
            name,
            || contender::moka(Policy::TinyLfu, budget),
            keys,
            value,
            warm,
        ),
        (Kind::MokaLru, _) => runner::enter(
            name,
            || contender::moka(Policy::Lru, budget),
            keys,
            value,
            warm,
        ),
    }
}

/// Untimed warm-up requests and timed requests of one trace.
struct Phases {
    warm: Vec<u32>,
    timed: Vec<u32>,
}

fn split(mut ranks: Vec<u32>, warm: usize) -> Phases {
    let timed = ranks.split_off(warm);
    Phases { warm: ranks, timed }
}

fn main() {
    let mut scale = 1;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => scale = 10,
            "--bench" => {}
            other => {
                eprintln!("unknown argument {other:?} (accepted: --quick)");
                std::process::exit(2);
            }
        }
    }
    let (zipf_warm, zipf_timed) = (2_000_000 / scale, 4_000_000 / scale);
    let (hot_warm, hot_timed) = (1_000_000 / scale, 4_000_000 / scale);

    let machine = report::machine();
    eprintln!("building traces...");
    let keys = trace::keys(ZIPF_KEYS);
    let zipf = split(
        trace::zipf(ZIPF_KEYS, ZIPF_ALPHA, zipf_warm + zipf_timed, 1),
        zipf_warm,
    );
    let mut hot = split(trace::uniform(HOT_KEYS, hot_warm + hot_timed, 2), hot_warm);
    // Every hot key is stored before the warm-up proper, so the timed phase only hits.
    hot.warm.splice(0..0, 0..HOT_KEYS);
    let value = [7u8; VALUE_BYTES];

    let mut rows = Vec::new();
    for scenario in &SCENARIOS {
        let phases = match scenario.trace {
            Trace::Hot => &hot,
            Trace::Zipf => &zipf,
        };
        let probe = scenario.clock_probe.then_some(CLOCK_PROBE);
        let entrants: Vec<Entrant<'_>> = CACHES
            .into_iter()
            .chain(probe)
            .map(|cache| enter(cache, scenario, &keys, &value, &phases.warm))
            .collect();
        let measurements = runner::race(&entrants, &phases.timed, scenario.threads);
        for (entrant, measurement) in entrants.iter().zip(measurements) {
            eprintln!(
                "{} / {}: {:.2} Mreq/s, hit ratio {:.2}%",
                scenario.name,
                entrant.name,
                measurement.requests_per_second / 1e6,
                measurement.hit_ratio() * 100.0
            );
            rows.push(Row {
                scenario: scenario.name.to_owned(),
                cache: entrant.name,
                measurement,
            });
        }
    }

    println!("\n### Rust core: tiercache vs quick_cache 0.7.0 vs moka 0.12.16\n");
    println!("Machine: {machine} (load at the start)\n");
    println!(
        "Cache-aside on precomputed seeded traces: Zipf {ZIPF_ALPHA} over {ZIPF_KEYS} keys \
         ({zipf_warm} warm-up + {zipf_timed} timed requests), hot set of {HOT_KEYS} keys \
         ({hot_timed} timed requests); {VALUE_BYTES}-byte values; tiercache has 1 shard \
         single-threaded and {SHARED_SHARDS} shared by 2 threads. The caches of a scenario \
         take turns on {} slices of the timed trace; Mreq/s is each one's median slice.\n",
        runner::SLICES
    );
    report::print_table(&rows);
}
