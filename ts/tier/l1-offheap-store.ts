/**
 * The offheap L1: entries as envelopes (serialized value, no compression,
 * unsigned) in an OffHeapCache, which keeps them off the V8 heap with the
 * native implementation. Every hit decodes: callers get a fresh copy.
 */
import { OffHeapCache } from '../offheap/offheap-cache.js';
import type { MetricsOption } from '../metrics/index.js';
import type { TierClock } from './clock.js';
import type { Entry } from './entry.js';
import { buildEnvelope, observedVersion, parseEnvelope } from './envelope.js';
import { CacheBackedL1Store, physicalTtlMs } from './l1.js';
import { deserialize, serialize, type Encoded, type Serializer } from './serializer.js';

/** Options of the offheap store (the `l1: { store: 'offheap', ... }` option). */
export interface OffheapStoreOptions {
  maxEntries?: number;
  maxBytes?: number;
  policy?: 'tinylfu' | 'lru';
  shards?: number;
  metrics?: MetricsOption;
  name?: string;
}

/** L1 over OffHeapCache. */
export class OffheapStore extends CacheBackedL1Store<OffHeapCache> {
  readonly store = 'offheap' as const;

  constructor(
    options: OffheapStoreOptions,
    private readonly clock: TierClock,
    private readonly serializer: Serializer | null,
  ) {
    super(
      new OffHeapCache({
        maxEntries: options.maxEntries,
        maxBytes: options.maxBytes,
        policy: options.policy,
        shards: options.shards,
        metrics: options.metrics,
        name: options.name,
      }),
    );
  }

  get(key: string): Entry | undefined {
    const bytes = this.cache.get(key);
    if (bytes === undefined) return undefined;
    const e = parseEnvelope(bytes, null, '');
    if (!e.ok) {
      this.cache.delete(key);
      return undefined;
    }
    return {
      value: deserialize(e.kind, bytes, this.serializer, e.start, e.end),
      version: e.version,
      basis: e.basis,
      createdAt: e.createdAt,
      freshUntil: e.freshUntil,
      staleUntil: e.staleUntil,
      tags: e.tags,
      size: e.end - e.start,
    };
  }

  peekVersion(key: string): number | undefined {
    const bytes = this.cache.peek(key);
    return bytes === undefined ? undefined : observedVersion(bytes);
  }

  set(key: string, entry: Entry, encoded: Encoded | null): void {
    const value = encoded ?? serialize(entry.value, this.serializer);
    const bytes = buildEnvelope({ ...entry, tombstone: false, codec: false, kind: value.kind }, value.bytes, null, '');
    this.cache.set(key, bytes, { ttlMs: physicalTtlMs(entry, this.clock) });
  }
}
