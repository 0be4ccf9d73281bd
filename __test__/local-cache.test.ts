/**
 * LocalCache behaviour. The suite runs once per implementation
 * (TIERCACHE_IMPL=native and =js); every test holds for both. What
 * OffHeapCache shares is registered by helpers/cache-behaviour.ts.
 */
import test from 'ava';
import { ENTRY_OVERHEAD_BYTES, LocalCache } from '../ts/index.js';
import { checkExpiredSweep, checkLruEviction, registerCacheBehaviour } from './helpers/cache-behaviour.js';
import { manualCache } from './helpers/local.js';

registerCacheBehaviour(test, {
  Cache: LocalCache<unknown>,
  manual: (options) => manualCache<unknown>(options),
  text: (c, key) => c.get(key) as string | undefined,
  peekTexts: (c, key) => [c.peek(key) as string | undefined],
  sharded: false,
  budgetWorkloadDeletes: true,
  // An expired read is a miss; the expiration is counted when a write or purgeExpired removes it.
  statsAfterTtl: { misses: 1 },
});

test('get returns the very value that was set, of any type', (t) => {
  const c = manualCache<unknown>({ maxEntries: 10 });
  const user = { id: 42, tags: ['a'] };
  const fn = () => 1;
  const buf = Buffer.from('x');
  c.set('user', user);
  c.set('fn', fn);
  c.set('buf', buf);
  c.set('big', 10n);
  t.is(c.get('user'), user);
  t.is(c.get('fn'), fn);
  t.is(c.get('buf'), buf);
  t.is(c.get('big'), 10n);
  t.is(c.peek('user'), user);
  t.is(c.get('missing'), undefined);
});

test('keys that name Object.prototype members, __proto__ and integer-like keys are ordinary keys', (t) => {
  const c = manualCache<unknown>({ maxEntries: 100 });
  const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '0', '123', '-1', '01', '4294967294', '4294967295', '1e3', 'NaN'];
  t.is(c.get('toString'), undefined, 'nothing is found before it is set');
  t.false(c.has('__proto__'));
  keys.forEach((key, i) => t.true(c.set(key, { i }), key));
  t.is(c.size, keys.length);
  keys.forEach((key, i) => t.deepEqual(c.get(key), { i }, key));
  t.deepEqual(c.getMany(keys), keys.map((_, i) => ({ i })));
  t.is(c.get('1000'), undefined, "'1e3' is not '1000'");
  t.deepEqual([...c].sort(), [...keys].sort());
  for (const key of keys.slice(0, 7)) t.true(c.delete(key), key);
  for (const key of keys.slice(0, 7)) t.is(c.get(key), undefined, key);
  t.is(c.size, keys.length - 7);
  keys.slice(7).forEach((key, i) => t.deepEqual(c.peek(key), { i: i + 7 }, key));
});

test('falsy values are values: 0, false, null and the empty string', (t) => {
  const c = manualCache<unknown>({ maxEntries: 10 });
  for (const [key, value] of [['zero', 0], ['false', false], ['null', null], ['empty', ''], ['nan', Number.NaN]] as const) {
    t.true(c.set(key, value), key);
    t.true(c.has(key), key);
    t.is(c.get(key), value, key);
    t.is(c.peek(key), value, key);
  }
  t.deepEqual(c.getMany(['zero', 'false', 'null', 'empty', 'none']), [0, false, null, '', undefined]);
  t.deepEqual(c.stats().misses, 1);
  t.is(c.stats().hits, 9);
});

test('set(key, undefined) deletes the key and returns false', (t) => {
  const evicted: unknown[] = [];
  const c = manualCache<string | undefined>({ maxEntries: 10, onEvict: (v, k, r) => evicted.push([v, k, r]) });
  c.set('k', 'v');
  t.false(c.set('k', undefined));
  t.false(c.has('k'));
  t.is(c.size, 0);
  t.deepEqual(evicted, [['v', 'k', 'delete']]);
  t.false(c.set('never', undefined));
  t.deepEqual(c.setMany([['a', 'x'], ['a', undefined]]), [true, false]);
  t.false(c.has('a'));
});

test('bytes count UTF-8 key bytes, sizeOf(value) and the fixed overhead', (t) => {
  const c = manualCache<unknown>({ maxEntries: 10 });
  c.set('ké', 'abc');
  t.is(c.bytes, 3 + 3 + ENTRY_OVERHEAD_BYTES);
  c.set('ké', 'abcdéf');
  t.is(c.bytes, 3 + 7 + ENTRY_OVERHEAD_BYTES);
  c.set('b', new Float64Array(4));
  t.is(c.bytes, 3 + 7 + 1 + 32 + 2 * ENTRY_OVERHEAD_BYTES);
  c.set('o', { any: 'object' });
  t.is(c.bytes, 3 + 7 + 1 + 32 + 1 + 3 * ENTRY_OVERHEAD_BYTES, 'without maxBytes an unsized value counts 0');
  c.delete('ké');
  c.delete('b');
  c.delete('o');
  t.is(c.bytes, 0);
  const sized = manualCache<{ n: number }>({ maxBytes: 10_000, sizeOf: (v, k) => v.n + k.length });
  sized.set('abc', { n: 100 });
  t.is(sized.bytes, 3 + 103 + ENTRY_OVERHEAD_BYTES);
});

