//! Hit ratios of the slot policy (crates/core/src/policy, which LocalCache
//! and OffHeapCache both run) on real and synthetic traces, against LRU and
//! Belady's OPT: `cargo run --release --example trace_sim`.
//!
//! Real traces come from bench/traces (LIRS and cache2k traces, as
//! distributed with Caffeine's simulator), each at 5% and 20% of its
//! distinct keys; the synthetic workloads are the LocalCache benchmark's
//! (same generators and seeds as bench/lib/workloads.js) plus a
//! phase-shifting hot set. Each policy is fed a hit, or a write on a miss.
//!
//! Options:
//! - `--only a,b`: only the workloads whose name contains one of these;
//! - `--before FILE`: a TSV written by `--tsv` with an earlier policy
//!   (bench/hit-ratio-before.tsv), whose W-TinyLFU column is shown as
//!   "before";
//! - `--tsv FILE`: writes the measured table as TSV (to regenerate a
//!   `--before` file, or to compare two policies).
//!
//! docs/local-cache.md (Hit ratio on workloads that shift) has the table.
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::rc::Rc;

use tiercache_core::policy::Policy;

mod workloads;

use workloads::{opt_ratio, simulate, Trace, REAL, SYNTHETIC};

struct Workload {
    real: bool,
    name: String,
    capacity: u64,
    trace: Rc<Trace>,
}

struct Row {
    real: bool,
    name: String,
    capacity: u64,
    lru: f64,
    opt: f64,
    tinylfu: f64,
    before: Option<f64>,
}

fn workloads(only: &[String]) -> Vec<Workload> {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let mut out = Vec::new();
    for (name, read, file) in REAL {
        if !wanted(name) {
            continue;
        }
        let trace = Rc::new(read(file));
        for percent in [5, 20] {
            out.push(Workload {
                real: true,
                name: format!("{name} {percent}%"),
                capacity: (trace.distinct() * percent / 100) as u64,
                trace: trace.clone(),
            });
        }
    }
    for (name, capacity, make) in SYNTHETIC {
        if wanted(name) {
            out.push(Workload {
                real: false,
                name: name.to_string(),
                capacity,
                trace: Rc::new(Trace::dense(make())),
            });
        }
    }
    out
}

/// The W-TinyLFU column of a `--tsv` file, by workload.
fn read_before(path: &str) -> HashMap<String, f64> {
    let text = std::fs::read_to_string(path).expect("--before file");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let parts: Vec<&str> = l.split('\t').collect();
            Some((parts.first()?.to_string(), parts.get(4)?.parse().ok()?))
        })
        .collect()
}

/// OPT's advantage over LRU below which a per-workload share is not shown
/// (zigzag's is 0.05 points: any difference would read as thousands of percent).
const MIN_GAIN: f64 = 0.5;

/// Share of OPT's advantage over LRU that a policy captures.
fn share(policy: f64, lru: f64, opt: f64) -> Option<f64> {
    (opt - lru >= MIN_GAIN).then(|| (policy - lru) / (opt - lru))
}

fn print_table(rows: &[Row]) {
    let pct = |x: f64| format!("{x:.2}");
    let signed = |x: f64| format!("{x:+.2}");
    let shared = |x: Option<f64>| x.map_or("-".to_string(), |s| format!("{:.0}%", 100.0 * s));
    println!("| workload | capacity | LRU | OPT | W-TinyLFU before | W-TinyLFU | before - LRU | W-TinyLFU - LRU | before: share of OPT's gain | W-TinyLFU: share |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        let before = r.before;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.capacity,
            pct(r.lru),
            pct(r.opt),
            before.map_or("-".into(), pct),
            pct(r.tinylfu),
            before.map_or("-".into(), |t| signed(t - r.lru)),
            signed(r.tinylfu - r.lru),
            shared(before.and_then(|t| share(t, r.lru, r.opt))),
            shared(share(r.tinylfu, r.lru, r.opt)),
        );
    }
    // On average: the policy's total gain over LRU as a share of OPT's total
    // gain, so that each workload weighs by the points at stake.
    let overall = |real_only: bool, f: &dyn Fn(&Row) -> Option<f64>| {
        let (gain, possible) =
            rows.iter()
                .filter(|r| r.real || !real_only)
                .fold((0.0, 0.0), |(g, p), r| match f(r) {
                    Some(x) => (g + x - r.lru, p + r.opt - r.lru),
                    None => (g, p),
                });
        (possible > 0.0).then(|| gain / possible)
    };
    let worst = |f: &dyn Fn(&Row) -> Option<f64>| {
        rows.iter()
            .filter_map(|r| f(r).map(|x| x - r.lru))
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))))
    };
    println!(
        "| **all workloads: worst gap to LRU; share of OPT's total gain** | | | | | | {} | {} | {} | {} |",
        worst(&|r| r.before).map_or("-".into(), signed),
        worst(&|r| Some(r.tinylfu)).map_or("-".into(), signed),
        shared(overall(false, &|r| r.before)),
        shared(overall(false, &|r| Some(r.tinylfu))),
    );
    println!(
        "| **real traces only: share of OPT's total gain** | | | | | | | | {} | {} |",
        shared(overall(true, &|r| r.before)),
        shared(overall(true, &|r| Some(r.tinylfu))),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let only: Vec<String> = value("--only")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let before = value("--before").map(|p| read_before(&p));
    let mut rows = Vec::new();
    for w in workloads(&only) {
        let tinylfu = simulate(Policy::TinyLfu, w.capacity, &w.trace);
        let row = Row {
            lru: simulate(Policy::Lru, w.capacity, &w.trace).ratio,
            opt: opt_ratio(w.capacity as usize, &w.trace),
            tinylfu: tinylfu.ratio,
            before: before.as_ref().and_then(|t| t.get(&w.name).copied()),
            real: w.real,
            name: w.name,
            capacity: w.capacity,
        };
        eprintln!(
            "{:24} {:>7} lru {:6.2} opt {:6.2} w-tinylfu {:6.2} (window at the end: {})",
            row.name, row.capacity, row.lru, row.opt, row.tinylfu, tinylfu.state[0]
        );
        rows.push(row);
    }
    print_table(&rows);
    if let Some(path) = value("--tsv") {
        let mut out = File::create(&path).expect("--tsv file");
        writeln!(out, "# workload\tcapacity\tLRU\tOPT\tW-TinyLFU\tbefore").unwrap();
        for r in &rows {
            let before = r.before.map_or("-".into(), |t| format!("{t:.4}"));
            writeln!(
                out,
                "{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{}",
                r.name, r.capacity, r.lru, r.opt, r.tinylfu, before
            )
            .unwrap();
        }
    }
}
