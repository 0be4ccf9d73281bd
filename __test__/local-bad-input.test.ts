/**
 * LocalCache bad input: a TypeError or RangeError naming the argument,
 * identical in both implementations, with the cache unchanged. The checks
 * OffHeapCache shares are in helpers/bad-input.ts.
 */
import test from 'ava';
import { LocalCache } from '../ts/index.js';
import { createLocalCache } from '../ts/local/local-cache.js';
import type { LocalCacheOptions } from '../ts/local/options.js';
import { badKeyCalls, registerBadInputTests, seeded, SHARED_BAD_CALLS, SHARED_BAD_OPTIONS, type BadCall } from './helpers/bad-input.js';
import { snapshot } from './helpers/local.js';

type Cache = LocalCache<unknown>;

const BAD_CALLS: BadCall<Cache>[] = [
  ...badKeyCalls<Cache>([['getOrSet', (c, key) => c.getOrSet(key, () => 'v')]]),
  ...SHARED_BAD_CALLS,
  ['set an object with maxBytes and no sizeOf', (c) => c.set('k', { a: 1 }), /^options\.sizeOf is required when maxBytes is set/],
  ['getOrSet without a loader', (c) => c.getOrSet('k', undefined as unknown as () => string), /^loader must be a function/],
  ['deleteMany(["a", 2])', (c) => c.deleteMany(['a', 2] as unknown as string[]), /^keys\[1\] must be a string/],
];

const BAD_OPTIONS: [unknown, RegExp][] = [
  ...SHARED_BAD_OPTIONS,
  [{ maxEntries: 10, shards: 2 }, /^options\.shards is not a known option/],
  [{ maxEntries: 10, sizeOf: 5 }, /^options\.sizeOf must be a function, got 5/],
  [{ maxEntries: 10, onEvict: 'log' }, /^options\.onEvict must be a function, got "log"/],
];

function create(options: unknown, impl?: 'native' | 'js'): Cache {
  return impl ? createLocalCache(options as LocalCacheOptions, impl) : new LocalCache(options as LocalCacheOptions);
}

const KIND = { create, snapshot, calls: BAD_CALLS, options: BAD_OPTIONS };

registerBadInputTests(test, KIND);

test('a non-string key is refused even when its string form is a stored key, and is never converted', (t) => {
  const c = seeded(KIND);
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
