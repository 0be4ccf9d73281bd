//! Sizing of the admission window (adaptive W-TinyLFU): the policy tells the
//! climber about its requests, and after every write asks by how much the
//! window's maximum should change. ts/policy/climber.ts mirrors this file
//! decision for decision (integer arithmetic only, every value below 2^53).
//!
//! The climber judges the policy against two reference caches that see the
//! same requests on a sample of the keys (shadow.rs): plain LRU, which is the
//! policy with its window at the whole budget, and TinyLFU without a window,
//! the frequency end of the range. Comparing outcomes request by request
//! (paired) cancels what the workload does to every cache at once (a trend,
//! a scan, a phase change), which comparing a sample's hit rate with an
//! earlier sample's cannot tell apart from the effect of a move.
//!
//! - Samples are counted only while the policy is full. A sample is at least
//!   max(capacity, 4096) requests and 1024 sampled requests.
//! - LRU decisively better (it hit at least 64 sampled requests more than the
//!   policy, twice as many as the other way round, 4 standard deviations of
//!   the paired difference, and at least half a point): the window jumps to
//!   the whole budget at once, even in the middle of a sample (a zigzag or a
//!   new hot set costs every request until then). At the end of a sample the
//!   bar is 32 requests and 3 standard deviations.
//! - TinyLFU decisively better at the end of a sample (same bar): the window
//!   jumps to its minimum.
//! - Otherwise, hill climbing on the policy's paired advantage over LRU
//!   (its hits minus LRU's, per sampled request): compared with the anchor
//!   (the advantage where the current run of moves last changed
//!   significantly, beyond 2.5 standard deviations), a significant gain
//!   doubles the step, a significant loss halves and reverses it, anything
//!   else lets it decay by 5%; it stays between 0.5% and 25% of the budget.
//! - The first move shrinks the window by the smallest step. After a jump to
//!   LRU the next move probes back down, by 1/16 of the budget, then half as
//!   much after every further jump to LRU, until a move pays off; after a
//!   jump down it probes up by the smallest step.

use super::shadow::{Shadow, ShadowKind};
use super::sketch::Sketch;
use super::slots::Region;

/// Rates and advantages are in units of 1/10000.
const SCALE: i64 = 10_000;
/// Fewest requests in a sample.
const MIN_SAMPLE: u64 = 4096;
/// Fewest sampled requests in a sample.
const MIN_SAMPLED: u64 = 1024;
/// Hill-climbing significance, in tenths of a standard deviation.
const SIGNIFICANCE_TENTHS: i64 = 25;

/// Length of [`Climber::state`].
pub(crate) const CLIMBER_STATE_LEN: usize = 16;

/// What the policy tells the climber when it asks for an adjustment.
// The climber reads the window's maximum, the budget, the sample size and
// fullness; the region weights are part of the interface for climbers that
// would use them.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ClimbInput {
    /// The window's maximum weight.
    pub window_max: u64,
    /// Weight of the window region.
    pub window_weight: u64,
    /// Weight of the probation region.
    pub probation_weight: u64,
    /// Weight of the protected region.
    pub protected_weight: u64,
    /// The policy's budget.
    pub max_weight: u64,
    /// The frequency sketch's sample size (10 x its capacity in entries; 0
    /// before it is sized).
    pub sample_size: u64,
    /// Whether the policy is at its budget.
    pub full: bool,
}

/// How much evidence a jump needs.
struct Bar {
    /// Least difference of the two counts of exclusive hits.
    margin: i64,
    /// Standard deviations of the paired difference, in tenths.
    tenths: i64,
}

/// In the middle of a sample.
const EARLY: Bar = Bar {
    margin: 64,
    tenths: 40,
};
/// At the end of a sample.
const COMPLETE: Bar = Bar {
    margin: 32,
    tenths: 30,
};

/// Whether a reference cache that hit `theirs` sampled requests the policy
/// missed, against `ours` the other way round, out of `sampled`, is
/// decisively better: by `bar`, twice as many, and at least half a point.
fn decisive(theirs: u64, ours: u64, sampled: u64, bar: &Bar) -> bool {
    let (t, o, n) = (theirs as i64, ours as i64, sampled as i64);
    let lead = t - o;
    lead >= bar.margin
        && t >= 2 * o
        && lead * lead * 100 > bar.tenths * bar.tenths * (t + o)
        && lead * SCALE >= 50 * n
}

