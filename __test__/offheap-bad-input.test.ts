/**
 * Bad input: a TypeError or RangeError naming the argument, identical in
 * both implementations, with the cache unchanged; the native layer never
 * aborts the process, even when called directly with nonsense. The checks
 * LocalCache shares are in helpers/bad-input.ts.
 */
import test from 'ava';
import { OffHeapCache } from '../ts/index.js';
import { createOffHeapCache } from '../ts/offheap/offheap-cache.js';
import type { OffHeapCacheOptions } from '../ts/offheap/options.js';
import { requireNativeBinding } from '../ts/native/index.js';
import { badKeyCalls, registerBadInputTests, SHARED_BAD_CALLS, SHARED_BAD_OPTIONS, thrown, type BadCall } from './helpers/bad-input.js';
import { snapshot } from './helpers/offheap.js';

const BAD_CALLS: BadCall<OffHeapCache>[] = [
  ...badKeyCalls<OffHeapCache>([['getString', (c, key) => c.getString(key)]]),
  ['set with a lone surrogate in the key', (c) => c.set('a\ud800', 'v'), /^key must be a well-formed Unicode string/],
  ...[1, null, undefined, {}, [], new ArrayBuffer(4), new Uint16Array(2), new DataView(new ArrayBuffer(2))].map(
    (value): BadCall<OffHeapCache> => [
      `set('k', ${Object.prototype.toString.call(value)})`,
      (c) => c.set('k', value as string),
      /^value must be a Buffer, Uint8Array or string/,
    ],
  ),
  ...SHARED_BAD_CALLS,
  ['setMany bad value', (c) => c.setMany([['ok', 'v'], ['k', 2]] as unknown as []), /^entries\[1\]\[1\] must be a Buffer/],
];

const BAD_OPTIONS: [unknown, RegExp][] = [
  ...SHARED_BAD_OPTIONS,
  [{ maxEntries: 1.5 }, /^options\.maxEntries must be an integer, got 1\.5/],
  [{ maxEntries: Infinity }, /^options\.maxEntries must be an integer, got Infinity/],
  [{ maxEntries: 10, ttlMs: Number.NaN }, /^options\.ttlMs must be an integer/],
  [{ maxEntries: 10, policy: 5 }, /^options\.policy must be a string/],
  [{ maxEntries: 10, shards: 3 }, /^options\.shards must be a power of two, got 3/],
  [{ maxEntries: 10, shards: 0 }, /^options\.shards must be between 1 and 1024/],
  [{ maxEntries: 10, shards: 2048 }, /^options\.shards must be between 1 and 1024/],
  [{ maxEntries: 4, shards: 8 }, /^options\.shards must not exceed options\.maxEntries \(4\), got 8/],
];

registerBadInputTests(test, {
  create: (options, impl) => (impl ? createOffHeapCache(options as OffHeapCacheOptions, impl) : new OffHeapCache(options as OffHeapCacheOptions)),
  snapshot,
  calls: BAD_CALLS,
  options: BAD_OPTIONS,
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
