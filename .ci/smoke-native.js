'use strict';
// Release smoke test of a freshly built binary (ts/native/generated) on its
// own platform: the addon must load (TIERCACHE_IMPL=native) and its cache,
// batch accumulator and zstd must work. Run after `npm run build:ts`.
process.env.TIERCACHE_IMPL = 'native';
const assert = require('node:assert/strict');
const t = require('..');

(async () => {
  assert.equal(t.implementation, 'native');
  const cache = new t.LocalCache({ maxEntries: 4 });
  cache.set('k', 'v');
  assert.equal(cache.getString('k'), 'v');
  const batch = new t.BatchProcessor({ execute: (keys) => keys.map((k) => k.length) });
  assert.deepEqual(await Promise.all([batch.load('a'), batch.load('bb')]), [1, 2]);
  const value = Buffer.from('tiercache '.repeat(500));
  const codec = new t.Codec({ zstd: 'native', metrics: false, offload: false });
  assert.ok(codec.decode(codec.encode(value)).equals(value));
  console.log(`smoke test passed on ${process.platform}-${process.arch} (node ${process.version})`);
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
