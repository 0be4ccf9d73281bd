/** The value L1: decoded entries held by reference in a LocalCache<Entry>. */
import { LocalCache } from '../local/local-cache.js';
import type { MetricsOption } from '../metrics/index.js';
import type { TierClock } from './clock.js';
import type { Entry } from './entry.js';
import { physicalTtlMs, type L1Store } from './l1.js';

/** Options of the value store (the `l1` option). */
export interface ValueStoreOptions {
  maxEntries?: number;
  maxBytes?: number;
  policy?: 'tinylfu' | 'lru';
  metrics?: MetricsOption;
  name?: string;
}

/** L1 over LocalCache<Entry>. */
export class ValueStore implements L1Store {
  readonly store = 'value' as const;
  readonly #cache: LocalCache<Entry>;

  constructor(
    options: ValueStoreOptions,
    private readonly clock: TierClock,
  ) {
    this.#cache = new LocalCache<Entry>({
      maxEntries: options.maxEntries,
      maxBytes: options.maxBytes,
      policy: options.policy,
      // The serialized size stands for the value; LocalCache adds the key and its per-entry overhead.
      sizeOf: (entry) => entry.size,
      metrics: options.metrics,
      name: options.name,
    });
  }

  get(key: string): Entry | undefined {
    return this.#cache.get(key);
  }

  set(key: string, entry: Entry): void {
    this.#cache.set(key, entry, { ttlMs: physicalTtlMs(entry, this.clock.now()) });
  }

  delete(key: string): void {
    this.#cache.delete(key);
  }

  clear(): void {
    this.#cache.clear();
  }

  get size(): number {
    return this.#cache.size;
  }

  close(): void {
    this.#cache.clear();
    this.#cache.unregisterMetrics();
  }
}