test('maxBytes needs sizeOf for values that are not strings or binary data, and checks what it returns', (t) => {
  const c = manualCache<unknown>({ maxBytes: 10_000 });
  t.true(c.set('s', 'text'));
  t.true(c.set('b', Buffer.alloc(10)));
  t.throws(() => c.set('o', { a: 1 }), {
    instanceOf: TypeError,
    message: /^options\.sizeOf is required when maxBytes is set and a value is not a string, Buffer or typed array, got an object/,
  });
  t.false(c.has('o'));
  for (const bad of [-1, 1.5, Number.NaN, '5', Infinity]) {
    const d = manualCache<unknown>({ maxBytes: 10_000, sizeOf: () => bad as number });
    t.throws(() => d.set('k', {}), { instanceOf: RangeError, message: /^options\.sizeOf must return a non-negative integer/ });
    t.is(d.size, 0);
  }
  const throwing = manualCache<unknown>({ maxBytes: 10_000, sizeOf: () => { throw new Error('boom'); } });
  t.throws(() => throwing.set('k', 1), { message: 'boom' });
  t.is(throwing.size, 0);
});

test('delete, has, peek and size', (t) => {
  const c = manualCache<number>({ maxEntries: 10 });
  c.set('a', 1);
  c.set('b', 2);
  t.is(c.size, 2);
  t.true(c.has('a'));
  t.true(c.delete('a'));
  t.false(c.delete('a'));
  t.false(c.has('a'));
  t.is(c.peek('a'), undefined);
  t.is(c.size, 1);
  t.deepEqual(c.stats(), { hits: 0, misses: 0, sets: 2, evictions: 0, expirations: 0, rejections: 0 });
});

test('LRU evicts the least recently used entry; iteration is most recent first', (t) => {
  checkLruEviction(t, manualCache<string>({ maxEntries: 3, policy: 'lru' }));
});

test('hits recorded in the ring reach the policy: more hits than the ring holds, then a write', (t) => {
  const c = manualCache<number>({ maxEntries: 3, policy: 'lru' });
  c.set('a', 1);
  c.set('b', 2);
  c.set('c', 3);
  // 1000 hits on b, then 1 on a: both drained (the ring holds 256), a last.
  for (let i = 0; i < 1000; i++) c.get('b');
  c.get('a');
  c.set('d', 4);
  t.deepEqual([...c], ['d', 'a', 'b']);
});

test('expired entries are removed by writes and purgeExpired, and counted then', (t) => {
  checkExpiredSweep(t, manualCache<string>({ maxEntries: 1000 }), 'the wheel');
});

test('setting a key whose entry has expired stores a fresh entry', (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  c.set('k', 'old', { ttlMs: 5 });
  c.advance(5);
  t.true(c.set('k', 'new'));
  t.is(c.get('k'), 'new');
  t.is(c.ttl('k'), Infinity);
  t.is(c.stats().expirations, 1);
});

test('stats count hits, misses, sets and rejections; resetStats zeroes them', (t) => {
  const c = manualCache<string>({ maxEntries: 10, maxBytes: 1000 });
  c.set('a', '1');
  c.get('a');
  c.get('b');
  c.getMany(['a', 'b', 'c']);
  c.set('huge', 'x'.repeat(2000));
  t.deepEqual(c.stats(), { hits: 2, misses: 3, sets: 1, evictions: 0, expirations: 0, rejections: 1 });
  c.resetStats();
  t.deepEqual(c.stats(), { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, rejections: 0 });
});

test('getMany over more keys than the hit ring holds returns every value in order', (t) => {
  const c = manualCache<number>({ maxEntries: 2000 });
  for (let i = 0; i < 1500; i++) c.set(`k${i}`, i);
  const keys = Array.from({ length: 3000 }, (_, i) => `k${i % 1600}`);
  const values = c.getMany(keys);
  t.is(values.length, 3000);
  for (let i = 0; i < 3000; i++) if (values[i] !== (i % 1600 < 1500 ? i % 1600 : undefined)) return t.fail(`value ${i}`);
  t.deepEqual(c.getMany([]), []);
  t.is(c.stats().hits, 1500 + 1400);
});

test('keys may be any string up to the length limit, lone surrogates included', (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  const keys = ['é', '😀', '\u{10ffff}', 'a\u0000b', 'x'.repeat(16384), '€'.repeat(300), 'a\ud800', 'a\ufffd'];
  for (const k of keys) t.true(c.set(k, k.slice(0, 10)));
  for (const k of keys) t.is(c.get(k), k.slice(0, 10));
});

