/**
 * The OffHeapCache differential test: thousands of seeded random operation
 * sequences run against the native cache and the JS twin side by side;
 * every result, and periodically the whole observable state (size, bytes,
 * stats, keys in order, and the policy state of every shard), must be
 * identical. Values come in every size class (tiny, around the arena's
 * rotation point, over 64 KiB); getMany spans more than one native batch
 * (1024 keys); a planted divergence proves the comparison can fail.
 */
import test from 'ava';
import { createOffHeapCache, policyStateOf, type OffHeapCache } from '../ts/offheap/offheap-cache.js';
import type { OffHeapCacheOptions } from '../ts/offheap/options.js';
import { ARENA_BYTES, ARENA_MIN_ROOM } from '../ts/offheap/arena.js';
import { plantedDivergence } from '../ts/policy/js-policy.js';
import { Random } from './helpers/random.js';

const KEY_CHARS = ['a', 'b', 'c', 'é', '€', '😀', 'z', '0'];

function randomKey(r: Random, space: number): string {
  const n = r.skewed(space);
  return `${r.pick(KEY_CHARS)}${n}`;
}

/** Lengths around the arena's rotation point and past its size. */
const LARGE = [ARENA_MIN_ROOM - 1, ARENA_MIN_ROOM, ARENA_MIN_ROOM + 1, ARENA_BYTES - ARENA_MIN_ROOM + 7, ARENA_BYTES + 1, 100_000];

function randomValue(r: Random, big: number): string | Buffer {
  const len = r.chance(0.01) ? r.pick(LARGE) : r.chance(0.05) ? big + r.below(big) : r.below(64);
  return r.chance(0.5) ? 'v'.repeat(len) : Buffer.alloc(len, r.below(256));
}

function randomOptions(r: Random): OffHeapCacheOptions {
  const shards = r.pick([1, 1, 2, 4, 8]);
  const maxEntries = shards * (1 + r.below(40));
  const budget = r.below(3);
  return {
    policy: r.pick(['tinylfu', 'tinylfu', 'lru'] as const),
    shards,
    clock: 'manual',
    ttlMs: r.chance(0.3) ? 1 + r.below(5000) : 0,
    ...(budget !== 1 ? { maxEntries } : {}),
    ...(budget !== 0 ? { maxBytes: shards * (r.chance(0.3) ? 200_000 + r.below(400_000) : 200 + r.below(3000)) } : {}),
  };
}

/** Everything observable about a cache, in a comparable form. */
function state(c: OffHeapCache, withPolicy: boolean): unknown {
  return { size: c.size, bytes: c.bytes, stats: c.stats(), keys: [...c], policy: withPolicy ? policyStateOf(c) : null };
}

function step(r: Random, c: OffHeapCache, ops: Random, space: number, big: number): unknown {
  void r;
  const op = ops.below(100);
  if (op < 30) return c.get(randomKey(ops, space));
  if (op < 34) return c.getString(randomKey(ops, space));
  if (op < 36) return c.peekString(randomKey(ops, space));
  if (op < 38) return c.peek(randomKey(ops, space));
  if (op < 40) return c.has(randomKey(ops, space));
  if (op < 65) {
    const key = randomKey(ops, space);
    const value = randomValue(ops, big);
    return ops.chance(0.3) ? c.set(key, value, { ttlMs: ops.below(3000) }) : c.set(key, value);
  }
  if (op < 70) {
    const entries: [string, string | Buffer][] = [];
    for (let i = ops.below(6); i > 0; i--) entries.push([randomKey(ops, space), randomValue(ops, big)]);
    return c.setMany(entries);
  }
  if (op < 78) return c.delete(randomKey(ops, space));
  if (op < 80) return c.deleteMany([randomKey(ops, space), randomKey(ops, space)]);
  if (op < 86) {
    const keys: string[] = [];
    for (let i = ops.chance(0.05) ? 1030 + ops.below(600) : 3; i > 0; i--) keys.push(randomKey(ops, space));
    return c.getMany(keys);
  }
  if (op < 89) return c.ttl(randomKey(ops, space));
  if (op < 96) {
    c.advance(ops.chance(0.1) ? ops.below(200_000) : ops.below(400));
    return 'advanced';
  }
  if (op < 98) return c.purgeExpired();
  if (op < 99) {
    if (ops.chance(0.5)) return c.stats();
    c.resetStats();
    return 'reset';
  }
  if (ops.chance(0.1)) {
    c.clear();
    return 'cleared';
  }
  return [...c];
}

function runSequence(seed: number, length: number): string | null {
  const setup = new Random(seed);
  const options = randomOptions(setup);
  const space = 4 + setup.below(200);
  const big = 100 + setup.below(2000);
  const native = createOffHeapCache(options, 'native');
  const js = createOffHeapCache(options, 'js');
  // Both caches draw their operations from identically seeded generators.
  const opsN = new Random(seed * 31 + 7);
  const opsJ = new Random(seed * 31 + 7);
  for (let i = 0; i < length; i++) {
    const a = step(setup, native, opsN, space, big);
    const b = step(setup, js, opsJ, space, big);
    if (!equal(a, b)) return `seed ${seed} op ${i}: native ${show(a)} vs js ${show(b)} (${JSON.stringify(options)})`;
    if (i % 50 === 49 || i === length - 1) {
      const sa = state(native, true);
      const sb = state(js, true);
      if (!equal(sa, sb)) return `seed ${seed} after op ${i}: native ${show(sa)} vs js ${show(sb)} (${JSON.stringify(options)})`;
    }
  }
  return null;
}

