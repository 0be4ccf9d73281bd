//! The hill climber that sizes W-TinyLFU's admission window; ts/policy/climber.ts
//! mirrors it decision for decision. The policy tells it about hits and
//! misses, and after every write asks it by how much to move the window.
//!
//! After each sample of requests (the sketch's sample size: 10 x capacity),
//! the hit rate (in 1/10000) is compared with the previous sample's; the
//! window moves by the step in the direction that last helped, the step
//! decaying by 0.98, restarting at 1/16 of the budget on a change of 5
//! points or more. Integer arithmetic only, so both implementations agree.

use super::slots::Region;

/// Hit rates are compared in units of 1/10000.
const HIT_RATE_SCALE: u64 = 10_000;
/// A hit-rate change of 5% or more restarts the climber with a full step.
const RESTART_THRESHOLD: i64 = 500;

/// What the policy knows when it asks the climber for an adjustment.
// Today's climber reads only the sample size and budget; the rest is part of
// the interface so that a climber driven by region sizes or fullness can
// replace this one without touching the policy.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClimbInput {
    pub window_max: u64,
    pub window_weight: u64,
    pub probation_weight: u64,
    pub protected_weight: u64,
    pub max_weight: u64,
    /// Requests per sample (the sketch's sample size; 0 before it is sized).
    pub sample_size: u64,
    /// Whether the write that just happened found the policy at its budget.
    pub full: bool,
}

/// The climber's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Climber {
    hits_in_sample: u64,
    misses_in_sample: u64,
    previous_hit_rate: i64,
    step: i64,
    /// The sample size seen at the last `adapt`: requests beyond it are not
    /// counted until the sample is evaluated.
    sample_size: u64,
}

impl Climber {
    pub(crate) fn new(max_weight: u64) -> Self {
        let mut climber = Self::default();
        climber.reset(max_weight);
        climber
    }

    /// Starts over, as for a new policy of `max_weight`.
    pub(crate) fn reset(&mut self, max_weight: u64) {
        *self = Self {
            step: -((max_weight / 16) as i64),
            ..Self::default()
        };
    }

    fn counting(&self) -> bool {
        self.hits_in_sample + self.misses_in_sample < self.sample_size
    }

    /// A policy-visible read that hit an entry in `region`.
    pub(crate) fn record_hit(&mut self, _region: Region) {
        if self.counting() {
            self.hits_in_sample += 1;
        }
    }

    /// A miss that inserts a new key.
    pub(crate) fn record_miss(&mut self) {
        if self.counting() {
            self.misses_in_sample += 1;
        }
    }

    /// The signed change to the window's maximum weight: > 0 grows the
    /// window, < 0 shrinks it, 0 leaves it.
    pub(crate) fn adapt(&mut self, input: &ClimbInput) -> i64 {
        self.sample_size = input.sample_size;
        let requests = self.hits_in_sample + self.misses_in_sample;
        if input.sample_size == 0 || requests < input.sample_size {
            return 0;
        }
        let hit_rate = (self.hits_in_sample * HIT_RATE_SCALE / requests) as i64;
        let change = hit_rate - self.previous_hit_rate;
        let amount = if change >= 0 { self.step } else { -self.step };
        let restart = (input.max_weight / 16) as i64;
        self.step = if change.abs() >= RESTART_THRESHOLD {
            if amount >= 0 {
                restart
            } else {
                -restart
            }
        } else {
            amount * 98 / 100
        };
        self.previous_hit_rate = hit_rate;
        self.hits_in_sample = 0;
        self.misses_in_sample = 0;
        amount
    }

    /// Step, previous hit rate, hits and misses in the current sample (for
    /// the differential comparison with the JS twin).
    pub(crate) fn state(&self) -> [f64; 4] {
        [
            self.step as f64,
            self.previous_hit_rate as f64,
            self.hits_in_sample as f64,
            self.misses_in_sample as f64,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(sample_size: u64) -> ClimbInput {
        ClimbInput {
            window_max: 10,
            window_weight: 10,
            probation_weight: 200,
            protected_weight: 790,
            max_weight: 1000,
            sample_size,
            full: true,
        }
    }

    #[test]
    fn nothing_moves_before_a_whole_sample() {
        let mut c = Climber::new(1000);
        assert_eq!(c.adapt(&input(100)), 0);
        for _ in 0..99 {
            c.record_hit(Region::Window);
        }
        assert_eq!(c.adapt(&input(100)), 0);
        c.record_miss();
        // The first sample beats the initial hit rate of 0: the initial
        // (negative) step is taken, and the restart threshold is crossed.
        assert_eq!(c.adapt(&input(100)), -62);
        assert_eq!(c.state(), [-62.0, 9900.0, 0.0, 0.0]);
    }

    #[test]
    fn a_worse_sample_reverses_direction_and_small_changes_decay_the_step() {
        let mut c = Climber::new(1000);
        c.adapt(&input(100));
        let sample = |c: &mut Climber, hits: u32| {
            for i in 0..100 {
                if i < hits {
                    c.record_hit(Region::Probation);
                } else {
                    c.record_miss();
                }
            }
            c.adapt(&input(100))
        };
        assert_eq!(sample(&mut c, 50), -62);
        // 48% is worse by 2 points: reverse, and decay (no restart).
        assert_eq!(sample(&mut c, 48), 62);
        assert_eq!(c.state()[0], 60.0);
        // Better again by 1 point: keep going the same way.
        assert_eq!(sample(&mut c, 49), 60);
        assert_eq!(c.state()[0], 58.0);
    }

    #[test]
    fn requests_beyond_the_sample_are_not_counted() {
        let mut c = Climber::new(1000);
        c.adapt(&input(10));
        for _ in 0..25 {
            c.record_hit(Region::Protected);
        }
        assert_eq!(c.state()[2], 10.0);
    }
}
