/**
 * Time for LocalCache, in whole milliseconds: a manual clock moved by
 * `advance`, or the process's monotonic clock read coarsely. A hit on an
 * entry with a TTL compares against the time; reading performance.now()
 * (about 25-40 ns) on every such hit would cost as much as the rest of the
 * hit, so the system clock caches its reading. The cache is invalidated by
 * a setImmediate (armed on the first read after an invalidation, so an idle
 * process runs nothing), that is at the end of the event-loop turn that read
 * it, and after READS_PER_REFRESH reads (a long synchronous loop, in which
 * no callback can run, still sees time move). It replaces an unref'd 1 ms
 * timer, which could fire only in a later turn's timers phase (so a reading
 * was as stale as with the immediate, or more) and whose wake-ups, one per
 * millisecond under load, cost a busy HTTP server about as much CPU as the
 * rest of a cached hit (bench/http.bench.js, docs/http.md).
 */

const READS_PER_REFRESH = 1024;

let cached = -1;
let reads = 0;

function invalidate(): void {
  cached = -1;
}

/** The system clock, read at most one event-loop turn (or READS_PER_REFRESH reads) ago. */
export function coarseNow(): number {
  if (cached >= 0 && ++reads < READS_PER_REFRESH) return cached;
  // Referenced, so the loop's poll phase cannot block with a stale reading cached; it runs in this turn's check phase.
  if (cached < 0) setImmediate(invalidate);
  reads = 0;
  cached = Math.floor(performance.now());
  return cached;
}
