//! xorshift32: the deterministic randomness of the admission policy, so the
//! JS twin draws the same numbers in the same order.

/// A xorshift32 generator; never seeded with zero.
#[derive(Debug, Clone)]
pub(crate) struct XorShift32(u32);

impl XorShift32 {
    /// A generator whose seed depends on the shard, never zero.
    pub(crate) fn for_shard(shard: usize) -> Self {
        Self(0x2545_f491 ^ (shard as u32).wrapping_mul(0x9e37_79b9) | 1)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}