/// The climber's state.
#[derive(Debug, Clone)]
pub(crate) struct Climber {
    /// Whether requests are being counted (the policy was full at the last adaptation).
    sampling: bool,
    /// Requests in the current sample.
    requests: u64,
    /// Sampled requests in the current sample, and among them those only
    /// LRU hit, those the policy hit and LRU missed, those only TinyLFU hit
    /// and those the policy hit and TinyLFU missed.
    sampled: u64,
    lru_only: u64,
    ours_not_lru: u64,
    tiny_lfu_only: u64,
    ours_not_tiny_lfu: u64,
    /// Paired advantage over LRU (offset by SCALE, so never negative) where
    /// the current run of moves last changed significantly, and its
    /// variance; -1 before the first sample of a run.
    anchor: i64,
    anchor_variance: i64,
    /// The next move: its sign is the direction (> 0 grows the window).
    step: i64,
    /// The first shrink after the next jump to LRU; 0 = 1/16 of the budget.
    probe: i64,
    /// The window maximum a jump is moving to (several writes when more
    /// entries must move than one adjustment moves), -1 when none; and the
    /// window maximum at the previous adjustment, to stop a jump that
    /// cannot progress.
    target: i64,
    last_window: u64,
    lru: Shadow,
    tiny_lfu: Shadow,
}

impl Climber {
    /// A climber for a policy of `max_weight`.
    pub(crate) fn new(max_weight: u64) -> Self {
        let mut climber = Self {
            sampling: false,
            requests: 0,
            sampled: 0,
            lru_only: 0,
            ours_not_lru: 0,
            tiny_lfu_only: 0,
            ours_not_tiny_lfu: 0,
            anchor: -1,
            anchor_variance: 0,
            step: 0,
            probe: 0,
            target: -1,
            last_window: 0,
            lru: Shadow::new(ShadowKind::Lru),
            tiny_lfu: Shadow::new(ShadowKind::TinyLfu),
        };
        climber.reset(max_weight);
        climber
    }

    /// Starts over (after the policy is cleared).
    pub(crate) fn reset(&mut self, max_weight: u64) {
        self.sampling = false;
        self.start_sample();
        self.anchor = -1;
        self.anchor_variance = 0;
        self.step = -smallest_step(max_weight);
        self.probe = 0;
        self.target = -1;
        self.last_window = 0;
        self.lru.reset();
        self.tiny_lfu.reset();
    }

    /// Sizes the reference caches (when the policy sizes its sketch); only
    /// the first call counts.
    pub(crate) fn size(
        &mut self,
        max_weight: u64,
        max_entries: u64,
        capacity: u64,
        weighted: bool,
    ) {
        self.lru.size(max_weight, max_entries, capacity, weighted);
        self.tiny_lfu
            .size(max_weight, max_entries, capacity, weighted);
    }

    /// Whether requests for `hash` go to the reference caches
    /// ([`Self::record_sampled`]).
    pub(crate) fn samples(&self, hash: u32) -> bool {
        self.lru.samples(hash)
    }

    /// A policy-visible read that hit an entry in `region`.
    pub(crate) fn record_hit(&mut self, region: Region) {
        let _ = region;
        if self.sampling {
            self.requests += 1;
        }
    }

    /// A miss that inserts a new key.
    pub(crate) fn record_miss(&mut self) {
        if self.sampling {
            self.requests += 1;
        }
    }

    /// A request for a sampled key of `weight` (after `record_hit` or
    /// `record_miss`): the reference caches see it, and while sampling their
    /// outcomes are compared with the policy's (`hit`).
    pub(crate) fn record_sampled(
        &mut self,
        hash: u32,
        weight: u64,
        hit: bool,
        sketch: &mut Sketch,
    ) {
        let lru = self.lru.access(hash, weight, sketch);
        let tiny_lfu = self.tiny_lfu.access(hash, weight, sketch);
        if !self.sampling {
            return;
        }
        self.sampled += 1;
        match (hit, lru) {
            (false, true) => self.lru_only += 1,
            (true, false) => self.ours_not_lru += 1,
            _ => {}
        }
        match (hit, tiny_lfu) {
            (false, true) => self.tiny_lfu_only += 1,
            (true, false) => self.ours_not_tiny_lfu += 1,
            _ => {}
        }
    }

    /// A key left the cache on request or by expiry: the reference caches
    /// drop it too.
    pub(crate) fn forget(&mut self, hash: u32) {
        self.lru.forget(hash);
        self.tiny_lfu.forget(hash);
    }

