/**
 * Bad input: a TypeError or RangeError naming the argument, identical in
 * both implementations, with the cache unchanged; the native layer never
 * aborts the process, even when called directly with nonsense.
 */
import test from 'ava';
import { OffHeapCache } from '../ts/index.js';
import { createOffHeapCache } from '../ts/offheap/offheap-cache.js';
import type { OffHeapCacheOptions } from '../ts/offheap/options.js';
import { requireNativeBinding } from '../ts/native/index.js';
import { snapshot } from './helpers/offheap.js';

type Call = (c: OffHeapCache) => unknown;

const BAD_KEYS: unknown[] = [1, null, undefined, {}, Symbol.iterator, '', 'x'.repeat(16385)];

const BAD_CALLS: [string, Call, RegExp][] = [
  ...BAD_KEYS.flatMap((key): [string, Call, RegExp][] => [
    [`get(${String(key).slice(0, 20)})`, (c) => c.get(key as string), /^key must/],
    [`getString(${String(key).slice(0, 20)})`, (c) => c.getString(key as string), /^key must/],
    [`peek(${String(key).slice(0, 20)})`, (c) => c.peek(key as string), /^key must/],
    [`has(${String(key).slice(0, 20)})`, (c) => c.has(key as string), /^key must/],
    [`delete(${String(key).slice(0, 20)})`, (c) => c.delete(key as string), /^key must/],
    [`ttl(${String(key).slice(0, 20)})`, (c) => c.ttl(key as string), /^key must/],
    [`set(${String(key).slice(0, 20)}, 'v')`, (c) => c.set(key as string, 'v'), /^key must/],
  ]),
  ['set with a lone surrogate in the key', (c) => c.set('a\ud800', 'v'), /^key must be a well-formed Unicode string/],
  ...[1, null, undefined, {}, [], new ArrayBuffer(4), new Uint16Array(2), new DataView(new ArrayBuffer(2))].map(
    (value): [string, Call, RegExp] => [
      `set('k', ${Object.prototype.toString.call(value)})`,
      (c) => c.set('k', value as string),
      /^value must be a Buffer, Uint8Array or string/,
    ],
  ),
  ['set ttlMs -1', (c) => c.set('k', 'v', { ttlMs: -1 }), /^options\.ttlMs must be between 0 and/],
  ['set ttlMs NaN', (c) => c.set('k', 'v', { ttlMs: Number.NaN }), /^options\.ttlMs must be an integer, got NaN/],
  ['set ttlMs 1.5', (c) => c.set('k', 'v', { ttlMs: 1.5 }), /^options\.ttlMs must be an integer/],
  ['set ttlMs "5"', (c) => c.set('k', 'v', { ttlMs: '5' as unknown as number }), /^options\.ttlMs must be a number/],
  ['set options null', (c) => c.set('k', 'v', null as unknown as object), /^options must be an object/],
  ['set unknown option', (c) => c.set('k', 'v', { ttl: 5 } as object), /^options\.ttl is not a known option/],
  ['getMany(non-array)', (c) => c.getMany('a' as unknown as string[]), /^keys must be an array/],
  ['getMany([1])', (c) => c.getMany([1] as unknown as string[]), /^keys\[0\] must be a string/],
  ['getMany(["a", ""])', (c) => c.getMany(['a', '']), /^keys\[1\] must not be empty/],
  ['deleteMany(non-array)', (c) => c.deleteMany({} as unknown as string[]), /^keys must be an array/],
  ['setMany(non-array)', (c) => c.setMany('x' as unknown as []), /^entries must be an array/],
  ['setMany([["a"]])', (c) => c.setMany([['a']] as unknown as []), /^entries\[0\] must be a \[key, value\] pair/],
  ['setMany bad key', (c) => c.setMany([['ok', 'v'], [2, 'v']] as unknown as []), /^entries\[1\]\[0\] must be a string/],
  ['setMany bad value', (c) => c.setMany([['ok', 'v'], ['k', 2]] as unknown as []), /^entries\[1\]\[1\] must be a Buffer/],
  ['advance(-1)', (c) => c.advance(-1), /^ms must be a non-negative integer/],
  ['advance(1.5)', (c) => c.advance(1.5), /^ms must be a non-negative integer/],
  ['advance("1")', (c) => c.advance('1' as unknown as number), /^ms must be a number/],
];

