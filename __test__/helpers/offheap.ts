import { OffHeapCache } from '../../ts/index.js';
import type { OffHeapCacheOptions } from '../../ts/offheap/options.js';

/** An off-heap cache on the process's implementation with a manual clock (deterministic TTLs). */
export function manualOffHeap(options: OffHeapCacheOptions): OffHeapCache {
  return new OffHeapCache({ clock: 'manual', ...options });
}

/** Everything observable about a cache, for "unchanged" assertions. */
export function snapshot(c: OffHeapCache): unknown {
  return { size: c.size, bytes: c.bytes, stats: c.stats(), keys: [...c] };
}