    fn start_sample(&mut self) {
        self.requests = 0;
        self.sampled = 0;
        self.lru_only = 0;
        self.ours_not_lru = 0;
        self.tiny_lfu_only = 0;
        self.ours_not_tiny_lfu = 0;
    }

    /// Starts moving the window to `target` (from `window_max`): the first
    /// adjustment of a jump.
    fn jump(&mut self, target: u64, window_max: u64) -> i64 {
        self.start_sample();
        self.anchor = -1;
        self.target = target as i64;
        self.last_window = window_max;
        target as i64 - window_max as i64
    }

    /// Called after each write: the signed change to the window's maximum
    /// weight (> 0 grows the window, < 0 shrinks it, 0 leaves it).
    pub(crate) fn adapt(&mut self, input: &ClimbInput) -> i64 {
        self.sampling = input.full && input.sample_size > 0;
        if !self.sampling {
            self.start_sample();
            return 0;
        }
        let window = input.window_max;
        if self.target >= 0 {
            let target = self.target as u64;
            if window != target && window != self.last_window {
                self.last_window = window;
                return target as i64 - window as i64;
            }
            self.target = -1;
        }
        let max = input.max_weight;
        let lo = smallest_step(max);
        let complete = self.requests >= (input.sample_size / 10).max(MIN_SAMPLE)
            && self.sampled >= MIN_SAMPLED;
        let bar = if complete { &COMPLETE } else { &EARLY };
        if window < max && decisive(self.lru_only, self.ours_not_lru, self.sampled, bar) {
            let probe = if self.probe == 0 {
                initial_step(max)
            } else {
                self.probe
            };
            self.step = -probe.max(lo);
            self.probe = (probe / 2).max(lo);
            return self.jump(max, window);
        }
        if !complete {
            return 0;
        }
        if window > lo as u64
            && decisive(
                self.tiny_lfu_only,
                self.ours_not_tiny_lfu,
                self.sampled,
                &COMPLETE,
            )
        {
            self.step = lo;
            return self.jump(lo as u64, window);
        }
        let (theirs, ours, n) = (
            self.lru_only as i64,
            self.ours_not_lru as i64,
            self.sampled as i64,
        );
        self.start_sample();
        let advantage = (ours + n - theirs) * SCALE / n;
        let variance = (theirs + ours) * SCALE / n * SCALE / n;
        if self.anchor < 0 {
            self.anchor = advantage;
            self.anchor_variance = variance;
            return self.step;
        }
        let change = advantage - self.anchor;
        let tolerance =
            ((variance + self.anchor_variance) as u64).isqrt() as i64 * SIGNIFICANCE_TENTHS / 10;
        let mut size = self.step.abs();
        let mut grow = self.step > 0;
        if change < -tolerance {
            size /= 2;
            grow = !grow;
            self.anchor = advantage;
            self.anchor_variance = variance;
        } else if change > tolerance {
            size *= 2;
            self.anchor = advantage;
            self.anchor_variance = variance;
            self.probe = 0;
        } else {
            size = size * 95 / 100;
        }
        size = size.clamp(lo, (max as i64 / 4).max(lo));
        self.step = if grow { size } else { -size };
        self.step
    }

    /// The state, for differential tests against the JS twin.
    pub(crate) fn state(&self) -> [f64; CLIMBER_STATE_LEN] {
        let lru = self.lru.state();
        let tiny_lfu = self.tiny_lfu.state();
        [
            f64::from(u8::from(self.sampling)),
            self.requests as f64,
            self.sampled as f64,
            self.lru_only as f64,
            self.ours_not_lru as f64,
            self.tiny_lfu_only as f64,
            self.ours_not_tiny_lfu as f64,
            self.anchor as f64,
            self.anchor_variance as f64,
            self.step as f64,
            self.probe as f64,
            self.target as f64,
            lru[0],
            lru[1],
            tiny_lfu[0],
            tiny_lfu[1],
        ]
    }
}

/// The first step after a jump to LRU: 1/16 of the budget.
fn initial_step(max_weight: u64) -> i64 {
    ((max_weight / 16) as i64).max(1)
}