function seeded(impl?: 'native' | 'js'): OffHeapCache {
  const options: OffHeapCacheOptions = { maxEntries: 10, maxBytes: 10_000, clock: 'manual' };
  const c = impl ? createOffHeapCache(options, impl) : new OffHeapCache(options);
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

const BAD_OPTIONS: [unknown, RegExp][] = [
  [undefined, /^options must set maxEntries, maxBytes or both/],
  [{}, /^options must set maxEntries, maxBytes or both/],
  [null, /^options must be an object, got null/],
  [[], /^options must be an object, got an array/],
  [{ maxEntries: 10, maxEntry: 5 }, /^options\.maxEntry is not a known option/],
  [{ maxEntries: -1 }, /^options\.maxEntries must be between 1 and 16777216, got -1/],
  [{ maxEntries: 0 }, /^options\.maxEntries must be between 1/],
  [{ maxEntries: Number.NaN }, /^options\.maxEntries must be an integer, got NaN/],
  [{ maxEntries: 1.5 }, /^options\.maxEntries must be an integer, got 1\.5/],
  [{ maxEntries: '10' }, /^options\.maxEntries must be a number, got "10"/],
  [{ maxEntries: Infinity }, /^options\.maxEntries must be an integer, got Infinity/],
  [{ maxEntries: 2 ** 24 + 1 }, /^options\.maxEntries must be between/],
  [{ maxBytes: -5 }, /^options\.maxBytes must be between 1 and/],
  [{ maxBytes: 2 ** 49 }, /^options\.maxBytes must be between/],
  [{ maxEntries: 10, ttlMs: -1 }, /^options\.ttlMs must be between 0/],
  [{ maxEntries: 10, ttlMs: Number.NaN }, /^options\.ttlMs must be an integer/],
  [{ maxEntries: 10, policy: 'arc' }, /^options\.policy must be one of 'tinylfu', 'lru', got "arc"/],
  [{ maxEntries: 10, policy: 5 }, /^options\.policy must be a string/],
  [{ maxEntries: 10, shards: 3 }, /^options\.shards must be a power of two, got 3/],
  [{ maxEntries: 10, shards: 0 }, /^options\.shards must be between 1 and 1024/],
  [{ maxEntries: 10, shards: 2048 }, /^options\.shards must be between 1 and 1024/],
  [{ maxEntries: 4, shards: 8 }, /^options\.shards must not exceed options\.maxEntries \(4\), got 8/],
  [{ maxEntries: 10, clock: 'fake' }, /^options\.clock must be one of 'system', 'manual'/],
];

test('invalid options throw a TypeError or RangeError naming the option, in both implementations', (t) => {
  for (const [options, message] of BAD_OPTIONS) {
    const label = JSON.stringify(options) ?? 'undefined';
    const err = thrown(() => new OffHeapCache(options as OffHeapCacheOptions));
    t.true(err instanceof TypeError || err instanceof RangeError, label);
    t.regex(err.message, message, label);
    for (const impl of ['native', 'js'] as const) {
      const other = thrown(() => createOffHeapCache(options as OffHeapCacheOptions, impl));
      t.deepEqual([other.constructor.name, other.message], [err.constructor.name, err.message], `${impl} ${label}`);
    }
  }
});

test('shared caches reject a bad name and options that differ from the first', (t) => {
  const name = `bad-input-${process.pid}`;
  t.throws(() => OffHeapCache.shared('', { maxEntries: 10 }), { instanceOf: TypeError, message: /^name must be a non-empty string/ });
  t.throws(() => OffHeapCache.shared(5 as unknown as string, { maxEntries: 10 }), { instanceOf: TypeError });
  const first = OffHeapCache.shared(name, { maxEntries: 10 });
  t.throws(() => OffHeapCache.shared(name, { maxEntries: 11 }), {
    instanceOf: RangeError,
    message: `a shared cache named ${JSON.stringify(name)} already exists with different options`,
  });
  first.set('k', 'v');
  t.is(OffHeapCache.shared(name, { maxEntries: 10 }).getString('k'), 'v');
  t.true(OffHeapCache.deleteShared(name));
});

test('the native functions themselves reject nonsense with errors, never a crash', (t) => {
  const b = requireNativeBinding();
  const c = b.cacheCreate(10, 0, 'tinylfu', 1, true);
  const loose = b as unknown as Record<string, (...args: unknown[]) => unknown>;
  // Our own checks carry the ERR_ codes of map_error; the conversions napi-rs
  // makes before our code runs carry its status names.
  const attempts: [string, () => unknown, string, RegExp][] = [
    ['create without budgets', () => b.cacheCreate(0, 0, 'lru', 1, false), 'ERR_INVALID_ARG_VALUE', /maxEntries, maxBytes or both/],
    ['create with a bad policy', () => b.cacheCreate(1, 0, 'arc', 1, false), 'ERR_INVALID_ARG_VALUE', /policy must be one of/],
    ['create with bad shards', () => b.cacheCreate(8, 0, 'lru', 3, false), 'ERR_INVALID_ARG_VALUE', /shards must be a power of two/],
    ['a call without a handle', () => loose.cacheGetInto({}, 'k', 0), 'InvalidArg', /external value/],
    ['a call with a handle of another kind', () => loose.cacheGetInto(b.probeMakeExternal(), 'k', 0), 'InvalidArg', /not the type of wrapped object/],
    ['getInto with a number key', () => loose.cacheGetInto(c, 5, 0), 'StringExpected', /read a string/],
    ['setFromArena outside the arena', () => b.cacheSetFromArena(c, 'k', 0, 10, 0), 'ERR_INVALID_ARG_VALUE', /outside the arena/],
    ['takePending with nothing pending', () => b.cacheTakePending(c), 'ERR_INVALID_STATE', /no value is pending/],
    ['set with a number value', () => loose.cacheSet(c, 'k', 5, 0), 'InvalidArg', /Uint8Array/],
    ['set with a Uint16Array', () => loose.cacheSet(c, 'k', new Uint16Array(2), 0), 'InvalidArg', /expected a Uint8Array/],
    ['set with an empty key', () => b.cacheSet(c, '', Buffer.from('v'), 0), 'ERR_INVALID_ARG_VALUE', /key must not be empty/],
    ['set with a negative ttl', () => b.cacheSet(c, 'k', Buffer.from('v'), -1), 'ERR_INVALID_ARG_VALUE', /ttlMs must be an integer between 0 and \d+, got -1/],
    ['set with a NaN ttl', () => b.cacheSet(c, 'k', Buffer.from('v'), Number.NaN), 'ERR_INVALID_ARG_VALUE', /ttlMs must be an integer between 0 and \d+, got NaN/],
    ['set with a lone surrogate', () => b.cacheSet(c, '\ud800', Buffer.from('v'), 0), 'ERR_INVALID_ARG_VALUE', /well-formed Unicode/],
    ['getManyInto with a non-string', () => loose.cacheGetManyInto(c, 5, 1, 0), 'ERR_INVALID_ARG_VALUE', /count exceeds the attached lengths/],
    ['getManyInto with more keys than lengths', () => b.cacheGetManyInto(c, 'abc', 5, 0), 'ERR_INVALID_ARG_VALUE', /count exceeds the attached lengths/],
    ['advance(-5)', () => b.cacheAdvance(c, -5), 'ERR_INVALID_ARG_VALUE', /must be an integer between 0 and \d+, got -5/],
    ['advance on a system clock', () => b.cacheAdvance(b.cacheCreate(1, 0, 'lru', 1, false), 5), 'ERR_INVALID_ARG_VALUE', /needs a cache created with clock: 'manual'/],
  ];
  for (const [name, attempt, code, message] of attempts) {
    const err = thrown(attempt) as Error & { code?: unknown };
    t.is(err.code, code, name);
    t.regex(err.message, message, name);
  }
  t.is(b.cacheSize(c), 0, 'none of it was stored');
});
