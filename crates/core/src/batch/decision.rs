//! The packed per-load decision and the staging layout shared with
//! `ts/batch/protocol.ts`. Both sides must agree on every constant here.

/// Rejected: accepting the load would exceed `maxQueued` or `maxQueuedBytes`.
pub const REJECT_QUEUE_FULL: i32 = -1;
/// Rejected: the item is larger than `maxBatchBytes` (with `oversize: 'reject'`)
/// or larger than `maxQueuedBytes`, so it could never be queued.
pub const REJECT_TOO_LARGE: i32 = -2;

/// Flag: the load occupies a slot that had no live waiter before (a new key,
/// or a key whose earlier waiters all aborted); the caller records its key.
pub const NEW_SLOT: i32 = 1;
/// Flag: the open batch was sealed before this load, which starts the next batch.
pub const SEALED_BEFORE: i32 = 2;
/// Flag: the batch holding this load was sealed right after it.
pub const SEALED_AFTER: i32 = 4;
/// Accepted decisions carry the slot index above the flag bits.
pub const SLOT_SHIFT: u32 = 3;
/// Slot positions per batch (live or dead); reaching it seals the batch.
pub const SLOT_LIMIT: u32 = 1 << 26;

/// Values per staged load in the staging array.
pub const STAGE_STRIDE: usize = 3;
/// Field 0 of a staged load (input): its key is a number, held in field 1.
pub const KEY_NUMBER: f64 = -1.0;
/// Field 0 of a staged load (input): it has no key and is never deduplicated.
pub const KEY_NONE: f64 = -2.0;
// Field 0 otherwise holds the UTF-16 length of the load's text key, which
// follows the previous text key in the joined text. Field 2 holds the size in
// bytes. On output, field 0 holds the decision.

/// Packs an accepted decision.
pub fn accepted(slot: u32, flags: i32) -> i32 {
    ((slot as i32) << SLOT_SHIFT) | flags
}

/// The slot of an accepted decision.
pub fn slot_of(decision: i32) -> u32 {
    (decision >> SLOT_SHIFT) as u32
}
