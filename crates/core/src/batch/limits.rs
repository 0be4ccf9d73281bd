//! The bounds an accumulator enforces, validated once at construction.

use crate::error::{Error, Result};

/// The largest accepted `maxBatchSize` (slot indices must fit the packed decision).
pub const MAX_BATCH_SIZE: u32 = 1 << 24;

/// What happens to an item larger than `max_batch_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// It is sent in a batch of its own.
    Alone,
    /// It is rejected with [`crate::batch::decision::REJECT_TOO_LARGE`].
    Reject,
}

/// Bounds of one accumulator. `u64::MAX` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Unique keys (live slots) that seal a batch.
    pub max_batch_size: u32,
    /// Bytes that seal a batch; an item that would overflow starts the next one.
    pub max_batch_bytes: u64,
    /// Loads (waiters, duplicates included) accumulated and not yet executing.
    pub max_queued: u64,
    /// Bytes of the distinct keys accumulated and not yet executing.
    pub max_queued_bytes: u64,
    /// Concurrent batches handed to `execute`.
    pub max_in_flight: u64,
    /// Whether identical keys in the open batch share one slot.
    pub dedupe: bool,
    /// The fate of an item larger than `max_batch_bytes`.
    pub oversize: Oversize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_batch_size: 1000,
            max_batch_bytes: u64::MAX,
            max_queued: 100_000,
            max_queued_bytes: u64::MAX,
            max_in_flight: 64,
            dedupe: true,
            oversize: Oversize::Alone,
        }
    }
}

impl Limits {
    /// Checks every bound; the error names the offending option.
    pub fn validate(&self) -> Result<()> {
        if self.max_batch_size == 0 || self.max_batch_size > MAX_BATCH_SIZE {
            return Err(Error::invalid_argument(format!(
                "options.maxBatchSize must be between 1 and {MAX_BATCH_SIZE}, got {}",
                self.max_batch_size
            )));
        }
        for (name, value) in [
            ("maxBatchBytes", self.max_batch_bytes),
            ("maxQueued", self.max_queued),
            ("maxQueuedBytes", self.max_queued_bytes),
            ("maxInFlight", self.max_in_flight),
        ] {
            if value == 0 {
                return Err(Error::invalid_argument(format!(
                    "options.{name} must be at least 1, got 0"
                )));
            }
        }
        Ok(())
    }
}

/// Converts a JavaScript limit to a count: a positive safe integer, or
/// `Infinity` for unlimited (`u64::MAX`).
pub fn limit_from_f64(value: f64, name: &str) -> Result<u64> {
    if value == f64::INFINITY {
        return Ok(u64::MAX);
    }
    if !(value.is_finite()
        && value >= 1.0
        && value.fract() == 0.0
        && value <= 9_007_199_254_740_991.0)
    {
        return Err(Error::invalid_argument(format!(
            "options.{name} must be an integer between 1 and 9007199254740991, or Infinity, got {value}"
        )));
    }
    Ok(value as u64)
}
