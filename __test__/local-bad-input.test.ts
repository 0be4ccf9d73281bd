/**
 * LocalCache bad input: a TypeError or RangeError naming the argument,
 * identical in both implementations, with the cache unchanged.
 */
import test from 'ava';
import { LocalCache } from '../ts/index.js';
import { createLocalCache } from '../ts/local/local-cache.js';
import type { LocalCacheOptions } from '../ts/local/options.js';
import { snapshot } from './helpers/local.js';

type Call = (c: LocalCache<unknown>) => unknown;

const BAD_KEYS: unknown[] = [1, null, undefined, {}, Symbol.iterator, '', 'x'.repeat(16385)];

const BAD_CALLS: [string, Call, RegExp][] = [
  ...BAD_KEYS.flatMap((key): [string, Call, RegExp][] => [
    [`get(${String(key).slice(0, 20)})`, (c) => c.get(key as string), /^key must/],
    [`peek(${String(key).slice(0, 20)})`, (c) => c.peek(key as string), /^key must/],
    [`has(${String(key).slice(0, 20)})`, (c) => c.has(key as string), /^key must/],
    [`delete(${String(key).slice(0, 20)})`, (c) => c.delete(key as string), /^key must/],
    [`ttl(${String(key).slice(0, 20)})`, (c) => c.ttl(key as string), /^key must/],
    [`set(${String(key).slice(0, 20)}, 'v')`, (c) => c.set(key as string, 'v'), /^key must/],
    [`getOrSet(${String(key).slice(0, 20)})`, (c) => c.getOrSet(key as string, () => 'v'), /^key must/],
  ]),
  ['set an object with maxBytes and no sizeOf', (c) => c.set('k', { a: 1 }), /^options\.sizeOf is required when maxBytes is set/],
  ['set ttlMs -1', (c) => c.set('k', 'v', { ttlMs: -1 }), /^options\.ttlMs must be between 0 and/],
  ['set ttlMs NaN', (c) => c.set('k', 'v', { ttlMs: Number.NaN }), /^options\.ttlMs must be an integer, got NaN/],
  ['set ttlMs 1.5', (c) => c.set('k', 'v', { ttlMs: 1.5 }), /^options\.ttlMs must be an integer/],
  ['set ttlMs "5"', (c) => c.set('k', 'v', { ttlMs: '5' as unknown as number }), /^options\.ttlMs must be a number/],
  ['set options null', (c) => c.set('k', 'v', null as unknown as object), /^options must be an object/],
  ['set unknown option', (c) => c.set('k', 'v', { ttl: 5 } as object), /^options\.ttl is not a known option/],
  ['getOrSet without a loader', (c) => c.getOrSet('k', undefined as unknown as () => string), /^loader must be a function/],
  ['getMany(non-array)', (c) => c.getMany('a' as unknown as string[]), /^keys must be an array/],
  ['getMany([1])', (c) => c.getMany([1] as unknown as string[]), /^keys\[0\] must be a string/],
  ['getMany(["a", ""])', (c) => c.getMany(['a', '']), /^keys\[1\] must not be empty/],
  ['deleteMany(non-array)', (c) => c.deleteMany({} as unknown as string[]), /^keys must be an array/],
  ['deleteMany(["a", 2])', (c) => c.deleteMany(['a', 2] as unknown as string[]), /^keys\[1\] must be a string/],
  ['setMany(non-array)', (c) => c.setMany('x' as unknown as []), /^entries must be an array/],
  ['setMany([["a"]])', (c) => c.setMany([['a']] as unknown as []), /^entries\[0\] must be a \[key, value\] pair/],
  ['setMany bad key', (c) => c.setMany([['ok', 'v'], [2, 'v']] as unknown as []), /^entries\[1\]\[0\] must be a string/],
  ['advance(-1)', (c) => c.advance(-1), /^ms must be a non-negative integer/],
  ['advance(1.5)', (c) => c.advance(1.5), /^ms must be a non-negative integer/],
  ['advance("1")', (c) => c.advance('1' as unknown as number), /^ms must be a number/],
];

