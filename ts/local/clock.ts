/**
 * Time for LocalCache, in whole milliseconds: a manual clock moved by
 * `advance`, or the process's monotonic clock read coarsely. A hit on an
 * entry with a TTL compares against the time; reading performance.now()
 * (about 25-40 ns) on every such hit would cost as much as the rest of the
 * hit, so the system clock caches its reading. The cache is invalidated by
 * an unref'd 1 ms timer (armed on the first read after an invalidation, so
 * an idle process runs no timer) and after READS_PER_REFRESH reads (a long
 * synchronous loop, in which no timer can fire, still sees time move).
 */

const READS_PER_REFRESH = 1024;
const RESOLUTION_MS = 1;

let cached = -1;
let reads = 0;

function invalidate(): void {
  cached = -1;
}

/** The system clock, at most 1 ms (or READS_PER_REFRESH reads) stale. */
export function coarseNow(): number {
  if (cached >= 0 && ++reads < READS_PER_REFRESH) return cached;
  if (cached < 0) setTimeout(invalidate, RESOLUTION_MS).unref();
  reads = 0;
  cached = Math.floor(performance.now());
  return cached;
}
