//! A hierarchical timer wheel (after Caffeine's TimerWheel): expiry costs
//! O(1) per entry to schedule and is swept a bucket at a time, never with one
//! timer per entry. Spans are powers of two of milliseconds, so the JS twin
//! computes the same buckets with exact float arithmetic up to 2^53 ms.

use super::slots::{Link, Links, List, Slots, NIL, NO_BUCKET};

/// log2 of the bucket span of each level, in milliseconds (1.02 s, 65.5 s,
/// 69.9 min, 3.1 days, 199 days).
const SPAN_BITS: [u32; 5] = [10, 16, 22, 28, 34];
/// Buckets per level; the last level is a single overflow bucket.
const BUCKETS: [usize; 5] = [64, 64, 64, 64, 1];
const TOTAL_BUCKETS: usize = 64 * 4 + 1;

fn bucket_index(level: usize, ticks: u64) -> usize {
    level * 64 + (ticks as usize & (BUCKETS[level] - 1))
}

/// The timer wheel of one shard: bucket lists threaded through the slots.
#[derive(Debug)]
pub(crate) struct Wheel {
    buckets: [List; TOTAL_BUCKETS],
    /// The time the wheel was last advanced to.
    time: u64,
    /// Entries in buckets.
    len: usize,
}

impl Wheel {
    pub(crate) fn new(time: u64) -> Self {
        Self {
            buckets: [List::default(); TOTAL_BUCKETS],
            time,
            len: 0,
        }
    }

    /// Empties every bucket (the slots are being cleared at the same time).
    pub(crate) fn clear(&mut self) {
        self.buckets = [List::default(); TOTAL_BUCKETS];
        self.len = 0;
    }

    /// Whether no entry is scheduled (then sweeping has nothing to do and
    /// the wheel's time is left behind).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Brings an empty wheel's time up to `now` before it takes an entry, as
    /// if it had been advanced all along (it had nothing to sweep).
    pub(crate) fn catch_up(&mut self, now: u64) {
        if self.len == 0 && now > self.time {
            self.time = now;
        }
    }

    /// Puts `slot` in the bucket of its expiry time relative to the wheel's time.
    pub(crate) fn schedule(&mut self, slots: &mut Slots, slot: u32) {
        let expires = slots.meta(slot).expires;
        let duration = expires.saturating_sub(self.time);
        let mut bucket = TOTAL_BUCKETS - 1;
        for level in 0..4 {
            if duration < 1u64 << SPAN_BITS[level + 1] {
                bucket = bucket_index(level, expires >> SPAN_BITS[level]);
                break;
            }
        }
        slots.meta_mut(slot).wbucket = bucket as u16;
        slots.push_tail(Links::Wheel, &mut self.buckets[bucket], slot);
        self.len += 1;
    }

    /// Takes `slot` out of its bucket, if it is in one.
    pub(crate) fn unschedule(&mut self, slots: &mut Slots, slot: u32) {
        let bucket = slots.meta(slot).wbucket;
        if bucket == NO_BUCKET {
            return;
        }
        slots.unlink(Links::Wheel, &mut self.buckets[bucket as usize], slot);
        slots.meta_mut(slot).wbucket = NO_BUCKET;
        self.len -= 1;
    }

    /// Advances the wheel to `now` and returns, in sweep order, the slots whose
    /// buckets came due. Each returned slot is out of the wheel; the caller
    /// expires the ones whose time has come and reschedules the others.
    pub(crate) fn advance(&mut self, slots: &mut Slots, now: u64, due: &mut Vec<u32>) {
        if now <= self.time {
            return;
        }
        let previous = self.time;
        self.time = now;
        for level in 0..5 {
            let previous_ticks = previous >> SPAN_BITS[level];
            let current_ticks = now >> SPAN_BITS[level];
            if current_ticks <= previous_ticks {
                break;
            }
            let delta = current_ticks - previous_ticks;
            let steps = (delta + 1).min(BUCKETS[level] as u64);
            for step in 0..steps {
                let bucket = bucket_index(level, previous_ticks + step);
                let mut slot = std::mem::take(&mut self.buckets[bucket]).head;
                while slot != NIL {
                    let Link { next, .. } = slots.link(Links::Wheel, slot);
                    slots.meta_mut(slot).wbucket = NO_BUCKET;
                    self.len -= 1;
                    due.push(slot);
                    slot = next;
                }
            }
        }
    }

    /// The time the wheel was last advanced to.
    pub(crate) fn time(&self) -> u64 {
        self.time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(slots: &mut Slots, expires: u64) -> u32 {
        let slot = slots.capacity() as u32;
        slots.ensure(slot);
        let m = slots.meta_mut(slot);
        m.expires = expires;
        m.live = true;
        slot
    }

    fn sweep(wheel: &mut Wheel, slots: &mut Slots, now: u64) -> Vec<u32> {
        let mut due = vec![];
        wheel.advance(slots, now, &mut due);
        let mut expired = vec![];
        for slot in due {
            if slots.meta(slot).expires <= now {
                expired.push(slot);
            } else {
                wheel.schedule(slots, slot);
            }
        }
        expired
    }

    #[test]
    fn entries_come_due_at_expiry_and_no_later_than_one_level_zero_span_after() {
        // Level 0 buckets span 1024 ms: an entry is swept once time enters the
        // bucket after its expiry's bucket, so at most 1024 ms late (plus the
        // 64 ms granularity at which this test sweeps near the deadline).
        const STEP: u64 = 64;
        for t in [
            5u64,
            1500,
            70_000,
            5_000_000,
            1 << 33,
            1 << 40,
            (1 << 53) - 1,
        ] {
            let mut slots = Slots::default();
            let mut wheel = Wheel::new(0);
            let slot = entry(&mut slots, t);
            wheel.schedule(&mut slots, slot);
            let mut now = 0u64;
            // Uneven jumps to shortly before the deadline: nothing comes due early.
            while now + 4096 < t {
                now = (now + 1 + now / 3).min(t - 4096);
                assert!(
                    sweep(&mut wheel, &mut slots, now).is_empty(),
                    "{t}: due early at {now}"
                );
            }
            let at = loop {
                now += STEP;
                if !sweep(&mut wheel, &mut slots, now).is_empty() {
                    break now;
                }
                assert!(now < t + 4096, "{t}: never came due");
            };
            assert!(at >= t, "{t}: expired early at {at}");
            assert!(at < t + 1024 + STEP, "{t}: came due {} ms late", at - t);
        }
    }

    #[test]
    fn unschedule_removes_from_the_middle_of_a_bucket() {
        let mut slots = Slots::default();
        let mut wheel = Wheel::new(0);
        let a = entry(&mut slots, 100);
        let b = entry(&mut slots, 200);
        let c = entry(&mut slots, 300);
        for s in [a, b, c] {
            wheel.schedule(&mut slots, s);
        }
        wheel.unschedule(&mut slots, b);
        wheel.unschedule(&mut slots, b);
        assert_eq!(sweep(&mut wheel, &mut slots, 2048), vec![a, c]);
    }
}
