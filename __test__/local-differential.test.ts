/**
 * The LocalCache differential test: seeded random operation sequences run
 * against LocalCache on the native policy and on the JS twin side by side;
 * every result, every onEvict notice, and periodically the whole observable
 * state (size, bytes, stats, keys in order, the policy's internal state)
 * must be identical. A planted divergence in the twin's admission compare
 * proves the comparison can fail.
 */
import test from 'ava';
import { createLocalCache, policyStateOf, type LocalCache } from '../ts/local/local-cache.js';
import type { LocalCacheOptions } from '../ts/local/options.js';
import { plantedDivergence } from '../ts/policy/js-policy.js';
import { Random } from './helpers/random.js';

interface Value {
  n: number;
  size: number;
}

const KEY_CHARS = ['a', 'b', 'é', '€', '😀', 'z', '\ud800'];

function randomKey(r: Random, space: number): string {
  return `${r.pick(KEY_CHARS)}${r.skewed(space)}`;
}

function randomValue(r: Random, big: number): Value {
  return { n: r.below(1000), size: r.chance(0.05) ? big + r.below(big) : r.below(64) };
}

function randomOptions(r: Random, notices: string[]): LocalCacheOptions<Value> {
  const budget = r.below(3);
  return {
    policy: r.pick(['tinylfu', 'tinylfu', 'lru'] as const),
    clock: 'manual',
    ttlMs: r.chance(0.3) ? 1 + r.below(5000) : 0,
    sizeOf: (v) => v.size,
    onEvict: (v, k, reason) => notices.push(`${k}=${v.n}:${reason}`),
    ...(budget !== 1 ? { maxEntries: 1 + r.below(60) } : {}),
    ...(budget !== 0 ? { maxBytes: 200 + r.below(4000) } : {}),
  };
}

/** Everything observable about a cache, in a comparable form. */
function state(c: LocalCache<Value>): unknown {
  return { size: c.size, bytes: c.bytes, stats: c.stats(), keys: [...c], policy: policyStateOf(c) };
}

function step(c: LocalCache<Value>, ops: Random, space: number, big: number): unknown {
  const op = ops.below(100);
  if (op < 35) return c.get(randomKey(ops, space));
  if (op < 38) return c.peek(randomKey(ops, space));
  if (op < 40) return c.has(randomKey(ops, space));
  if (op < 62) {
    const key = randomKey(ops, space);
    const value = randomValue(ops, big);
    return ops.chance(0.3) ? c.set(key, value, { ttlMs: ops.below(3000) }) : c.set(key, value);
  }
  if (op < 66) {
    const entries: [string, Value][] = [];
    for (let i = ops.below(6); i > 0; i--) entries.push([randomKey(ops, space), randomValue(ops, big)]);
    return c.setMany(entries);
  }
  if (op < 73) return c.delete(randomKey(ops, space));
  if (op < 75) return c.deleteMany([randomKey(ops, space), randomKey(ops, space)]);
  if (op < 81) {
    const keys: string[] = [];
    for (let i = ops.chance(0.05) ? 1100 + ops.below(400) : 1 + ops.below(5); i > 0; i--) keys.push(randomKey(ops, space));
    return c.getMany(keys);
  }
  if (op < 84) return c.ttl(randomKey(ops, space));
  if (op < 92) {
    c.advance(ops.chance(0.1) ? ops.below(200_000) : ops.below(400));
    return 'advanced';
  }
  if (op < 94) return c.purgeExpired();
  if (op < 96) return c.stats();
  if (op < 97) {
    c.resetStats();
    return 'reset';
  }
  if (op < 98 && ops.chance(0.2)) {
    c.clear();
    return 'cleared';
  }
  return [...c];
}

function runSequence(seed: number, length: number): string | null {
  const setup = new Random(seed);
  const noticesN: string[] = [];
  const noticesJ: string[] = [];
  const options = randomOptions(setup, noticesN);
  const space = 4 + setup.below(200);
  const big = 100 + setup.below(2000);
  const native = createLocalCache<Value>(options, 'native');
  const js = createLocalCache<Value>({ ...options, onEvict: (v, k, reason) => noticesJ.push(`${k}=${v.n}:${reason}`) }, 'js');
  const opsN = new Random(seed * 31 + 7);
  const opsJ = new Random(seed * 31 + 7);
  const label = JSON.stringify({ ...options, sizeOf: undefined, onEvict: undefined });
  for (let i = 0; i < length; i++) {
    const a = JSON.stringify(step(native, opsN, space, big)) ?? 'undefined';
    const b = JSON.stringify(step(js, opsJ, space, big)) ?? 'undefined';
    if (a !== b) return `seed ${seed} op ${i}: native ${a} vs js ${b} (${label})`;
    if (noticesN.join() !== noticesJ.join()) return `seed ${seed} op ${i}: notices ${noticesN.join()} vs ${noticesJ.join()}`;
    noticesN.length = 0;
    noticesJ.length = 0;
    if (i % 50 === 49 || i === length - 1) {
      const sa = JSON.stringify(state(native));
      const sb = JSON.stringify(state(js));
      if (sa !== sb) return `seed ${seed} after op ${i}: native ${sa} vs js ${sb} (${label})`;
    }
  }
  return null;
}

