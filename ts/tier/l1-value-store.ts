/** The value L1: decoded entries held by reference in a LocalCache<Entry>. */
import { LocalCache } from '../local/local-cache.js';
import type { MetricsOption } from '../metrics/index.js';
import type { TierClock } from './clock.js';
import type { Entry } from './entry.js';
import { CacheBackedL1Store, physicalTtlMs } from './l1.js';

/** Options of the value store (the `l1` option). */
export interface ValueStoreOptions {
  maxEntries?: number;
  maxBytes?: number;
  policy?: 'tinylfu' | 'lru';
  metrics?: MetricsOption;
  name?: string;
}

/** L1 over LocalCache<Entry>. */
export class ValueStore extends CacheBackedL1Store<LocalCache<Entry>> {
  readonly store = 'value' as const;

  constructor(
    options: ValueStoreOptions,
    private readonly clock: TierClock,
  ) {
    super(
      new LocalCache<Entry>({
        maxEntries: options.maxEntries,
        maxBytes: options.maxBytes,
        policy: options.policy,
        // The serialized size stands for the value; LocalCache adds the key and its per-entry overhead.
        sizeOf: (entry) => entry.size,
        metrics: options.metrics,
        name: options.name,
      }),
    );
  }

  get(key: string): Entry | undefined {
    return this.cache.get(key);
  }

  peekVersion(key: string): number | undefined {
    return this.cache.peek(key)?.version;
  }

  set(key: string, entry: Entry): void {
    this.cache.set(key, entry, { ttlMs: physicalTtlMs(entry, this.clock) });
  }
}
