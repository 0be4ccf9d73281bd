//! The accumulator: decides, load by load, which slot of which batch a load
//! joins, when a batch is sealed, and when a sealed batch may start.

use std::collections::VecDeque;

use super::decision::{
    accepted, KEY_NONE, KEY_NUMBER, NEW_SLOT, REJECT_QUEUE_FULL, REJECT_TOO_LARGE, SEALED_AFTER,
    SEALED_BEFORE, SLOT_LIMIT, STAGE_STRIDE,
};
use super::key_index::{Key, KeyIndex, Vacant};
use super::limits::{Limits, Oversize};
use super::stats::{BatchStats, SealReason};
use crate::error::{Error, ErrorKind, Result};
use crate::text::plural;

/// Largest size or count exact in an f64 (JavaScript's `Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// One slot of a batch: its waiting loads (0: dead) and its size.
#[derive(Debug, Clone, Copy)]
struct Slot {
    waiters: u32,
    size: u64,
}

/// One batch: its slots and totals.
#[derive(Debug, Default)]
struct Batch {
    seq: u64,
    slots: Vec<Slot>,
    live: u32,
    bytes: u64,
    waiting: u64,
}

impl Batch {
    fn positions(&self) -> u32 {
        self.slots.len() as u32
    }
}

const POOL_LIMIT: usize = 16;

/// The accumulator of one `BatchProcessor`. See the module docs.
#[derive(Debug)]
pub struct Accumulator {
    limits: Limits,
    open: Batch,
    index: KeyIndex,
    ready: VecDeque<Batch>,
    pool: Vec<Batch>,
    in_flight: u64,
    queued: u64,
    queued_bytes: u64,
    stats: BatchStats,
}

/// Whether `value`, already checked to be in 0..=2^53, has no fractional
/// part, without a libm call or a saturating conversion.
#[inline(always)]
fn is_integral(value: f64) -> bool {
    // SAFETY: callers check 0 <= value <= 2^53 first, so it fits an i64.
    (unsafe { value.to_int_unchecked::<i64>() }) as f64 == value
}

/// The key and size of validated load `i` of a stage; advances `offset`
/// past its text.
#[inline]
fn decode<'t>(
    text: &'t [u16],
    stage: &[f64],
    i: usize,
    offset: &mut usize,
) -> (Option<Key<'t>>, u64) {
    let base = i * STAGE_STRIDE;
    let kind = stage[base];
    let key = if kind >= 0.0 {
        // SAFETY: validated as an integer in 0..=2^53.
        let len = unsafe { kind.to_int_unchecked::<i64>() } as usize;
        let units = &text[*offset..*offset + len];
        *offset += len;
        Some(Key::Text(units))
    } else if kind == KEY_NUMBER {
        Some(Key::Number(stage[base + 1]))
    } else {
        None
    };
    // SAFETY: validated as an integer in 0..=2^53.
    let size = unsafe { stage[base + 2].to_int_unchecked::<i64>() } as u64;
    (key, size)
}

fn invalid_state(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidState, message)
}

impl Accumulator {
    /// Creates an accumulator enforcing `limits`.
    pub fn new(limits: Limits) -> Result<Self> {
        limits.validate()?;
        Ok(Self {
            limits,
            open: Batch::default(),
            index: KeyIndex::new(),
            ready: VecDeque::new(),
            pool: Vec::new(),
            in_flight: 0,
            queued: 0,
            queued_bytes: 0,
            stats: BatchStats::default(),
        })
    }

    /// The bounds this accumulator enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The sequence number of the open batch: the number of batches sealed
    /// (or dropped by [`Self::clear`]) before it.
    pub fn open_seq(&self) -> u64 {
        self.open.seq
    }

