/**
 * LocalCache's onEvict: every value that leaves is reported once, with its
 * reason, in the order it left, after the cache is consistent. Runs under
 * both implementations.
 */
import test from 'ava';
import type { EvictionReason } from '../ts/index.js';
import { manualCache } from './helpers/local.js';

type Notice = [unknown, string, EvictionReason];

function recording<V>(options: Parameters<typeof manualCache<V>>[0]) {
  const notices: Notice[] = [];
  const cache = manualCache<V>({ ...options, onEvict: (value, key, reason) => notices.push([value, key, reason]) });
  return { cache, notices };
}

test('budget evictions are reported as evict, oldest first', (t) => {
  const { cache, notices } = recording<number>({ maxEntries: 3, policy: 'lru' });
  for (let i = 0; i < 6; i++) cache.set(`k${i}`, i);
  t.deepEqual(notices, [
    [0, 'k0', 'evict'],
    [1, 'k1', 'evict'],
    [2, 'k2', 'evict'],
  ]);
});

test('expiry is reported as expire when the entry is swept, by a write or purgeExpired', (t) => {
  const { cache, notices } = recording<string>({ maxEntries: 10 });
  cache.set('a', 'A', { ttlMs: 10 });
  cache.set('b', 'B', { ttlMs: 10 });
  cache.advance(5000);
  t.deepEqual(notices, [], 'nothing happens while idle');
  t.is(cache.purgeExpired(), 2);
  t.deepEqual(notices, [
    ['A', 'a', 'expire'],
    ['B', 'b', 'expire'],
  ]);
  cache.set('c', 'C', { ttlMs: 10 });
  cache.advance(10);
  t.true(cache.set('c', 'C2'), 'a set over an expired entry');
  t.deepEqual(notices.at(-1), ['C', 'c', 'expire']);
  cache.set('d', 'D', { ttlMs: 10 });
  cache.advance(10);
  t.false(cache.delete('d'), 'deleting an expired entry reports it as expired');
  t.deepEqual(notices.at(-1), ['D', 'd', 'expire']);
});

test('delete, deleteMany and clear report delete; replacing a value reports set', (t) => {
  const { cache, notices } = recording<{ v: number }>({ maxEntries: 10 });
  const one = { v: 1 };
  cache.set('a', one);
  cache.set('a', one);
  t.deepEqual(notices, [], 'setting the same value again replaces nothing');
  cache.set('a', { v: 2 });
  t.deepEqual(notices, [[one, 'a', 'set']]);
  cache.delete('a');
  cache.set('b', { v: 3 });
  cache.set('c', { v: 4 });
  cache.deleteMany(['b', 'missing']);
  cache.clear();
  t.deepEqual(notices.slice(1), [
    [{ v: 2 }, 'a', 'delete'],
    [{ v: 3 }, 'b', 'delete'],
    [{ v: 4 }, 'c', 'delete'],
  ]);
});

test('a refused update removes the old value and reports it as set; a refused new value is not reported', (t) => {
  const { cache, notices } = recording<string>({ maxBytes: 500 });
  cache.set('k', 'small');
  t.false(cache.set('k', 'x'.repeat(1000)));
  t.deepEqual(notices, [['small', 'k', 'set']]);
  t.false(cache.set('other', 'y'.repeat(1000)));
  t.is(notices.length, 1);
});

test('the callback sees a consistent cache and may use it, including writes that evict more', (t) => {
  const seen: string[] = [];
  const cache = manualCache<number>({
    maxEntries: 2,
    policy: 'lru',
    onEvict: (_value, key, reason) => {
      seen.push(`${key}:${reason}:${cache.has(key)}:${cache.size}`);
      if (key === 'a') cache.set('from-callback', 99);
    },
  });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  // a is evicted by c's set; the callback's own set then evicts b.
  t.deepEqual(seen, ['a:evict:false:2', 'b:evict:false:2']);
  t.deepEqual([...cache], ['from-callback', 'c']);
});

test('an error thrown by onEvict reaches the caller after every notice is delivered and the cache is consistent', (t) => {
  const delivered: string[] = [];
  const cache = manualCache<number>({
    maxEntries: 10,
    onEvict: (_v, key) => {
      delivered.push(key);
      if (key === 'a') throw new Error('callback failed');
    },
  });
  cache.set('a', 1);
  cache.set('b', 2);
  t.throws(() => cache.clear(), { message: 'callback failed' });
  t.deepEqual(delivered, ['a', 'b']);
  t.is(cache.size, 0);
  t.true(cache.set('a', 3));
});
