/**
 * OffHeapCache behaviour. The suite runs once per implementation
 * (TIERCACHE_IMPL=native and =js); every test holds for both. What
 * LocalCache shares is registered by helpers/cache-behaviour.ts.
 */
import test from 'ava';
import { ENTRY_OVERHEAD_BYTES, OffHeapCache } from '../ts/index.js';
import { checkExpiredSweep, checkLruEviction, registerCacheBehaviour } from './helpers/cache-behaviour.js';
import { manualOffHeap as manualCache } from './helpers/offheap.js';

registerCacheBehaviour(test, {
  Cache: OffHeapCache,
  manual: manualCache,
  text: (c, key) => c.getString(key),
  peekTexts: (c, key) => [c.peek(key)?.toString(), c.peekString(key)],
  sharded: true,
  budgetWorkloadDeletes: false,
  statsAfterTtl: { expirations: 2 },
});

test('set then get returns the bytes; strings are stored as UTF-8', (t) => {
  const c = manualCache({ maxEntries: 10 });
  t.true(c.set('buf', Buffer.from([1, 2, 3])));
  t.true(c.set('u8', new Uint8Array([4, 5])));
  t.true(c.set('str', 'héllo'));
  t.deepEqual(c.get('buf'), Buffer.from([1, 2, 3]));
  t.deepEqual(c.get('u8'), Buffer.from([4, 5]));
  t.deepEqual(c.get('str'), Buffer.from('héllo', 'utf8'));
  t.is(c.getString('str'), 'héllo');
  t.is(c.getString('buf'), '\u0001\u0002\u0003');
  t.is(c.get('missing'), undefined);
  t.is(c.getString('missing'), undefined);
  t.true(Buffer.isBuffer(c.get('u8')));
});

test('the cache keeps its own copy of a value', (t) => {
  const c = manualCache({ maxEntries: 10 });
  const source = Buffer.from('abc');
  c.set('k', source);
  source.fill(0);
  t.is(c.getString('k'), 'abc');
});

test('an empty value is a value, not a miss', (t) => {
  const c = manualCache({ maxEntries: 10 });
  t.true(c.set('empty', ''));
  t.deepEqual(c.get('empty'), Buffer.alloc(0));
  t.true(c.has('empty'));
});

test('bytes count UTF-8 key bytes, value bytes and the fixed overhead', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('ké', 'abc');
  t.is(c.bytes, 3 + 3 + ENTRY_OVERHEAD_BYTES);
  c.set('ké', 'abcdef');
  t.is(c.bytes, 3 + 6 + ENTRY_OVERHEAD_BYTES);
  c.delete('ké');
  t.is(c.bytes, 0);
});

test('delete, has and size', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('a', '1');
  c.set('b', '2');
  t.is(c.size, 2);
  t.true(c.has('a'));
  t.true(c.delete('a'));
  t.false(c.delete('a'));
  t.false(c.has('a'));
  t.is(c.size, 1);
});

test('the byte budget is split over shards: a value larger than maxBytes / shards is rejected', (t) => {
  const c = manualCache({ maxBytes: 4000, shards: 4 });
  t.false(c.set('k', Buffer.alloc(1000)));
  t.true(c.set('k', Buffer.alloc(1000 - 1 - ENTRY_OVERHEAD_BYTES)));
});

test('LRU evicts the least recently used entry', (t) => {
  checkLruEviction(t, manualCache({ maxEntries: 3, policy: 'lru' }));
});

test('an expired entry counts as a miss and an expiration', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('k', 'v', { ttlMs: 5 });
  c.advance(5);
  t.is(c.get('k'), undefined);
  t.deepEqual(c.stats(), { hits: 0, misses: 1, sets: 1, evictions: 0, expirations: 1, rejections: 0 });
});

test('expired entries are swept by writes to their shard and by purgeExpired, without timers', (t) => {
  checkExpiredSweep(t, manualCache({ maxEntries: 1000 }), 'its shard');
});

test('stats count hits, misses and sets; resetStats zeroes them', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('a', '1');
  c.get('a');
  c.getString('a');
  c.get('b');
  c.getMany(['a', 'b', 'c']);
  t.deepEqual(c.stats(), { hits: 3, misses: 3, sets: 1, evictions: 0, expirations: 0, rejections: 0 });
  c.resetStats();
  t.deepEqual(c.stats(), { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, rejections: 0 });
});

test('getMany returns values in key order with undefined for misses', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('a', '1');
  c.set('c', '3');
  const values = c.getMany(['a', 'b', 'c', 'a']);
  t.deepEqual(values.map((v) => v?.toString()), ['1', undefined, '3', '1']);
  t.deepEqual(c.getMany([]), []);
});

test('keys() iterates live keys, most recently used first', (t) => {
  const c = manualCache({ maxEntries: 10, policy: 'lru' });
  c.set('a', '1');
  c.set('b', '2', { ttlMs: 5 });
  c.set('c', '3');
  c.get('a');
  t.deepEqual([...c.keys()], ['a', 'c', 'b']);
  c.advance(5);
  t.deepEqual([...c], ['a', 'c']);
});

test('keys may be any well-formed Unicode up to the length limit', (t) => {
  const c = manualCache({ maxEntries: 10 });
  const keys = ['é', '😀', '\u{10ffff}', 'a\u0000b', 'x'.repeat(16384), '€'.repeat(300)];
  for (const k of keys) t.true(c.set(k, k.slice(0, 10)));
  for (const k of keys) t.is(c.getString(k), k.slice(0, 10));
});

test('a lone surrogate never matches a stored key with U+FFFD in its place', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('a\ufffd', 'replacement');
  t.is(c.get('a\ud800'), undefined);
  t.false(c.has('a\ud800'));
  t.false(c.delete('a\ud800'));
  t.is(c.getString('a\ufffd'), 'replacement');
});

