//! Counters of an accumulator and the reasons a batch is sealed.

use crate::error::{Error, Result};

/// Why a batch was sealed (its flush reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealReason {
    /// Its unique keys reached `maxBatchSize`.
    Size = 0,
    /// Its bytes reached `maxBatchBytes`, or the next item would overflow them.
    Bytes = 1,
    /// It holds one item larger than `maxBatchBytes`, sent alone.
    Oversize = 2,
    /// Its first item became `maxWaitMs` old.
    Time = 3,
    /// The tick in which it was opened ended (no `maxWaitMs`).
    Tick = 4,
    /// `flush()` was called.
    Manual = 5,
    /// `close()` was called.
    Close = 6,
}

impl SealReason {
    /// Every reason, in index order.
    pub const ALL: [SealReason; 7] = [
        SealReason::Size,
        SealReason::Bytes,
        SealReason::Oversize,
        SealReason::Time,
        SealReason::Tick,
        SealReason::Manual,
        SealReason::Close,
    ];

    /// The reason with index `index` (as sent from JavaScript).
    pub fn from_index(index: u32) -> Result<Self> {
        Self::ALL.get(index as usize).copied().ok_or_else(|| {
            Error::invalid_argument(format!("reason must be between 0 and 6, got {index}"))
        })
    }
}

/// Names of the values of [`BatchStats::to_vec`], in order.
pub const STATS_FIELDS: [&str; 19] = [
    "loads",
    "deduped",
    "batches",
    "items",
    "maxBatchItems",
    "flushSize",
    "flushBytes",
    "flushOversize",
    "flushTime",
    "flushTick",
    "flushManual",
    "flushClose",
    "rejectedQueueFull",
    "rejectedTooLarge",
    "inFlight",
    "queued",
    "queuedBytes",
    "queuedBatches",
    "openItems",
];

/// A snapshot of an accumulator's counters and current levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Loads accepted (duplicates included).
    pub loads: u64,
    /// Loads that joined an existing slot of the open batch.
    pub deduped: u64,
    /// Batches handed to `execute`.
    pub batches: u64,
    /// Keys handed to `execute`, over all batches.
    pub items: u64,
    /// The most keys handed to `execute` at once.
    pub max_batch_items: u64,
    /// Batches sealed with at least one live key, by [`SealReason`] index.
    pub flushes: [u64; 7],
    /// Loads rejected because a queued cap was reached.
    pub rejected_queue_full: u64,
    /// Loads rejected because the item was too large.
    pub rejected_too_large: u64,
    /// Batches currently executing.
    pub in_flight: u64,
    /// Loads accumulated and not yet executing.
    pub queued: u64,
    /// Bytes of the distinct keys accumulated and not yet executing.
    pub queued_bytes: u64,
    /// Sealed batches waiting for an in-flight slot.
    pub queued_batches: u64,
    /// Live keys in the open batch.
    pub open_items: u64,
}

impl BatchStats {
    /// The values in [`STATS_FIELDS`] order (exact as f64 below 2^53).
    pub fn to_vec(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(STATS_FIELDS.len());
        out.extend([
            self.loads,
            self.deduped,
            self.batches,
            self.items,
            self.max_batch_items,
        ]);
        out.extend(self.flushes);
        out.extend([
            self.rejected_queue_full,
            self.rejected_too_large,
            self.in_flight,
            self.queued,
            self.queued_bytes,
            self.queued_batches,
            self.open_items,
        ]);
        out.into_iter().map(|v| v as f64).collect()
    }
}