    /// Decides one load of `key` (`None`: never deduplicated) of `size` bytes
    /// and returns the packed decision (see [`super::decision`]).
    pub fn add(&mut self, key: Option<Key<'_>>, size: u64) -> i32 {
        let key = if self.limits.dedupe { key } else { None };
        let mut revive = None;
        let mut vacant = None;
        if let Some(k) = key {
            match self.index.find(k) {
                Ok(slot) if self.open.slots[slot as usize].waiters > 0 => return self.join(slot),
                Ok(slot) => revive = Some(slot),
                Err(v) => vacant = Some(v),
            }
        }
        let limits = self.limits;
        let oversize = size > limits.max_batch_bytes;
        if (oversize && limits.oversize == Oversize::Reject) || size > limits.max_queued_bytes {
            self.stats.rejected_too_large += 1;
            return REJECT_TOO_LARGE;
        }
        if self.queued >= limits.max_queued || size > limits.max_queued_bytes - self.queued_bytes {
            self.stats.rejected_queue_full += 1;
            return REJECT_QUEUE_FULL;
        }
        let mut flags = NEW_SLOT;
        if oversize {
            if self.seal(SealReason::Bytes) {
                flags |= SEALED_BEFORE;
            }
            let slot = self.occupy(None, size);
            self.seal(SealReason::Oversize);
            return accepted(slot, flags | SEALED_AFTER);
        }
        if size > limits.max_batch_bytes - self.open.bytes && self.seal(SealReason::Bytes) {
            flags |= SEALED_BEFORE;
            revive = None;
            // The index was reset: the key is vacant in the fresh batch.
            vacant = key.map(|k| self.index.vacancy(k));
        }
        let slot = match revive {
            Some(slot) => {
                self.open.slots[slot as usize] = Slot { waiters: 1, size };
                self.count_new_slot(size);
                slot
            }
            None => self.occupy(key.zip(vacant), size),
        };
        let sealed =
            if self.open.live >= limits.max_batch_size || self.open.positions() >= SLOT_LIMIT {
                self.seal(SealReason::Size)
            } else {
                self.open.bytes == limits.max_batch_bytes && self.seal(SealReason::Bytes)
            };
        if sealed {
            flags |= SEALED_AFTER;
        }
        accepted(slot, flags)
    }

    fn join(&mut self, slot: u32) -> i32 {
        if self.queued >= self.limits.max_queued {
            self.stats.rejected_queue_full += 1;
            return REJECT_QUEUE_FULL;
        }
        self.open.slots[slot as usize].waiters += 1;
        self.open.waiting += 1;
        self.queued += 1;
        self.stats.loads += 1;
        self.stats.deduped += 1;
        accepted(slot, 0)
    }

