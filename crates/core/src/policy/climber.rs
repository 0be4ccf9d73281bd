//! Hill climbing of the admission window's size (adaptive W-TinyLFU): the
//! policy reports hits and inserting misses, and after each write asks how
//! much the window's maximum should change. The climber holds no reference
//! to the policy, which applies the change by moving entries between window
//! and main. ts/local/js/climber.ts mirrors it exactly: integer arithmetic
//! only, every intermediate value below 2^53.
//!
//! Caffeine's climber compares each sample's hit rate with the previous one,
//! over samples of 10 x capacity requests, with a step that decays by 2% per
//! sample. That is too slow for workloads that shift and, comparing
//! consecutive samples, it cannot tell a slow slope from noise. This one:
//! - samples only while the policy is full, every max(capacity, 4096)
//!   requests (the floor keeps the binomial noise of a sample near or below
//!   one point, and spans the period of looping small-cache traces);
//! - compares each sample with an *anchor*, the hit rate where the current
//!   run of moves last changed significantly, so a slope made of steps
//!   each too small to see still adds up to a reversal;
//! - calls a change significant beyond 2.5 standard deviations of the
//!   difference of two samples' hit rates, and restarts (full step) on a
//!   change of 5 points or more, which is a new workload rather than noise;
//! - doubles the step after a significant gain, halves it and reverses after
//!   a significant loss, and lets it decay by 5% per sample otherwise; the
//!   step stays between 0.5% and 25% of the budget;
//! - starts by growing the window (the policy lets it reach the whole
//!   budget, which is LRU), so a recency-heavy workload finds its large
//!   window within a few samples, while a frequency-heavy one reverses.

use super::slots::Region;

/// Hit rates are in units of 1/10000.
const SCALE: u64 = 10_000;
/// Fewest requests in a sample.
const MIN_SAMPLE: u64 = 4096;
/// A change of the hit rate of this much (5 points) is a new workload.
const RESTART: i64 = 500;
/// Significance, in tenths of a standard deviation of the difference of two
/// samples' hit rates.
const SIGNIFICANCE_TENTHS: i64 = 25;

/// What the policy tells the climber when it asks for an adjustment.
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
    /// before it is initialised).
    pub sample_size: u64,
    /// Whether the policy is at its budget.
    pub full: bool,
}

/// Length of [`Climber::state`].
pub(crate) const CLIMBER_STATE_LEN: usize = 5;

/// The climber's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Climber {
    /// Whether requests are being counted (the policy was full at the last adaptation).
    sampling: bool,
    hits: u64,
    misses: u64,
    /// Hit rate where the current run of moves last changed significantly; -1 before the first sample.
    anchor: i64,
    /// The next move: its sign is the direction (> 0 grows the window).
    step: i64,
}

impl Climber {
    /// A climber for a policy of `max_weight`.
    pub(crate) fn new(max_weight: u64) -> Self {
        let mut climber = Self::default();
        climber.reset(max_weight);
        climber
    }

    /// Starts over (after the policy is cleared).
    pub(crate) fn reset(&mut self, max_weight: u64) {
        *self = Self {
            anchor: -1,
            step: initial_step(max_weight),
            ..Self::default()
        };
    }

    /// A policy-visible read that hit an entry in `region`.
    pub(crate) fn record_hit(&mut self, region: Region) {
        let _ = region;
        if self.sampling {
            self.hits += 1;
        }
    }

    /// A miss that inserts a new key.
    pub(crate) fn record_miss(&mut self) {
        if self.sampling {
            self.misses += 1;
        }
    }

    /// Called after each write: the signed change to the window's maximum
    /// weight (> 0 grows the window, < 0 shrinks it, 0 leaves it).
    pub(crate) fn adapt(&mut self, input: &ClimbInput) -> i64 {
        self.sampling = input.full && input.sample_size > 0;
        if !self.sampling {
            self.hits = 0;
            self.misses = 0;
            return 0;
        }
        let requests = self.hits + self.misses;
        if requests < (input.sample_size / 10).max(MIN_SAMPLE) {
            return 0;
        }
        let rate = (self.hits * SCALE / requests) as i64;
        self.hits = 0;
        self.misses = 0;
        if self.anchor < 0 {
            self.anchor = rate;
            return self.step;
        }
        let max = input.max_weight;
        let change = rate - self.anchor;
        let mut size = self.step.abs();
        let mut grow = self.step > 0;
        if change.abs() >= RESTART {
            size = initial_step(max);
            grow ^= change < 0;
            self.anchor = rate;
        } else if change < -tolerance(self.anchor, requests) {
            size /= 2;
            grow = !grow;
            self.anchor = rate;
        } else if change > tolerance(self.anchor, requests) {
            size *= 2;
            self.anchor = rate;
        } else {
            size = size * 95 / 100;
        }
        let lo = ((max / 200) as i64).max(1);
        let hi = ((max / 4) as i64).max(lo);
        size = size.clamp(lo, hi);
        self.step = if grow { size } else { -size };
        self.step
    }

