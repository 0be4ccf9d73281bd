/**
 * OffHeapCache behaviour. The suite runs once per implementation
 * (TIERCACHE_IMPL=native and =js); every test holds for both.
 */
import test from 'ava';
import { ENTRY_OVERHEAD_BYTES, OffHeapCache } from '../ts/index.js';
import { manualOffHeap as manualCache } from './helpers/offheap.js';
import { Random } from './helpers/random.js';
import { waitFor } from './helpers/wait.js';

test('the implementation is the one TIERCACHE_IMPL asks for', (t) => {
  t.is(OffHeapCache.implementation, process.env.TIERCACHE_IMPL === 'js' ? 'js' : 'native');
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

test('the entry budget is never exceeded, whatever the operations', (t) => {
  for (const policy of ['tinylfu', 'lru'] as const) {
    const c = manualCache({ maxEntries: 50, policy, shards: 2 });
    const r = new Random(5);
    for (let i = 0; i < 20_000; i++) {
      const key = `k${r.skewed(400)}`;
      if (r.chance(0.6)) c.get(key);
      else c.set(key, 'x'.repeat(r.below(50)), { ttlMs: r.below(3) * 100 });
      if (i % 100 === 0) c.advance(r.below(150));
      if (c.size > 50) return t.fail(`${policy}: ${c.size} entries after op ${i}`);
    }
    t.true(c.stats().evictions > 0, `${policy} evicted`);
  }
  t.pass();
});

test('the byte budget is never exceeded, whatever the value sizes', (t) => {
  for (const policy of ['tinylfu', 'lru'] as const) {
    const c = manualCache({ maxBytes: 10_000, policy });
    const r = new Random(9);
    for (let i = 0; i < 20_000; i++) {
      c.set(`k${r.skewed(1000)}`, Buffer.alloc(r.chance(0.02) ? 20_000 : r.below(400)));
      if (c.bytes > 10_000) return t.fail(`${policy}: ${c.bytes} bytes after op ${i}`);
    }
    t.true(c.stats().rejections > 0);
  }
  t.pass();
});

test('a value larger than the byte budget is rejected, counted, and removes the old value', (t) => {
  const c = manualCache({ maxBytes: 1000 });
  t.true(c.set('k', 'small'));
  t.false(c.set('k', Buffer.alloc(1000)));
  t.is(c.get('k'), undefined);
  t.is(c.stats().rejections, 1);
  t.is(c.stats().sets, 1);
  t.is(c.bytes, 0);
});

test('the byte budget is split over shards: a value larger than maxBytes / shards is rejected', (t) => {
  const c = manualCache({ maxBytes: 4000, shards: 4 });
  t.false(c.set('k', Buffer.alloc(1000)));
  t.true(c.set('k', Buffer.alloc(1000 - 1 - ENTRY_OVERHEAD_BYTES)));
});

test('LRU evicts the least recently used entry', (t) => {
  const c = manualCache({ maxEntries: 3, policy: 'lru' });
  c.set('a', '1');
  c.set('b', '2');
  c.set('c', '3');
  c.get('a');
  c.set('d', '4');
  t.deepEqual([...c], ['d', 'a', 'c']);
  t.is(c.stats().evictions, 1);
});

test('peek and has neither refresh recency nor count hits', (t) => {
  const c = manualCache({ maxEntries: 3, policy: 'lru' });
  c.set('a', '1');
  c.set('b', '2');
  c.set('c', '3');
  t.is(c.peek('a')?.toString(), '1');
  t.is(c.peekString('a'), '1');
  t.true(c.has('a'));
  c.set('d', '4');
  t.false(c.has('a'), 'a was still the least recently used');
  t.deepEqual(c.stats(), { hits: 0, misses: 0, sets: 4, evictions: 1, expirations: 0, rejections: 0 });
});

test('W-TinyLFU keeps a frequently used set through a one-off scan, where LRU loses it', (t) => {
  const hotHits = (policy: 'tinylfu' | 'lru'): number => {
    const c = manualCache({ maxEntries: 100, policy });
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
  const c = manualCache({ maxEntries: 10, ttlMs: 1000 });
  c.set('default', 'v');
  c.set('short', 'v', { ttlMs: 10 });
  c.set('forever', 'v', { ttlMs: 0 });
  t.is(c.ttl('default'), 1000);
  t.is(c.ttl('short'), 10);
  t.is(c.ttl('forever'), Infinity);
  t.is(c.ttl('missing'), undefined);
  c.advance(9);
  t.is(c.getString('short'), 'v');
  c.advance(1);
  t.is(c.get('short'), undefined);
  c.advance(990);
  t.false(c.has('default'));
  t.true(c.has('forever'));
  t.is(c.stats().expirations, 2);
});

test('an expired entry counts as a miss and an expiration', (t) => {
  const c = manualCache({ maxEntries: 10 });
  c.set('k', 'v', { ttlMs: 5 });
  c.advance(5);
  t.is(c.get('k'), undefined);
  t.deepEqual(c.stats(), { hits: 0, misses: 1, sets: 1, evictions: 0, expirations: 1, rejections: 0 });
});

test('TTLs longer than 2^31 ms work', (t) => {
  const c = manualCache({ maxEntries: 10 });
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

test('expired entries are swept by writes to their shard and by purgeExpired, without timers', (t) => {
  const c = manualCache({ maxEntries: 1000 });
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v', { ttlMs: 100 });
  c.advance(5000);
  t.is(c.size, 100, 'nothing happens while the cache is idle');
  t.deepEqual([...c], [], 'iteration skips expired entries');
  t.is(c.purgeExpired(), 100);
  t.is(c.size, 0);
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v', { ttlMs: 100 });
  c.advance(5000);
  c.set('trigger', 'v');
  t.is(c.size, 1, 'a write sweeps its shard');
  t.is(c.stats().expirations, 200);
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

test('setMany stores every entry and reports each; deleteMany counts removals', (t) => {
  const c = manualCache({ maxBytes: 1000 });
  t.deepEqual(c.setMany([['a', '1'], ['b', Buffer.from('2')], ['big', Buffer.alloc(2000)]], { ttlMs: 50 }), [true, true, false]);
  t.is(c.ttl('a'), 50);
  t.is(c.deleteMany(['a', 'b', 'missing']), 2);
  t.is(c.size, 0);
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

test('clear empties the cache and keeps the counters', (t) => {
  const c = manualCache({ maxEntries: 100, maxBytes: 100_000, shards: 4 });
  for (let i = 0; i < 50; i++) c.set(`k${i}`, 'value', { ttlMs: 1000 });
  c.set('present', 'v');
  c.get('present');
  c.clear();
  t.is(c.size, 0);
  t.is(c.bytes, 0);
  t.deepEqual([...c], []);
  t.is(c.stats().hits, 1);
  t.true(c.set('again', 'v'));
  t.is(c.getString('again'), 'v');
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

test('advance needs a manual clock', (t) => {
  const c = new OffHeapCache({ maxEntries: 10 });
  t.throws(() => c.advance(1), { instanceOf: TypeError, message: /clock: 'manual'/ });
});

test('the system clock expires entries in real time', async (t) => {
  const c = new OffHeapCache({ maxEntries: 10 });
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
