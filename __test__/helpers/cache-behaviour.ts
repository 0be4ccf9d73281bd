/**
 * The behaviour LocalCache and OffHeapCache share, registered once per test
 * file for a cache kind (local-cache.test.ts, offheap-cache.test.ts). Each
 * file keeps the tests that only its cache has.
 */
import type { ExecutionContext, TestFn } from 'ava';
import { expectedImplementation } from './implementation.js';
import { Random } from './random.js';
import { waitFor } from './wait.js';

/** What the shared tests call; both LocalCache<unknown> and OffHeapCache have it. */
export interface BehaviourCache {
  readonly size: number;
  readonly bytes: number;
  get(key: string): unknown;
  has(key: string): boolean;
  delete(key: string): boolean;
  ttl(key: string): number | undefined;
  set(key: string, value: string | Buffer, options?: { ttlMs?: number }): boolean;
  setMany(entries: [string, string | Buffer][], options?: { ttlMs?: number }): boolean[];
  deleteMany(keys: string[]): number;
  advance(ms: number): void;
  purgeExpired(): number;
  clear(): void;
  stats(): { hits: number; misses: number; sets: number; evictions: number; expirations: number; rejections: number };
  [Symbol.iterator](): Iterator<string>;
}

type Stats = ReturnType<BehaviourCache['stats']>;

/** What the shared checks below call (no batch methods, so a cache of any value type fits). */
type CheckedCache = Pick<BehaviourCache, 'size' | 'get' | 'set' | 'advance' | 'purgeExpired' | 'stats' | typeof Symbol.iterator>;

/** Options the shared tests build caches with (a manual clock is added by `manual`). */
export interface BehaviourOptions {
  maxEntries?: number;
  maxBytes?: number;
  policy?: 'tinylfu' | 'lru';
  ttlMs?: number;
  /** Only for a sharded cache (`sharded: true`). */
  shards?: number;
}

/** A cache kind under test and what differs between the kinds. */
export interface CacheKind<C extends BehaviourCache> {
  /** The class: its `implementation`, and a cache on the system clock. */
  Cache: { readonly implementation: string; new (options: { maxEntries: number }): C };
  /** A cache on the process's implementation with a manual clock. */
  manual(options: BehaviourOptions): C;
  /** The value of `key` as a string (a hit or a miss, like get). */
  text(c: C, key: string): string | undefined;
  /** The value of `key` read by every peek the cache has, each as a string. */
  peekTexts(c: C, key: string): (string | undefined)[];
  /** Whether the cache takes `shards` (the shared tests then use several). */
  sharded: boolean;
  /** Whether the entry-budget workload deletes too. */
  budgetWorkloadDeletes: boolean;
  /** Counters after the TTL test, which differ by how each cache counts an expired read. */
  statsAfterTtl: Partial<Stats>;
}

