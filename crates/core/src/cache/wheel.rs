//! A hierarchical timer wheel (after Caffeine's TimerWheel): expiry costs
//! O(1) per entry to schedule and is swept a bucket at a time, never with one
//! timer per entry. Spans are powers of two of milliseconds, so the JS twin
//! computes the same buckets with exact float arithmetic up to 2^53 ms.

use super::slab::{Link, Links, List, Slab, NIL, NO_BUCKET};

/// log2 of the bucket span of each level, in milliseconds (1.02 s, 65.5 s,
/// 69.9 min, 3.1 days, 199 days).
const SPAN_BITS: [u32; 5] = [10, 16, 22, 28, 34];
/// Buckets per level; the last level is a single overflow bucket.
const BUCKETS: [usize; 5] = [64, 64, 64, 64, 1];
const TOTAL_BUCKETS: usize = 64 * 4 + 1;

fn bucket_index(level: usize, ticks: u64) -> usize {
    level * 64 + (ticks as usize & (BUCKETS[level] - 1))
}

/// The timer wheel of one shard: bucket lists threaded through the slab.
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

    /// Empties every bucket (the slab is being cleared at the same time).
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
    pub(crate) fn schedule(&mut self, slab: &mut Slab, slot: u32) {
        let expires = slab.meta(slot).expires;
        let duration = expires.saturating_sub(self.time);
        let mut bucket = TOTAL_BUCKETS - 1;
        for level in 0..4 {
            if duration < 1u64 << SPAN_BITS[level + 1] {
                bucket = bucket_index(level, expires >> SPAN_BITS[level]);
                break;
            }
        }
        slab.meta_mut(slot).wbucket = bucket as u16;
        slab.push_tail(Links::Wheel, &mut self.buckets[bucket], slot);
        self.len += 1;
    }

    /// Takes `slot` out of its bucket, if it is in one.
    pub(crate) fn unschedule(&mut self, slab: &mut Slab, slot: u32) {
        let bucket = slab.meta(slot).wbucket;
        if bucket == NO_BUCKET {
            return;
        }
        slab.unlink(Links::Wheel, &mut self.buckets[bucket as usize], slot);
        slab.meta_mut(slot).wbucket = NO_BUCKET;
        self.len -= 1;
    }

    /// Advances the wheel to `now` and returns, in sweep order, the slots whose
    /// buckets came due. Each returned slot is out of the wheel; the caller
    /// expires the ones whose time has come and reschedules the others.
    pub(crate) fn advance(&mut self, slab: &mut Slab, now: u64, due: &mut Vec<u32>) {
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
                    let Link { next, .. } = slab.link(Links::Wheel, slot);
                    slab.meta_mut(slot).wbucket = NO_BUCKET;
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

    fn entry(slab: &mut Slab, expires: u64) -> u32 {
        slab.insert("k", b"", 0, expires)
    }

    fn sweep(wheel: &mut Wheel, slab: &mut Slab, now: u64) -> Vec<u32> {
        let mut due = vec![];
        wheel.advance(slab, now, &mut due);
        let mut expired = vec![];
        for slot in due {
            if slab.meta(slot).expires <= now {
                expired.push(slot);
            } else {
                wheel.schedule(slab, slot);
            }
        }
        expired
    }

    #[test]
    fn entries_come_due_no_later_than_one_bucket_span_after_expiry() {
        let mut slab = Slab::default();
        let mut wheel = Wheel::new(0);
        let times = [
            5u64,
            1500,
            70_000,
            5_000_000,
            1 << 33,
            1 << 40,
            (1 << 53) - 1,
        ];
        let slots: Vec<u32> = times.iter().map(|&t| entry(&mut slab, t)).collect();
        for &s in &slots {
            wheel.schedule(&mut slab, s);
        }
        let mut expired_at = vec![None; slots.len()];
        let mut now = 0u64;
        // Walk time forward in uneven steps up to past the last expiry.
        while now < (1u64 << 53) {
            now = (now + 1 + now / 3).min(1 << 53);
            for s in sweep(&mut wheel, &mut slab, now) {
                let i = slots.iter().position(|&x| x == s).unwrap();
                assert!(expired_at[i].is_none());
                expired_at[i] = Some(now);
            }
        }
        for (i, &t) in times.iter().enumerate() {
            let at = expired_at[i].expect("every entry expires");
            assert!(at >= t, "entry {i} expired early");
        }
    }

    #[test]
    fn unschedule_removes_from_the_middle_of_a_bucket() {
        let mut slab = Slab::default();
        let mut wheel = Wheel::new(0);
        let a = entry(&mut slab, 100);
        let b = entry(&mut slab, 200);
        let c = entry(&mut slab, 300);
        for s in [a, b, c] {
            wheel.schedule(&mut slab, s);
        }
        wheel.unschedule(&mut slab, b);
        wheel.unschedule(&mut slab, b);
        assert_eq!(sweep(&mut wheel, &mut slab, 2048), vec![a, c]);
    }
}
