/**
 * LocalCache behaviour. The suite runs once per implementation
 * (TIERCACHE_IMPL=native and =js); every test holds for both.
 */
import test from 'ava';
import { ENTRY_OVERHEAD_BYTES, LocalCache } from '../ts/index.js';
import { manualCache } from './helpers/local.js';
import { Random } from './helpers/random.js';
import { waitFor } from './helpers/wait.js';

test('the implementation is the one TIERCACHE_IMPL asks for', (t) => {
  t.is(LocalCache.implementation, process.env.TIERCACHE_IMPL === 'js' ? 'js' : 'native');
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

test('the entry budget is never exceeded, whatever the operations', (t) => {
  for (const policy of ['tinylfu', 'lru'] as const) {
    const c = manualCache<string>({ maxEntries: 50, policy });
    const r = new Random(5);
    for (let i = 0; i < 20_000; i++) {
      const key = `k${r.skewed(400)}`;
      if (r.chance(0.6)) c.get(key);
      else if (r.chance(0.9)) c.set(key, 'x'.repeat(r.below(50)), { ttlMs: r.below(3) * 100 });
      else c.delete(key);
      if (i % 100 === 0) c.advance(r.below(150));
      if (c.size > 50) return t.fail(`${policy}: ${c.size} entries after op ${i}`);
    }
    t.true(c.stats().evictions > 0, `${policy} evicted`);
  }
});

test('the byte budget is never exceeded, whatever the value sizes', (t) => {
  for (const policy of ['tinylfu', 'lru'] as const) {
    const c = manualCache<Buffer>({ maxBytes: 10_000, policy });
    const r = new Random(9);
    for (let i = 0; i < 20_000; i++) {
      c.set(`k${r.skewed(1000)}`, Buffer.alloc(r.chance(0.02) ? 20_000 : r.below(400)));
      if (c.bytes > 10_000) return t.fail(`${policy}: ${c.bytes} bytes after op ${i}`);
    }
    t.true(c.stats().rejections > 0);
  }
});

test('a value larger than the byte budget is rejected, counted, and removes the old value', (t) => {
  const c = manualCache<string | Buffer>({ maxBytes: 1000 });
  t.true(c.set('k', 'small'));
  t.false(c.set('k', Buffer.alloc(1000)));
  t.is(c.get('k'), undefined);
  t.is(c.stats().rejections, 1);
  t.is(c.stats().sets, 1);
  t.is(c.bytes, 0);
  t.is(c.size, 0);
});

test('LRU evicts the least recently used entry; iteration is most recent first', (t) => {
  const c = manualCache<string>({ maxEntries: 3, policy: 'lru' });
  c.set('a', '1');
  c.set('b', '2');
  c.set('c', '3');
  c.get('a');
  c.set('d', '4');
  t.deepEqual([...c], ['d', 'a', 'c']);
  t.is(c.stats().evictions, 1);
});

test('peek and has neither refresh recency nor count hits', (t) => {
  const c = manualCache<string>({ maxEntries: 3, policy: 'lru' });
  c.set('a', '1');
  c.set('b', '2');
  c.set('c', '3');
  t.is(c.peek('a'), '1');
  t.true(c.has('a'));
  c.set('d', '4');
  t.false(c.has('a'), 'a was still the least recently used');
  t.deepEqual(c.stats(), { hits: 0, misses: 0, sets: 4, evictions: 1, expirations: 0, rejections: 0 });
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

test('W-TinyLFU keeps a frequently used set through a one-off scan, where LRU loses it', (t) => {
  const hotHits = (policy: 'tinylfu' | 'lru'): number => {
    const c = manualCache<string>({ maxEntries: 100, policy });
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
  const c = manualCache<string>({ maxEntries: 10, ttlMs: 1000 });
  c.set('default', 'v');
  c.set('short', 'v', { ttlMs: 10 });
  c.set('forever', 'v', { ttlMs: 0 });
  t.is(c.ttl('default'), 1000);
  t.is(c.ttl('short'), 10);
  t.is(c.ttl('forever'), Infinity);
  t.is(c.ttl('missing'), undefined);
  c.advance(9);
  t.is(c.get('short'), 'v');
  c.advance(1);
  t.is(c.get('short'), undefined);
  t.is(c.ttl('short'), undefined);
  c.advance(990);
  t.false(c.has('default'));
  t.true(c.has('forever'));
  t.is(c.stats().misses, 1);
});

test('expired entries are removed by writes and purgeExpired, and counted then', (t) => {
  const c = manualCache<string>({ maxEntries: 1000 });
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v', { ttlMs: 100 });
  c.advance(5000);
  t.is(c.size, 100, 'nothing happens while the cache is idle');
  t.deepEqual([...c], [], 'iteration skips expired entries');
  t.is(c.purgeExpired(), 100);
  t.is(c.size, 0);
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v', { ttlMs: 100 });
  c.advance(5000);
  c.set('trigger', 'v');
  t.is(c.size, 1, 'a write sweeps the wheel');
  t.is(c.stats().expirations, 200);
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

test('TTLs longer than 2^31 ms work', (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  c.set('k', 'v', { ttlMs: 2 ** 31 + 10 });
  c.advance(2 ** 31);
  t.is(c.ttl('k'), 10);
  c.advance(10);
  t.false(c.has('k'));
  c.set('max', 'v', { ttlMs: Number.MAX_SAFE_INTEGER });
  c.advance(2 ** 40);
  t.true(c.has('max'));
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

test('setMany stores every entry and reports each; deleteMany counts removals', (t) => {
  const c = manualCache<string | Buffer>({ maxBytes: 1000 });
  t.deepEqual(c.setMany([['a', '1'], ['b', Buffer.from('2')], ['big', Buffer.alloc(2000)]], { ttlMs: 50 }), [true, true, false]);
  t.is(c.ttl('a'), 50);
  t.is(c.deleteMany(['a', 'b', 'missing']), 2);
  t.is(c.size, 0);
});

test('clear empties the cache and keeps the counters', (t) => {
  const c = manualCache<string>({ maxEntries: 100, maxBytes: 100_000 });
  for (let i = 0; i < 50; i++) c.set(`k${i}`, 'value', { ttlMs: 1000 });
  c.set('present', 'v');
  c.get('present');
  c.clear();
  t.is(c.size, 0);
  t.is(c.bytes, 0);
  t.deepEqual([...c], []);
  t.is(c.stats().hits, 1);
  t.true(c.set('again', 'v'));
  t.is(c.get('again'), 'v');
});

test('keys may be any string up to the length limit, lone surrogates included', (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  const keys = ['é', '😀', '\u{10ffff}', 'a\u0000b', 'x'.repeat(16384), '€'.repeat(300), 'a\ud800', 'a\ufffd'];
  for (const k of keys) t.true(c.set(k, k.slice(0, 10)));
  for (const k of keys) t.is(c.get(k), k.slice(0, 10));
});

test('advance needs a manual clock', (t) => {
  const c = new LocalCache({ maxEntries: 10 });
  t.throws(() => c.advance(1), { instanceOf: TypeError, message: /clock: 'manual'/ });
});

test('the system clock expires entries in real time', async (t) => {
  const c = new LocalCache({ maxEntries: 10 });
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
