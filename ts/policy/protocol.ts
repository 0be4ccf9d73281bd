/**
 * The protocol between LocalCache's JS index and its policy, identical for
 * the native policy (crates/node/src/policy.rs over crates/core/src/policy)
 * and the JS twin (js-port.ts over js-policy.ts). Only numbers cross: slot
 * ids, generations, key hashes, sizes and times, through three typed arrays
 * that JS allocates and attaches once.
 *
 * - `ring` (Int32Array): recorded hits, (slot, generation) pairs, written by
 *   the index on every hit and applied by `drain` (or first thing in a write).
 * - `io` (Float64Array): the numeric arguments of write/delete/purge (see
 *   IO_*), and the policy's accounted bytes after every call.
 * - `out` (Int32Array): the slots that left in the last call, (slot, Reason)
 *   pairs, OUT_PAIRS at a time (`more` pages through the rest).
 *
 * Key hashes are the 32-bit hash both implementations share (FNV-1a over
 * the UTF-8 bytes, finished with murmur3's fmix32; ts/local/hash.ts), carried
 * as a uint32 in a double: the policy uses it only for the frequency sketch,
 * which, like Caffeine's, takes 32 bits.
 */

/** Eviction policy of a cache. */
export type PolicyKind = 'tinylfu' | 'lru';

/** Budgets of one policy; maxBytes 0 means "no byte budget" (weights are entries). */
export interface PolicyBudget {
  maxEntries: number;
  maxBytes: number;
}

/** Why a slot left; the numbers of crates/core/src/policy/mod.rs `Reason`. */
export const enum Reason {
  /** Removed to respect the entry or byte budget. */
  Evicted = 0,
  /** Its time to live passed. */
  Expired = 1,
  /** The entry of the current write, refused within that write. */
  Rejected = 2,
  /** Removed on request. */
  Deleted = 3,
}

/** Recorded hits per drain: the ring holds this many (slot, generation) pairs. */
export const RING_PAIRS = 256;
/** Removed slots reported per page of `out`. */
export const OUT_PAIRS = 256;

/** io layout: the arguments of write (slot, generation, hash, bytes, expires, now). */
export const IO_SLOT = 0;
export const IO_GENERATION = 1;
export const IO_HASH = 2;
export const IO_BYTES = 3;
export const IO_EXPIRES = 4;
export const IO_NOW = 5;
/** io layout: the reason of a delete. */
export const IO_REASON = 6;
/** io layout: the policy's accounted bytes after the call. */
export const IO_TOTAL_BYTES = 7;
export const IO_LENGTH = 8;

/**
 * One LocalCache's policy, native or JS. Every call that changes anything
 * first applies `pending` recorded hits from the ring. Results that report
 * removals are `removed * 2 + flag`; the removed pairs are in `out`.
 */
export interface PolicyPort {
  readonly ring: Int32Array;
  readonly out: Int32Array;
  /** Applies `pending` recorded hits. */
  drain(pending: number): void;
  /** Stores slot's entry; flag = whether it is live afterwards. */
  write(pending: number, slot: number, generation: number, hash: number, bytes: number, expires: number, now: number): number;
  /** Sweeps due timers, then removes `slot` for `reason`; flag = whether it was live to be removed. */
  delete(pending: number, slot: number, reason: Reason, now: number): number;
  /** Sweeps due timers; the number removed (flag always 0). */
  purge(pending: number, now: number): number;
  /** Copies the next page of the last call's removals into `out`; how many pairs. */
  more(): number;
  /** Forgets every entry (pending hits are dropped). */
  clear(): void;
  /** Live, unexpired slots per region, most recently used first. */
  order(pending: number, now: number): number[];
  /** The policy state (differential tests). */
  state(): number[];
  /** Accounted bytes of the live entries. */
  bytes(): number;
}