/// The smallest step (0.5% of the budget), which is also the window's
/// minimum for a jump down.
fn smallest_step(max_weight: u64) -> i64 {
    ((max_weight / 200) as i64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 1000;

    fn input(window_max: u64, full: bool) -> ClimbInput {
        ClimbInput {
            window_max,
            max_weight: MAX,
            sample_size: 10 * MAX,
            full,
            ..ClimbInput::default()
        }
    }

    fn climber() -> (Climber, Sketch) {
        let mut c = Climber::new(MAX);
        c.size(MAX, MAX, MAX, false);
        let mut sketch = Sketch::default();
        sketch.ensure_capacity(MAX);
        assert_eq!(c.adapt(&input(10, true)), 0, "starts sampling");
        (c, sketch)
    }

    /// One request for `hash` on which the policy missed (as the policy
    /// reports it: the sketch counts it, then the climber hears of it).
    fn miss(c: &mut Climber, sketch: &mut Sketch, hash: u32) {
        sketch.increment(hash);
        c.record_miss();
        c.record_sampled(hash, 1, false, sketch);
    }

    #[test]
    fn counts_nothing_until_the_policy_is_full() {
        let mut c = Climber::new(MAX);
        c.size(MAX, MAX, MAX, false);
        let mut sketch = Sketch::default();
        sketch.ensure_capacity(MAX);
        for h in 0..3 * MAX as u32 {
            miss(&mut c, &mut sketch, h % 100);
            assert_eq!(c.adapt(&input(10, false)), 0);
        }
        assert_eq!(c.state()[..7], [0.0; 7]);
        assert_eq!(c.state()[12], 100.0, "the shadows saw the requests");
    }

    #[test]
    fn a_decisively_better_lru_takes_the_whole_budget_at_once() {
        let (mut c, mut sketch) = climber();
        // A loop over 100 keys that the policy (say) keeps missing: LRU hits
        // every one after the first round.
        let mut moved = 0;
        for i in 0..1000u32 {
            miss(&mut c, &mut sketch, i % 100);
            moved = c.adapt(&input(10, true));
            if moved != 0 {
                assert_eq!(i, 100 + 63, "after 64 exclusive LRU hits, mid-sample");
                break;
            }
        }
        assert_eq!(moved, (MAX - 10) as i64);
        assert_eq!(c.adapt(&input(500, true)), 500, "the jump continues");
        assert_eq!(c.adapt(&input(500, true)), 0, "until it stops progressing");
        // The next move probes down by 1/16 of the budget.
        assert_eq!(c.state()[9], -62.0);
    }

    #[test]
    fn a_decisively_better_tiny_lfu_sends_the_window_to_its_minimum() {
        let (mut c, mut sketch) = climber();
        // A hot set of 200 keys, each followed by a scan of 2000 keys seen
        // once: LRU loses the hot set to the scan, TinyLFU keeps it.
        let mut scan = 1_000_000;
        let mut moved = 0;
        'outer: for _round in 0..20 {
            for hot in 0..200u32 {
                miss(&mut c, &mut sketch, hot);
                moved = c.adapt(&input(500, true));
                if moved != 0 {
                    break 'outer;
                }
            }
            for _ in 0..2000 {
                scan += 1;
                miss(&mut c, &mut sketch, scan);
                moved = c.adapt(&input(500, true));
                if moved != 0 {
                    break 'outer;
                }
            }
        }
        assert_eq!(moved, 5 - 500, "to 0.5% of the budget");
        assert_eq!(c.state()[9], 5.0, "then probes up by the smallest step");
    }

    #[test]
    fn the_first_move_shrinks_the_window_by_the_smallest_step() {
        let (mut c, mut sketch) = climber();
        // Every request a new key: no cache hits, nobody is better.
        let mut moved = 0;
        for h in 0..MIN_SAMPLE as u32 {
            miss(&mut c, &mut sketch, 10_000 + h);
            moved = c.adapt(&input(10, true));
        }
        assert_eq!(moved, -5);
        assert_eq!(
            c.state()[7],
            SCALE as f64,
            "the anchor: no advantage over LRU"
        );
    }

    #[test]
    fn decisive_needs_the_margin_the_ratio_and_the_deviations() {
        assert!(decisive(64, 0, 10_000, &EARLY));
        assert!(!decisive(63, 0, 10_000, &EARLY), "margin");
        assert!(!decisive(130, 66, 10_000, &EARLY), "not twice as many");
        assert!(!decisive(64, 0, 20_000, &EARLY), "under half a point");
        assert!(decisive(32, 0, 4_000, &COMPLETE));
    }

    #[test]
    fn reset_starts_over() {
        let (mut c, mut sketch) = climber();
        for i in 0..300u32 {
            miss(&mut c, &mut sketch, i % 100);
            c.adapt(&input(10, true));
        }
        c.reset(MAX);
        assert_eq!(c.state(), Climber::new(MAX).state());
    }
}
