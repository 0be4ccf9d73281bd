/**
 * The accumulator protocol shared with crates/core/src/batch/decision.rs and
 * stats.rs: the packed per-load decision, the staging layout, seal reasons
 * and the order of the stats vector. Both sides must agree on every constant.
 */

/** Decision: accepting the load would exceed `maxQueued` or `maxQueuedBytes`. */
export const REJECT_QUEUE_FULL = -1;
/** Decision: the item is larger than `maxBatchBytes` (oversize 'reject') or than `maxQueuedBytes`. */
export const REJECT_TOO_LARGE = -2;
/** Flag: the load occupies a slot with no live waiter before; record its key. */
export const NEW_SLOT = 1;
/** Flag: the open batch was sealed before this load, which starts the next batch. */
export const SEALED_BEFORE = 2;
/** Flag: the batch holding this load was sealed right after it. */
export const SEALED_AFTER = 4;
/** Accepted decisions carry the slot index above the flag bits. */
export const SLOT_SHIFT = 3;
/** Slot positions per batch (live or dead); reaching it seals the batch. */
export const SLOT_LIMIT = 2 ** 26;
/** The largest accepted `maxBatchSize`. */
export const MAX_BATCH_SIZE = 2 ** 24;

/** Values per staged load in the stage: [key kind or text length / decision, numeric key, size]. */
export const STAGE_STRIDE = 3;
/** Stage field 0: the load's key is a number, held in field 1. */
export const KEY_NUMBER = -1;
/** Stage field 0: the load has no key and is never deduplicated. */
export const KEY_NONE = -2;

/** Why a batch was sealed; the values are the Rust `SealReason` indices. */
export const SealReason = {
  size: 0,
  bytes: 1,
  oversize: 2,
  time: 3,
  tick: 4,
  manual: 5,
  close: 6,
} as const;

/** One of the {@link SealReason} values. */
export type SealReasonValue = (typeof SealReason)[keyof typeof SealReason];

/** The names of the stats vector, in the order of `STATS_FIELDS` in Rust. */
export const STATS_FIELDS = [
  'loads',
  'deduped',
  'batches',
  'items',
  'maxBatchItems',
  'flushSize',
  'flushBytes',
  'flushOversize',
  'flushTime',
  'flushTick',
  'flushManual',
  'flushClose',
  'rejectedQueueFull',
  'rejectedTooLarge',
  'inFlight',
  'queued',
  'queuedBytes',
  'queuedBatches',
  'openItems',
] as const;
