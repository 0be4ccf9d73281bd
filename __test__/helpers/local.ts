import { LocalCache } from '../../ts/index.js';
import type { LocalCacheOptions } from '../../ts/local/options.js';

/** A LocalCache on the process's implementation with a manual clock (deterministic TTLs). */
export function manualCache<V = unknown>(options: LocalCacheOptions<V>): LocalCache<V> {
  return new LocalCache<V>({ clock: 'manual', ...options });
}

/** Everything observable about a cache, for "unchanged" assertions. */
export function snapshot<V>(c: LocalCache<V>): unknown {
  return { size: c.size, bytes: c.bytes, stats: c.stats(), keys: [...c] };
}