    /// The state, for differential tests against the JS twin: whether it is
    /// sampling, hits and misses in the current sample, the anchor and the
    /// next step.
    pub(crate) fn state(&self) -> [f64; CLIMBER_STATE_LEN] {
        [
            f64::from(u8::from(self.sampling)),
            self.hits as f64,
            self.misses as f64,
            self.anchor as f64,
            self.step as f64,
        ]
    }
}

/// The first (and restart) step: 1/16 of the budget, growing the window.
fn initial_step(max_weight: u64) -> i64 {
    ((max_weight / 16) as i64).max(1)
}

/// The smallest significant change of the hit rate from `anchor` after a
/// sample of `requests`: 2.5 standard deviations of the difference of two
/// such samples' rates, sqrt(2 p (1 - p) / n), in units of 1/10000.
fn tolerance(anchor: i64, requests: u64) -> i64 {
    let p = anchor.clamp(100, 9_900) as u64;
    let variance = 2 * p * (SCALE - p) / requests;
    variance.isqrt() as i64 * SIGNIFICANCE_TENTHS / 10
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 10_000;

    fn input(full: bool) -> ClimbInput {
        ClimbInput {
            window_max: 100,
            max_weight: MAX,
            sample_size: 10 * MAX,
            full,
            ..ClimbInput::default()
        }
    }

    /// Feeds one whole sample of `MAX` requests at `rate_percent` hits and
    /// returns the adjustment asked for at its end.
    fn sample(c: &mut Climber, rate_percent: u64) -> i64 {
        for i in 0..MAX {
            if i % 100 < rate_percent {
                c.record_hit(Region::Probation);
            } else {
                c.record_miss();
            }
            if i + 1 < MAX {
                assert_eq!(c.adapt(&input(true)), 0, "no move within a sample");
            }
        }
        c.adapt(&input(true))
    }

    fn started() -> Climber {
        let mut c = Climber::new(MAX);
        assert_eq!(c.adapt(&input(true)), 0);
        c
    }

    #[test]
    fn counts_nothing_until_the_policy_is_full() {
        let mut c = Climber::new(MAX);
        for _ in 0..3 * MAX {
            c.record_hit(Region::Window);
            assert_eq!(c.adapt(&input(false)), 0);
        }
        assert_eq!(c.state(), [0.0, 0.0, 0.0, -1.0, 625.0]);
        assert_eq!(c.adapt(&input(true)), 0);
        c.record_miss();
        assert_eq!(c.state()[..3], [1.0, 0.0, 1.0]);
    }

    #[test]
    fn first_sample_grows_the_window_by_a_sixteenth() {
        let mut c = started();
        assert_eq!(sample(&mut c, 40), 625);
        assert_eq!(c.state()[3], 4000.0);
    }

    #[test]
    fn a_gain_doubles_the_step_and_keeps_the_direction() {
        let mut c = started();
        sample(&mut c, 40);
        assert_eq!(sample(&mut c, 43), 1250);
        assert_eq!(
            sample(&mut c, 46),
            2500,
            "capped at a quarter of the budget"
        );
        assert_eq!(sample(&mut c, 49), 2500);
    }

    #[test]
    fn a_loss_halves_the_step_and_reverses() {
        let mut c = started();
        sample(&mut c, 40);
        assert_eq!(sample(&mut c, 37), -312);
        assert_eq!(sample(&mut c, 34), 156);
    }

    #[test]
    fn noise_only_decays_the_step() {
        let mut c = started();
        sample(&mut c, 40);
        // One point is within 2.5 standard deviations of two 10k-request samples.
        assert_eq!(sample(&mut c, 41), 593);
        assert_eq!(sample(&mut c, 39), 563);
        assert_eq!(c.state()[3], 4000.0, "the anchor stays");
    }

    #[test]
    fn small_losses_that_add_up_reverse() {
        let mut c = started();
        sample(&mut c, 50);
        assert_eq!(sample(&mut c, 49), 593, "one point: noise");
        assert_eq!(
            sample(&mut c, 48),
            -296,
            "two points below the anchor: a loss"
        );
    }

    #[test]
    fn a_new_workload_restarts_with_a_full_step() {
        let mut c = started();
        sample(&mut c, 40);
        sample(&mut c, 37);
        assert_eq!(
            sample(&mut c, 80),
            -625,
            "a jump keeps the direction at full step"
        );
        assert_eq!(sample(&mut c, 20), 625, "a fall reverses it at full step");
    }

    #[test]
    fn the_step_never_falls_below_half_a_percent() {
        let mut c = started();
        sample(&mut c, 40);
        for _ in 0..200 {
            let step = sample(&mut c, 40);
            assert!(step.abs() >= 50);
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut c = started();
        sample(&mut c, 40);
        sample(&mut c, 30);
        c.reset(MAX);
        assert_eq!(c.state(), Climber::new(MAX).state());
    }

    #[test]
    fn tolerance_follows_the_binomial_noise() {
        // p = 0.5, n = 10,000: sd of a difference = 0.707% -> 70 units, x 2.5.
        assert_eq!(tolerance(5_000, 10_000), 175);
        assert_eq!(tolerance(5_000, 40_000), 87);
        assert_eq!(tolerance(0, 10_000), tolerance(100, 10_000));
    }
}