    #[inline(always)]
    fn occupy(&mut self, key: Option<(Key<'_>, Vacant)>, size: u64) -> u32 {
        let slot = self.open.positions();
        self.open.slots.push(Slot { waiters: 1, size });
        if let Some((k, vacant)) = key {
            self.index.insert(k, vacant, slot);
        }
        self.count_new_slot(size);
        slot
    }

    #[inline]
    fn count_new_slot(&mut self, size: u64) {
        self.open.live += 1;
        self.open.bytes += size;
        self.open.waiting += 1;
        self.queued += 1;
        self.queued_bytes += size;
        self.stats.loads += 1;
    }

    /// Decides `count` staged loads. `stage` holds [`STAGE_STRIDE`] values per
    /// load (see [`super::decision`]); `text` holds their text keys, joined.
    /// Field 0 of each load is overwritten with its decision. Nothing is
    /// applied when the input is malformed.
    pub fn ingest(&mut self, text: &[u16], stage: &mut [f64], count: usize) -> Result<()> {
        let needed = count
            .checked_mul(STAGE_STRIDE)
            .filter(|&n| n <= stage.len());
        if needed.is_none() {
            return Err(Error::invalid_argument(format!(
                "stage holds {}, too few for {}",
                plural(stage.len() as u64, "value"),
                plural(count as u64, "load")
            )));
        }
        let mut text_used = 0usize;
        for i in 0..count {
            let kind = stage[i * STAGE_STRIDE];
            let size = stage[i * STAGE_STRIDE + 2];
            if !((0.0..=MAX_SAFE).contains(&size) && is_integral(size)) {
                return Err(Error::invalid_argument(format!(
                    "size of load {i} must be an integer between 0 and {MAX_SAFE}, got {size}"
                )));
            }
            if (0.0..=MAX_SAFE).contains(&kind) && is_integral(kind) {
                // SAFETY: just checked to be an integer in 0..=2^53.
                text_used += unsafe { kind.to_int_unchecked::<i64>() } as usize;
                if text_used > text.len() {
                    return Err(Error::invalid_argument(format!(
                        "text keys of the stage need {}, text has {}",
                        plural(text_used as u64, "code unit"),
                        text.len()
                    )));
                }
            } else if kind != KEY_NUMBER && kind != KEY_NONE {
                return Err(Error::invalid_argument(format!(
                    "key kind of load {i} is invalid: {kind}"
                )));
            }
        }
        let mut offset = 0usize;
        let mut i = 0usize;
        while i < count {
            i = self.ingest_common(text, stage, count, i, &mut offset);
            if i == count {
                break;
            }
            let (key, size) = decode(text, stage, i, &mut offset);
            stage[i * STAGE_STRIDE] = f64::from(self.add(key, size));
            i += 1;
        }
        Ok(())
    }

    /// Decides validated loads from `i` on while each one takes the common
    /// path (a join, or a new slot that neither seals nor is refused), with
    /// the counters in locals; returns the index of the first load that
    /// needs [`Self::add`] (not decided yet), or `count`. The decisions are
    /// exactly those `add` would make: this is `add` with its rare branches
    /// cut off.
    #[inline(always)]
    fn ingest_common(
        &mut self,
        text: &[u16],
        stage: &mut [f64],
        count: usize,
        mut i: usize,
        offset: &mut usize,
    ) -> usize {
        let limits = self.limits;
        let open = &mut self.open;
        let index = &mut self.index;
        let mut queued = self.queued;
        let mut queued_bytes = self.queued_bytes;
        let mut loads = 0u64;
        let mut deduped = 0u64;
        while i < count {
            let base = i * STAGE_STRIDE;
            let mut text_end = *offset;
            let kind = stage[base];
            let key = if kind >= 0.0 {
                // SAFETY: validated by `ingest` as an integer in 0..=2^53.
                text_end += unsafe { kind.to_int_unchecked::<i64>() } as usize;
                Some(Key::Text(&text[*offset..text_end]))
            } else if kind == KEY_NUMBER {
                Some(Key::Number(stage[base + 1]))
            } else {
                None
            }
            .filter(|_| limits.dedupe);
            // SAFETY: validated by `ingest` as an integer in 0..=2^53.
            let size = unsafe { stage[base + 2].to_int_unchecked::<i64>() } as u64;
            let vacant = match key {
                Some(k) => match index.find(k) {
                    Ok(slot) => {
                        let entry = &mut open.slots[slot as usize];
                        if entry.waiters == 0 || queued >= limits.max_queued {
                            break;
                        }
                        entry.waiters += 1;
                        open.waiting += 1;
                        queued += 1;
                        loads += 1;
                        deduped += 1;
                        stage[base] = f64::from(accepted(slot, 0));
                        *offset = text_end;
                        i += 1;
                        continue;
                    }
                    Err(vacant) => Some((k, vacant)),
                },
                None => None,
            };
            let positions = open.positions();
            let fits = size <= limits.max_batch_bytes
                && size <= limits.max_batch_bytes - open.bytes
                && size <= limits.max_queued_bytes
                && size <= limits.max_queued_bytes - queued_bytes
                && queued < limits.max_queued
                && open.live + 1 < limits.max_batch_size
                && positions + 1 < SLOT_LIMIT
                && open.bytes + size != limits.max_batch_bytes;
            if !fits {
                break;
            }
            let slot = positions;
            open.slots.push(Slot { waiters: 1, size });
            if let Some((k, vacant)) = vacant {
                index.insert(k, vacant, slot);
            }
            open.live += 1;
            open.bytes += size;
            open.waiting += 1;
            queued += 1;
            queued_bytes += size;
            loads += 1;
            stage[base] = f64::from(accepted(slot, NEW_SLOT));
            *offset = text_end;
            i += 1;
        }
        self.queued = queued;
        self.queued_bytes = queued_bytes;
        self.stats.loads += loads;
        self.stats.deduped += deduped;
        i
    }

    /// Seals the open batch for `reason` and queues it to start. Returns
    /// false (and does nothing) when the open batch has no slot at all.
    pub fn seal(&mut self, reason: SealReason) -> bool {
        if self.open.slots.is_empty() {
            return false;
        }
        if self.open.live > 0 {
            self.stats.flushes[reason as usize] += 1;
        }
        let next = self.fresh_batch(self.open.seq + 1);
        let sealed = std::mem::replace(&mut self.open, next);
        self.ready.push_back(sealed);
        self.index.reset();
        true
    }

    fn fresh_batch(&mut self, seq: u64) -> Batch {
        let mut batch = self.pool.pop().unwrap_or_default();
        batch.seq = seq;
        batch
    }

    fn recycle(&mut self, mut batch: Batch) {
        if self.pool.len() < POOL_LIMIT {
            batch.slots.clear();
            batch.live = 0;
            batch.bytes = 0;
            batch.waiting = 0;
            self.pool.push(batch);
        }
    }

    /// Starts the oldest sealed batch when an in-flight slot is free. Returns
    /// -1 when none can start, 0 when the batch started had no live key left
    /// (it is dropped without an `execute`), else its number of live keys
    /// (then [`Self::complete`] must follow once `execute` settles).
    pub fn start_next(&mut self) -> i64 {
        if self.ready.is_empty() || self.in_flight >= self.limits.max_in_flight {
            return -1;
        }
        let Some(batch) = self.ready.pop_front() else {
            return -1;
        };
        self.queued -= batch.waiting;
        self.queued_bytes -= batch.bytes;
        let live = batch.live;
        if live > 0 {
            self.in_flight += 1;
            self.stats.batches += 1;
            self.stats.items += u64::from(live);
            self.stats.max_batch_items = self.stats.max_batch_items.max(u64::from(live));
        }
        self.recycle(batch);
        i64::from(live)
    }

    /// Records that one started batch settled, freeing its in-flight slot.
    pub fn complete(&mut self) -> Result<()> {
        if self.in_flight == 0 {
            return Err(invalid_state("complete() called with no batch in flight"));
        }
        self.in_flight -= 1;
        Ok(())
    }

    /// Removes one waiting load (aborted) from `slot` of the batch numbered
    /// `seq`, which must not have started. Returns true when the slot has no
    /// waiter left: it is then dead, its key will not be sent and its bytes
    /// are released.
    pub fn release(&mut self, seq: u64, slot: u32) -> Result<bool> {
        let batch = if self.open.seq == seq {
            &mut self.open
        } else {
            let found = self.ready.binary_search_by_key(&seq, |b| b.seq);
            match found {
                Ok(i) => &mut self.ready[i],
                Err(_) => return Err(invalid_state(format!("batch {seq} is not queued"))),
            }
        };
        let Some(entry) = batch.slots.get_mut(slot as usize) else {
            return Err(invalid_state(format!("batch {seq} has no slot {slot}")));
        };
        if entry.waiters == 0 {
            return Err(invalid_state(format!(
                "slot {slot} of batch {seq} has no waiter"
            )));
        }
        entry.waiters -= 1;
        let (left, size) = (entry.waiters, entry.size);
        batch.waiting -= 1;
        self.queued -= 1;
        if left > 0 {
            return Ok(false);
        }
        batch.live -= 1;
        batch.bytes -= size;
        self.queued_bytes -= size;
        Ok(true)
    }

    /// Drops the open batch and every sealed batch that has not started
    /// (`close()` without flushing). Returns the number of loads dropped.
    pub fn clear(&mut self) -> u64 {
        let dropped = self.queued;
        while let Some(batch) = self.ready.pop_front() {
            self.recycle(batch);
        }
        if !self.open.slots.is_empty() {
            let next = self.fresh_batch(self.open.seq + 1);
            let old = std::mem::replace(&mut self.open, next);
            self.recycle(old);
            self.index.reset();
        }
        self.queued = 0;
        self.queued_bytes = 0;
        dropped
    }

    /// Counters and current levels.
    pub fn stats(&self) -> BatchStats {
        BatchStats {
            in_flight: self.in_flight,
            queued: self.queued,
            queued_bytes: self.queued_bytes,
            queued_batches: self.ready.len() as u64,
            open_items: u64::from(self.open.live),
            ..self.stats.clone()
        }
    }
}