function seeded(impl?: 'native' | 'js'): LocalCache<unknown> {
  const options: LocalCacheOptions<unknown> = { maxEntries: 10, maxBytes: 10_000, clock: 'manual' };
  const c = impl ? createLocalCache(options, impl) : new LocalCache(options);
  c.set('a', '1');
  c.set('b', '2', { ttlMs: 100 });
  c.get('a');
  return c;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

test('bad arguments throw a TypeError or RangeError naming the argument and leave the cache unchanged', (t) => {
  for (const [name, call, message] of BAD_CALLS) {
    const c = seeded();
    const before = snapshot(c);
    const err = thrown(() => call(c));
    t.true(err instanceof TypeError || err instanceof RangeError, `${name}: ${err.constructor.name}`);
    t.regex(err.message, message, name);
    t.deepEqual(snapshot(c), before, `${name} left the cache unchanged`);
  }
});

test('both implementations throw the identical error for every bad argument', (t) => {
  for (const [name, call] of BAD_CALLS) {
    const a = thrown(() => call(seeded('native')));
    const b = thrown(() => call(seeded('js')));
    t.deepEqual([a.constructor.name, a.message], [b.constructor.name, b.message], name);
  }
});

test('a non-string key is refused even when its string form is a stored key, and is never converted', (t) => {
  const c = seeded();
  c.set('1', 'one');
  c.set('[object Object]', 'object');
  let converted = 0;
  const sneaky = {
    toString: () => {
      converted++;
      return 'a';
    },
  };
  for (const key of [1, sneaky, {}, ['1']]) {
    for (const call of [(k: string) => c.get(k), (k: string) => c.peek(k), (k: string) => c.has(k), (k: string) => c.ttl(k), (k: string) => c.getMany([k])]) {
      t.throws(() => call(key as unknown as string), { instanceOf: TypeError, message: /must be a string/ });
    }
  }
  t.is(converted, 0);
  t.is(c.get('1'), 'one');
});

const BAD_OPTIONS: [unknown, RegExp][] = [
  [undefined, /^options must set maxEntries, maxBytes or both/],
  [{}, /^options must set maxEntries, maxBytes or both/],
  [null, /^options must be an object, got null/],
  [[], /^options must be an object, got an array/],
  [{ maxEntries: 10, maxEntry: 5 }, /^options\.maxEntry is not a known option/],
  [{ maxEntries: 10, shards: 2 }, /^options\.shards is not a known option/],
  [{ maxEntries: -1 }, /^options\.maxEntries must be between 1 and 16777216, got -1/],
  [{ maxEntries: 0 }, /^options\.maxEntries must be between 1/],
  [{ maxEntries: Number.NaN }, /^options\.maxEntries must be an integer, got NaN/],
  [{ maxEntries: '10' }, /^options\.maxEntries must be a number, got "10"/],
  [{ maxEntries: 2 ** 24 + 1 }, /^options\.maxEntries must be between/],
  [{ maxBytes: -5 }, /^options\.maxBytes must be between 1 and/],
  [{ maxBytes: 2 ** 49 }, /^options\.maxBytes must be between/],
  [{ maxEntries: 10, ttlMs: -1 }, /^options\.ttlMs must be between 0/],
  [{ maxEntries: 10, policy: 'arc' }, /^options\.policy must be one of 'tinylfu', 'lru', got "arc"/],
  [{ maxEntries: 10, clock: 'fake' }, /^options\.clock must be one of 'system', 'manual'/],
  [{ maxEntries: 10, sizeOf: 5 }, /^options\.sizeOf must be a function, got 5/],
  [{ maxEntries: 10, onEvict: 'log' }, /^options\.onEvict must be a function, got "log"/],
];

test('invalid options throw a TypeError or RangeError naming the option, in both implementations', (t) => {
  for (const [options, message] of BAD_OPTIONS) {
    const label = JSON.stringify(options) ?? 'undefined';
    const err = thrown(() => new LocalCache(options as LocalCacheOptions));
    t.true(err instanceof TypeError || err instanceof RangeError, label);
    t.regex(err.message, message, label);
    for (const impl of ['native', 'js'] as const) {
      const other = thrown(() => createLocalCache(options as LocalCacheOptions, impl));
      t.deepEqual([other.constructor.name, other.message], [err.constructor.name, err.message], `${impl} ${label}`);
    }
  }
});
