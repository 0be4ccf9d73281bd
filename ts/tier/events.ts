/** The events of a TierCache. */

/** An invalidation applied to this instance's L1. */
export interface InvalidateEvent {
  /** `key`: one key; `tag`: deleteByTag; `clear`: clear(); `flush`: L1 dropped because invalidations may have been missed. */
  scope: 'key' | 'tag' | 'clear' | 'flush';
  /** Where it came from: this instance's own call, or another instance (through Redis). */
  source: 'local' | 'remote';
  key?: string;
  tag?: string;
  /** The version of the invalidating write (absent when unknown: server-assisted messages, flushes). */
  version?: number;
  /** For flushes: `connect`, `reconnect`, `gap`, `flushall`, `overflow`. */
  reason?: string;
}

/** Why a stale (grace) value was served. */
export type StaleReason = 'loader_error' | 'soft_timeout' | 'hard_timeout' | 'l2_unavailable' | 'lock_wait';

/** A stale value was served. */
export interface StaleEvent {
  key: string;
  reason: StaleReason;
}

/** Event names and listener arguments of TierCache. */
export interface TierCacheEvents {
  /**
   * A background or swallowed failure: Redis errors behind a miss or a stale
   * value, invalid envelopes (ERR_TIER_INVALID_ENVELOPE / ERR_TIER_BAD_SIGNATURE,
   * with `key`), loader errors hidden by a stale value, refresh-ahead and
   * subscriber failures. Emitted only when a listener exists.
   */
  error: [error: Error & { key?: string }];
  invalidate: [event: InvalidateEvent];
  stale: [event: StaleEvent];
}
