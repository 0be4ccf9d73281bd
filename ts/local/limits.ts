/**
 * Limits and accounting constants of LocalCache, identical to
 * crates/core/src/cache/config.rs.
 */

/**
 * Bytes accounted per entry on top of its key and value (slot, hash-table
 * bucket, list links, allocation headers). Fixed so that `bytes` is
 * predictable and the same in both implementations.
 */
export const ENTRY_OVERHEAD_BYTES = 96;
/** Most entries a cache may hold (V8's Map limit, so the JS twin holds as many). */
export const MAX_ENTRIES = 2 ** 24;
/** Largest byte budget (256 TiB), which keeps all weight arithmetic exact. */
export const MAX_BYTES = 2 ** 48;
/** Most shards a cache may have. */
export const MAX_SHARDS = 1024;
/** Longest key, in UTF-16 code units (`key.length`). */
export const MAX_KEY_LENGTH = 16384;
/** Largest TTL in milliseconds (2^53 - 1). */
export const MAX_TTL_MS = Number.MAX_SAFE_INTEGER;
