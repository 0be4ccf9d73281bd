//! Hit-ratio guards on real traces (bench/traces): the adaptive window must
//! keep W-TinyLFU within a point of LRU on the recency-heavy LIRS traces and
//! keep its gains on the loop and multi-pattern ones. A few of the
//! trace_sim rows (examples/trace_sim), small enough to replay in a debug
//! build in a few seconds.
//!
//! These are integration tests on purpose: .ci/valgrind-core runs only the
//! library's unit-test binary under valgrind, where replaying traces would
//! take minutes.

#[allow(dead_code)]
#[path = "../examples/trace_sim/workloads.rs"]
mod workloads;

use tiercache_core::policy::Policy;
use workloads::{read_lirs, simulate, Trace};

/// W-TinyLFU's and LRU's hit ratios (%) at `percent` of the trace's distinct keys.
fn ratios(trace: &Trace, percent: usize) -> (f64, f64) {
    let capacity = (trace.distinct() * percent / 100) as u64;
    (
        simulate(Policy::TinyLfu, capacity, trace).ratio,
        simulate(Policy::Lru, capacity, trace).ratio,
    )
}

/// Asserts, at 5% and 20% of `file`'s distinct keys, that W-TinyLFU's hit
/// ratio is at least LRU's plus `margin` points (negative: at most that far below).
fn assert_against_lru(file: &str, margin: f64) {
    let trace = read_lirs(file);
    for percent in [5, 20] {
        let (tiny_lfu, lru) = ratios(&trace, percent);
        assert!(
            tiny_lfu >= lru + margin,
            "{file} {percent}%: {tiny_lfu:.2} vs LRU {lru:.2}"
        );
    }
}

#[test]
fn zigzag_stays_within_a_point_of_lru() {
    assert_against_lru("lirs_zigzag.trace.gz", -1.0);
}

#[test]
fn sprite_stays_within_a_point_of_lru() {
    assert_against_lru("lirs_sprite.trace.gz", -1.0);
}

#[test]
fn multi2_keeps_its_gain_over_lru() {
    assert_against_lru("lirs_multi2.trace.gz", 10.0);
}

#[test]
fn loop_keeps_most_of_opts_gain_over_lru() {
    // LRU hits nothing on a loop larger than the cache; OPT hits 19.94% at 20%.
    let trace = read_lirs("lirs_loop.trace.gz");
    let (tiny_lfu, lru) = ratios(&trace, 20);
    assert!(
        tiny_lfu >= lru + 15.0,
        "loop 20%: {tiny_lfu:.2} vs LRU {lru:.2}"
    );
}
