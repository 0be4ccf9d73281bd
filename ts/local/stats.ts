/** Counters of a cache (LocalCache and OffHeapCache report the same ones). */

/** Counters of a cache since creation or the last `resetStats()`. */
export interface LocalCacheStats {
  /** `get`/`getMany` lookups (and OffHeapCache's `getString`) that found a live entry. */
  hits: number;
  /** Lookups that found nothing or an expired entry. */
  misses: number;
  /** `set` calls that stored their entry. */
  sets: number;
  /** Entries removed to respect the entry or byte budget. */
  evictions: number;
  /** Entries removed because their TTL passed. */
  expirations: number;
  /**
   * `set` calls that did not store their entry: larger than the byte
   * budget, or refused by the admission policy within the same call.
   */
  rejections: number;
}
