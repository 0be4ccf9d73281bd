import { LocalCache } from '../../ts/index.js';
import type { LocalCacheOptions } from '../../ts/local/options.js';

/** A cache on the process's implementation with a manual clock (deterministic TTLs). */
export function manualCache(options: LocalCacheOptions): LocalCache {
  return new LocalCache({ clock: 'manual', ...options });
}

/** Everything observable about a cache, for "unchanged" assertions. */
export function snapshot(c: LocalCache): unknown {
  return { size: c.size, bytes: c.bytes, stats: c.stats(), keys: [...c] };
}
