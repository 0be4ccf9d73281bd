/**
 * An entry as TierCache's tiers hold it: the decoded value plus what the
 * coherence protocol needs (version, basis, tags) and its times on the
 * TierCache clock.
 */

/** One cached value with its coherence metadata. */
export interface Entry {
  /** The value (decoded; held by reference in the value L1). */
  readonly value: unknown;
  /** The Redis-issued version of the write that produced it (0 without L2: local writes only). */
  readonly version: number;
  /**
   * The namespace counter value the data is known to be at least as new as:
   * the write's own version for set(), the counter observed before the load
   * for loaded values. A clear() or deleteByTag() with a higher version
   * invalidates the entry.
   */
  readonly basis: number;
  readonly createdAt: number;
  /** Served as fresh before this time. */
  readonly freshUntil: number;
  /** Servable as stale (grace) before this time, when the loader or Redis fails. */
  readonly staleUntil: number;
  readonly tags: readonly string[] | null;
  /** Serialized size in bytes (L1 byte budget). */
  readonly size: number;
}