function firstFailure(from: number, to: number, length: number): string | null {
  for (let seed = from; seed <= to; seed++) {
    const failure = runSequence(seed, length);
    if (failure !== null) return failure;
  }
  return null;
}

test('native and JS twin agree on 1500 random short sequences', (t) => {
  const failure = firstFailure(1, 1500, 200);
  t.is(failure, null);
});

test('native and JS twin agree on long sequences that exercise aging and hill climbing', (t) => {
  const failure = firstFailure(100_001, 100_012, 20_000);
  t.is(failure, null);
});

/** Named access traces: each returns the key of request i. */
const TRACES: Record<string, (r: Random, i: number) => string> = {
  skewed: (r) => `key:${r.skewed(50_000)}`,
  // Every key equally warm: drives the random (hash-DoS guard) admissions.
  uniformWarm: (r) => `key:${r.below(120)}`,
  // A sliding working set: recency matters, so the climber moves the window.
  sliding: (_r, i) => `key:${Math.floor(i / 3) + ((i * 7919) % 30_000)}`,
  // Phases of 40k requests: a new hot set of 900 keys (recency: the climber
  // jumps the window to the whole budget), then a small warm set under a scan
  // (frequency: it jumps to the window's minimum).
  shifting: (r, i) => {
    const phase = Math.floor(i / 40_000);
    if (phase % 2 === 0) return `hot${phase}:${r.below(900)}`;
    return r.chance(0.5) ? `warm${phase}:${r.skewed(300)}` : `scan:${i}`;
  },
};

function runTrace(c: LocalCache<Value>, trace: (r: Random, i: number) => string, length: number): { hits: number; state: unknown } {
  const r = new Random(42);
  let hits = 0;
  for (let i = 0; i < length; i++) {
    const key = trace(r, i);
    if (c.get(key) !== undefined) hits++;
    else c.set(key, { n: i, size: 20 + (i % 50) });
    if (i % 1000 === 0) c.advance(1);
  }
  return { hits, state: state(c) };
}

function traceCases(): [string, LocalCacheOptions<Value>, number][] {
  return [
    ['skewed', { maxEntries: 2000, maxBytes: 2000 * 180 }, 200_000],
    ['uniformWarm', { maxEntries: 40 }, 100_000],
    ['uniformWarm', { maxBytes: 40 * 160 }, 100_000],
    ['sliding', { maxEntries: 17_000 }, 400_000],
  ];
}

test('native and JS twin agree on hit counts and policy state over large traces', (t) => {
  for (const [trace, base, length] of traceCases()) {
    for (const policy of ['tinylfu', 'lru'] as const) {
      const options: LocalCacheOptions<Value> = { ...base, policy, clock: 'manual', sizeOf: (v) => v.size };
      const native = runTrace(createLocalCache(options, 'native'), TRACES[trace], length);
      const js = runTrace(createLocalCache(options, 'js'), TRACES[trace], length);
      t.deepEqual(native, js, `${trace} ${JSON.stringify({ ...base, policy })}`);
      t.true(native.hits > 0, `${trace} has hits`);
    }
  }
});

test('native and JS twin move the window alike when the climber jumps to either end', (t) => {
  const options: LocalCacheOptions<Value> = { maxEntries: 1000, policy: 'tinylfu', clock: 'manual', sizeOf: (v) => v.size };
  const caches = [createLocalCache(options, 'native'), createLocalCache(options, 'js')];
  const randoms = [new Random(42), new Random(42)];
  const windows = new Set<number>();
  for (let i = 0; i < 160_000; i++) {
    for (let c = 0; c < 2; c++) {
      const key = TRACES.shifting(randoms[c], i);
      if (caches[c].get(key) === undefined) caches[c].set(key, { n: i, size: 1 });
    }
    if (i % 500 === 0) {
      const [native, js] = caches.map((c) => policyStateOf(c));
      if (JSON.stringify(native) !== JSON.stringify(js)) return t.fail(`request ${i}: native ${native.join()} vs js ${js.join()}`);
      windows.add(native[0]);
    }
  }
  t.true(windows.has(1000), 'the window took the whole budget (LRU)');
  t.true(windows.has(5), 'the window went down to its minimum (TinyLFU)');
  t.deepEqual(state(caches[0]), state(caches[1]));
});

test('a one-line divergence planted in the twin admission compare is caught', (t) => {
  plantedDivergence.admission = true;
  try {
    const failure = firstFailure(1, 1500, 200);
    t.not(failure, null, 'the random sequences catch it');
    const [trace, base, length] = traceCases()[0];
    const options: LocalCacheOptions<Value> = { ...base, clock: 'manual', sizeOf: (v) => v.size };
    t.notDeepEqual(runTrace(createLocalCache(options, 'native'), TRACES[trace], length), runTrace(createLocalCache(options, 'js'), TRACES[trace], length));
  } finally {
    plantedDivergence.admission = false;
  }
});
