/**
 * Bad input to LocalCache and OffHeapCache: the calls and options both
 * refuse, and the tests both run over their own lists (registered by
 * local-bad-input.test.ts and offheap-bad-input.test.ts).
 */
import type { TestFn } from 'ava';

/** A bad call: its label, the call, and the message it must throw. */
export type BadCall<C> = [string, (c: C) => unknown, RegExp];

/** The calls both caches share with the same bad-input checks. */
export interface CheckedCache {
  get(key: string): unknown;
  peek(key: string): unknown;
  has(key: string): boolean;
  delete(key: string): boolean;
  ttl(key: string): number | undefined;
  set(key: string, value: string, options?: object): unknown;
  getMany(keys: string[]): unknown;
  deleteMany(keys: string[]): unknown;
  setMany(entries: []): unknown;
  advance(ms: number): void;
}

/** Keys no method takes: not strings, empty, or longer than the limit. */
export const BAD_KEYS: unknown[] = [1, null, undefined, {}, Symbol.iterator, '', 'x'.repeat(16385)];

/** A call taking a key: `[method, call(c, key), text after the key in the label]`. */
export type KeyCall<C> = [string, (c: C, key: string) => unknown, string?];

/** The calls taking a key that both caches have. */
const SHARED_KEY_CALLS: KeyCall<CheckedCache>[] = [
  ['get', (c, key) => c.get(key)],
  ['peek', (c, key) => c.peek(key)],
  ['has', (c, key) => c.has(key)],
  ['delete', (c, key) => c.delete(key)],
  ['ttl', (c, key) => c.ttl(key)],
  ['set', (c, key) => c.set(key, 'v'), ", 'v'"],
];

/** For each bad key, each shared call taking a key and each of `more` must refuse it. */
export function badKeyCalls<C extends CheckedCache>(more: KeyCall<C>[]): BadCall<C>[] {
  const calls: KeyCall<C>[] = [...SHARED_KEY_CALLS, ...more];
  return BAD_KEYS.flatMap((key): BadCall<C>[] =>
    calls.map(([method, call, rest = '']): BadCall<C> => [`${method}(${String(key).slice(0, 20)}${rest})`, (c) => call(c, key as string), /^key must/]),
  );
}

/** Bad set options, batch arguments and clock advances, refused alike by both caches. */
export const SHARED_BAD_CALLS: BadCall<CheckedCache>[] = [
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
  ['advance(-1)', (c) => c.advance(-1), /^ms must be a non-negative integer/],
  ['advance(1.5)', (c) => c.advance(1.5), /^ms must be a non-negative integer/],
  ['advance("1")', (c) => c.advance('1' as unknown as number), /^ms must be a number/],
];

/** Constructor options both caches refuse, with the message. */
export const SHARED_BAD_OPTIONS: [unknown, RegExp][] = [
  [undefined, /^options must set maxEntries, maxBytes or both/],
  [{}, /^options must set maxEntries, maxBytes or both/],
  [null, /^options must be an object, got null/],
  [[], /^options must be an object, got an array/],
  [{ maxEntries: 10, maxEntry: 5 }, /^options\.maxEntry is not a known option/],
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
];

/** The error `fn` throws (failing when it returns). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

/** A cache kind's bad input, for `registerBadInputTests`. */
export interface BadInputKind<C extends CheckedCache> {
  /** A cache (on the process's implementation, or the one named) with options, like the class or its factory. */
  create(options: unknown, impl?: 'native' | 'js'): C;
  /** Everything observable about a cache, for "unchanged" assertions. */
  snapshot(c: C): unknown;
  calls: BadCall<C>[];
  options: [unknown, RegExp][];
}

/** A manual-clock cache with a little state: a, read once, and b with a TTL. */
export function seeded<C extends CheckedCache>(kind: BadInputKind<C>, impl?: 'native' | 'js'): C {
  const c = kind.create({ maxEntries: 10, maxBytes: 10_000, clock: 'manual' }, impl);
  c.set('a', '1');
  c.set('b', '2', { ttlMs: 100 });
  c.get('a');
  return c;
}

/** Registers the bad-input tests both caches run over their own lists. */
export function registerBadInputTests<C extends CheckedCache>(test: TestFn, kind: BadInputKind<C>): void {
  test('bad arguments throw a TypeError or RangeError naming the argument and leave the cache unchanged', (t) => {
    for (const [name, call, message] of kind.calls) {
      const c = seeded(kind);
      const before = kind.snapshot(c);
      const err = thrown(() => call(c));
      t.true(err instanceof TypeError || err instanceof RangeError, `${name}: ${err.constructor.name}`);
      t.regex(err.message, message, name);
      t.deepEqual(kind.snapshot(c), before, `${name} left the cache unchanged`);
    }
  });

  test('both implementations throw the identical error for every bad argument', (t) => {
    for (const [name, call] of kind.calls) {
      const a = thrown(() => call(seeded(kind, 'native')));
      const b = thrown(() => call(seeded(kind, 'js')));
      t.deepEqual([a.constructor.name, a.message], [b.constructor.name, b.message], name);
    }
  });

  test('invalid options throw a TypeError or RangeError naming the option, in both implementations', (t) => {
    for (const [options, message] of kind.options) {
      const label = JSON.stringify(options) ?? 'undefined';
      const err = thrown(() => kind.create(options));
      t.true(err instanceof TypeError || err instanceof RangeError, label);
      t.regex(err.message, message, label);
      for (const impl of ['native', 'js'] as const) {
        const other = thrown(() => kind.create(options, impl));
        t.deepEqual([other.constructor.name, other.message], [err.constructor.name, err.message], `${impl} ${label}`);
      }
    }
  });
}
