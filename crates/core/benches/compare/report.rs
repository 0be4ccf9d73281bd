//! The markdown table: requests/s, hit ratio, and ratios against moka
//! (TinyLFU) and quick_cache in the same scenario of the same run.

use crate::runner::Measurement;

/// One cell of the comparison.
pub struct Row {
    pub scenario: String,
    pub cache: &'static str,
    pub measurement: Measurement,
}

/// Names of the baseline rows the ratios refer to.
pub const MOKA: &str = "moka tinylfu";
pub const QUICK_CACHE: &str = "quick_cache";

fn ratio(row: &Row, rows: &[Row], baseline: &str) -> String {
    rows.iter()
        .find(|r| r.scenario == row.scenario && r.cache == baseline)
        .map_or_else(
            || "-".to_owned(),
            |base| {
                format!(
                    "{:.2}x",
                    row.measurement.requests_per_second / base.measurement.requests_per_second
                )
            },
        )
}

/// Prints every row as one markdown table.
pub fn print_table(rows: &[Row]) {
    println!(
        "| scenario | cache | Mreq/s | hit ratio | vs moka | vs quick_cache | allocs/req | heap B/entry |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        let m = &row.measurement;
        println!(
            "| {} | {} | {:.2} | {:.2}% | {} | {} | {:.2} | {:.0} |",
            row.scenario,
            row.cache,
            m.requests_per_second / 1e6,
            m.hit_ratio() * 100.0,
            ratio(row, rows, MOKA),
            ratio(row, rows, QUICK_CACHE),
            m.allocations_per_request(),
            m.bytes_per_entry(),
        );
    }
}

/// CPU model, core count, memory and load, from /proc where it exists.
pub fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown cpu", |(_, m)| m.trim());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mem_gib = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib >> 20);
    let load = read("/proc/loadavg");
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{cores} x {model}, {mem_gib} GiB, {}-{}, load {load}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