function equal(a: unknown, b: unknown): boolean {
  return show(a) === show(b);
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === undefined) return '<undefined>';
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    if (x && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer') return `buf:${Buffer.from((x as { data: number[] }).data).toString('hex')}`;
    return x;
  });
}

test('native and JS twin agree on 2000 random short sequences', (t) => {
  for (let seed = 1; seed <= 2000; seed++) {
    const failure = runSequence(seed, 200);
    if (failure !== null) return t.fail(failure);
  }
  t.pass();
});

test('native and JS twin agree on long sequences that exercise aging and hill climbing', (t) => {
  for (let seed = 100_001; seed <= 100_015; seed++) {
    const failure = runSequence(seed, 20_000);
    if (failure !== null) return t.fail(failure);
  }
  t.pass();
});

/** Named access traces: each returns the key of request i. */
const TRACES: Record<string, (r: Random, i: number) => string> = {
  // Zipf-like popularity over 50k keys.
  skewed: (r) => `key:${r.skewed(50_000)}`,
  // Every key equally warm: candidates and victims are all frequent, which
  // drives the random (hash-DoS guard) admissions.
  uniformWarm: (r) => `key:${r.below(120)}`,
  // A working set that slides: recency matters, so the climber moves the window a lot.
  sliding: (_r, i) => `key:${Math.floor(i / 3) + ((i * 7919) % 30_000)}`,
};

function runTrace(c: OffHeapCache, trace: (r: Random, i: number) => string, length: number): { hits: number; state: unknown } {
  const r = new Random(42);
  let hits = 0;
  for (let i = 0; i < length; i++) {
    const key = trace(r, i);
    if (c.get(key) !== undefined) hits++;
    else c.set(key, Buffer.alloc(20 + (i % 50)));
    if (i % 1000 === 0) c.advance(1);
  }
  return { hits, state: state(c, true) };
}

test('native and JS twin agree on hit counts and policy state over large traces', (t) => {
  const cases: [string, OffHeapCacheOptions, number][] = [
    ['skewed', { maxEntries: 2000, maxBytes: 2000 * 180, shards: 1 }, 200_000],
    ['skewed', { maxEntries: 2000, shards: 4 }, 200_000],
    ['uniformWarm', { maxEntries: 40 }, 100_000],
    ['uniformWarm', { maxBytes: 40 * 160, shards: 2 }, 100_000],
    ['sliding', { maxEntries: 17_000 }, 600_000],
    ['sliding', { maxBytes: 40_000 * 150, shards: 2 }, 300_000],
  ];
  for (const [trace, base, length] of cases) {
    for (const policy of ['tinylfu', 'lru'] as const) {
      const options: OffHeapCacheOptions = { ...base, policy, clock: 'manual' };
      const native = runTrace(createOffHeapCache(options, 'native'), TRACES[trace], length);
      const js = runTrace(createOffHeapCache(options, 'js'), TRACES[trace], length);
      t.deepEqual(native, js, `${trace} ${JSON.stringify(options)}`);
      t.true(native.hits > 0, `${trace} has hits`);
    }
  }
});

test('a Buffer held across arena rotations keeps its bytes, and writing to it never changes the cache', (t) => {
  for (const impl of ['native', 'js'] as const) {
    const c = createOffHeapCache({ maxEntries: 100, clock: 'manual' }, impl);
    c.set('held', Buffer.from('original'));
    c.set('filler', Buffer.alloc(ARENA_MIN_ROOM - 100, 1));
    const held = c.get('held') as Buffer;
    // Enough reads to rotate the arena several times.
    for (let i = 0; i < 20; i++) c.get('filler');
    t.is(held.toString(), 'original', `${impl}: the held Buffer survived the rotations`);
    held.write('CHANGED!');
    t.is(c.getString('held'), 'original', `${impl}: writing to a returned Buffer changes nothing`);
    t.is(c.peek('held')?.toString(), 'original', impl);
    const many = c.getMany(['held', 'filler']);
    (many[0] as Buffer).fill(0);
    t.is(c.getString('held'), 'original', `${impl}: nor does writing to a getMany Buffer`);
    const source = Buffer.from('source');
    c.set('src', source);
    source.fill(0);
    t.is(c.getString('src'), 'source', `${impl}: nor does writing to the Buffer given to set`);
  }
});

test('a one-line divergence planted in the twin admission compare is caught', (t) => {
  plantedDivergence.admission = true;
  try {
    let failure: string | null = null;
    for (let seed = 1; seed <= 3000 && failure === null; seed++) failure = runSequence(seed, 200);
    t.not(failure, null);
  } finally {
    plantedDivergence.admission = false;
  }
});