/** Registers the tests whose title and behaviour both caches share. */
export function registerCacheBehaviour<C extends BehaviourCache>(test: TestFn, kind: CacheKind<C>): void {
  const { Cache, manual, text } = kind;
  const shards = (n: number): BehaviourOptions => (kind.sharded ? { shards: n } : {});

  test('the implementation is the one TIERCACHE_IMPL asks for', (t) => {
    t.is(Cache.implementation, expectedImplementation());
  });

  test('the entry budget is never exceeded, whatever the operations', (t) => {
    for (const policy of ['tinylfu', 'lru'] as const) {
      const c = manual({ maxEntries: 50, policy, ...shards(2) });
      const r = new Random(5);
      for (let i = 0; i < 20_000; i++) {
        const key = `k${r.skewed(400)}`;
        if (r.chance(0.6)) c.get(key);
        else if (!kind.budgetWorkloadDeletes || r.chance(0.9)) c.set(key, 'x'.repeat(r.below(50)), { ttlMs: r.below(3) * 100 });
        else c.delete(key);
        if (i % 100 === 0) c.advance(r.below(150));
        if (c.size > 50) return t.fail(`${policy}: ${c.size} entries after op ${i}`);
      }
      t.true(c.stats().evictions > 0, `${policy} evicted`);
    }
  });

  test('the byte budget is never exceeded, whatever the value sizes', (t) => {
    for (const policy of ['tinylfu', 'lru'] as const) {
      const c = manual({ maxBytes: 10_000, policy });
      const r = new Random(9);
      for (let i = 0; i < 20_000; i++) {
        c.set(`k${r.skewed(1000)}`, Buffer.alloc(r.chance(0.02) ? 20_000 : r.below(400)));
        if (c.bytes > 10_000) return t.fail(`${policy}: ${c.bytes} bytes after op ${i}`);
      }
      t.true(c.stats().rejections > 0);
    }
  });

  test('a value larger than the byte budget is rejected, counted, and removes the old value', (t) => {
    const c = manual({ maxBytes: 1000 });
    t.true(c.set('k', 'small'));
    t.false(c.set('k', Buffer.alloc(1000)));
    t.is(c.get('k'), undefined);
    t.is(c.stats().rejections, 1);
    t.is(c.stats().sets, 1);
    t.is(c.bytes, 0);
    t.is(c.size, 0);
  });

  test('peek and has neither refresh recency nor count hits', (t) => {
    const c = manual({ maxEntries: 3, policy: 'lru' });
    c.set('a', '1');
    c.set('b', '2');
    c.set('c', '3');
    for (const value of kind.peekTexts(c, 'a')) t.is(value, '1');
    t.true(c.has('a'));
    c.set('d', '4');
    t.false(c.has('a'), 'a was still the least recently used');
    t.deepEqual(c.stats(), { hits: 0, misses: 0, sets: 4, evictions: 1, expirations: 0, rejections: 0 });
  });

  test('W-TinyLFU keeps a frequently used set through a one-off scan, where LRU loses it', (t) => {
    const hotHits = (policy: 'tinylfu' | 'lru'): number => {
      const c = manual({ maxEntries: 100, policy });
      let hits = 0;
      for (let i = 0; i < 20_000; i++) {
        const hot = `hot${i % 80}`;
        if (c.get(hot) !== undefined) hits++;
        else c.set(hot, 'v');
        if (c.get(`scan${i}`) === undefined) c.set(`scan${i}`, 'v');
      }
      return hits;
    };
    t.is(hotHits('lru'), 0);
    t.true(hotHits('tinylfu') > 18_000);
  });

  test('entries expire at their TTL: the default, per set, and 0 for never', (t) => {
    const c = manual({ maxEntries: 10, ttlMs: 1000 });
    c.set('default', 'v');
    c.set('short', 'v', { ttlMs: 10 });
    c.set('forever', 'v', { ttlMs: 0 });
    t.is(c.ttl('default'), 1000);
    t.is(c.ttl('short'), 10);
    t.is(c.ttl('forever'), Infinity);
    t.is(c.ttl('missing'), undefined);
    c.advance(9);
    t.is(text(c, 'short'), 'v');
    c.advance(1);
    t.is(c.get('short'), undefined);
    t.is(c.ttl('short'), undefined);
    c.advance(990);
    t.false(c.has('default'));
    t.true(c.has('forever'));
    const stats = c.stats();
    for (const [counter, value] of Object.entries(kind.statsAfterTtl)) t.is(stats[counter as keyof Stats], value, counter);
  });

  test('TTLs longer than 2^31 ms work', (t) => {
    const c = manual({ maxEntries: 10 });
    c.set('k', 'v', { ttlMs: 2 ** 31 + 10 });
    c.advance(2 ** 31);
    t.is(c.ttl('k'), 10);
    t.true(c.has('k'));
    c.advance(10);
    t.false(c.has('k'));
    c.set('max', 'v', { ttlMs: Number.MAX_SAFE_INTEGER });
    c.advance(2 ** 40);
    t.true(c.has('max'));
  });

  test('setMany stores every entry and reports each; deleteMany counts removals', (t) => {
    const c = manual({ maxBytes: 1000 });
    t.deepEqual(c.setMany([['a', '1'], ['b', Buffer.from('2')], ['big', Buffer.alloc(2000)]], { ttlMs: 50 }), [true, true, false]);
    t.is(c.ttl('a'), 50);
    t.is(c.deleteMany(['a', 'b', 'missing']), 2);
    t.is(c.size, 0);
  });

  test('clear empties the cache and keeps the counters', (t) => {
    const c = manual({ maxEntries: 100, maxBytes: 100_000, ...shards(4) });
    for (let i = 0; i < 50; i++) c.set(`k${i}`, 'value', { ttlMs: 1000 });
    c.set('present', 'v');
    c.get('present');
    c.clear();
    t.is(c.size, 0);
    t.is(c.bytes, 0);
    t.deepEqual([...c], []);
    t.is(c.stats().hits, 1);
    t.true(c.set('again', 'v'));
    t.is(text(c, 'again'), 'v');
  });

  test('advance needs a manual clock', (t) => {
    const c = new Cache({ maxEntries: 10 });
    t.throws(() => c.advance(1), { instanceOf: TypeError, message: /clock: 'manual'/ });
  });

  test('the system clock expires entries in real time', async (t) => {
    const c = new Cache({ maxEntries: 10 });
    c.set('short', 'v', { ttlMs: 1 });
    c.set('long', 'v', { ttlMs: 3_600_000 });
    c.set('forever', 'v');
    // Real time passes at its own pace: wait for the state, assert no duration.
    await waitFor('the 1 ms entry to expire', () => !c.has('short'));
    t.is(c.ttl('short'), undefined);
    t.true(c.has('long'), 'an entry with an hour to live is still there');
    const left = c.ttl('long') as number;
    t.true(left > 0 && left <= 3_600_000, `ttl ${left}`);
    t.is(c.ttl('forever'), Infinity);
  });
}

/**
 * Expired entries are swept by writes and by purgeExpired, counted then, and
 * nothing happens while the cache is idle (each file names what a write sweeps).
 */
export function checkExpiredSweep(t: ExecutionContext, c: CheckedCache, sweptBy: string): void {
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v', { ttlMs: 100 });
  c.advance(5000);
  t.is(c.size, 100, 'nothing happens while the cache is idle');
  t.deepEqual([...c], [], 'iteration skips expired entries');
  t.is(c.purgeExpired(), 100);
  t.is(c.size, 0);
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v', { ttlMs: 100 });
  c.advance(5000);
  c.set('trigger', 'v');
  t.is(c.size, 1, `a write sweeps ${sweptBy}`);
  t.is(c.stats().expirations, 200);
}

/** LRU evicts the least recently used entry, and iteration lists the most recently used first. */
export function checkLruEviction(t: ExecutionContext, c: CheckedCache): void {
  c.set('a', '1');
  c.set('b', '2');
  c.set('c', '3');
  c.get('a');
  c.set('d', '4');
  t.deepEqual([...c], ['d', 'a', 'c']);
  t.is(c.stats().evictions, 1);
}
