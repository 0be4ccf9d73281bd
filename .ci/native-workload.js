// The default workload of .ci/valgrind-node: calls every function the native
// addon exports (each a few hundred times, error paths included), then the
// components that use it (from dist/), drops everything and lets the
// finalizers run, so that valgrind sees every native allocation freed.
//
// Every export must be called: a new binding function fails this workload
// until it is added to CALLS below (the check is at the end).
'use strict';
const path = require('node:path');
const assert = require('node:assert/strict');

const root = path.join(__dirname, '..');
// The addon as tiercache loads it (the checkout's build, else the platform package).
const raw = require(path.join(root, 'dist/native/index.js')).requireNativeBinding();
const dist = require(path.join(root, 'dist/index.js'));

const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc (.ci/valgrind-node does)');

// Counts calls per export.
const called = new Map();
const binding = new Proxy(raw, {
  get(target, name) {
    const value = target[name];
    if (typeof value !== 'function' || typeof name !== 'string') return value;
    return new Proxy(value, {
      apply(fn, self, args) {
        called.set(name, (called.get(name) ?? 0) + 1);
        return Reflect.apply(fn, self, args);
      },
      construct(fn, args) {
        called.set(name, (called.get(name) ?? 0) + 1);
        return Reflect.construct(fn, args);
      },
    });
  },
});

const ROUNDS = 200;
/** Classes exported only as the type of an external handle (not callable from JavaScript). */
const OPAQUE_TYPES = new Set(['CacheHandle']);

/** Error paths allocate too (messages, JS errors): they must free what they allocate. Codes are tested in __test__. */
function throws(fn) {
  assert.throws(fn, Error);
}

function cacheWorkload(handle) {
  const arena = new Uint8Array(64 * 1024);
  const lens = new Int32Array(64);
  binding.cacheAttach(handle, arena, lens);
  const big = new Uint8Array(100 * 1024).fill(7); // larger than the arena: goes through takePending
  for (let i = 0; i < ROUNDS; i++) {
    const key = `key:${i % 50}:é😀`;
    binding.cacheSet(handle, key, Buffer.from(`value ${i}`), i % 3 === 0 ? 5 : 0);
    binding.cacheSetString(handle, `s:${i % 40}`, `string ${i}`, 0);
    arena.set(Buffer.from(`arena ${i}`), 100);
    binding.cacheSetFromArena(handle, `a:${i % 30}`, 100, 8, 0);
    binding.cacheGetInto(handle, key, 0);
    binding.cachePeekInto(handle, key, 0);
    binding.cacheGetString(handle, `s:${i % 40}`);
    binding.cachePeekString(handle, 'missing');
    binding.cacheHas(handle, key);
    binding.cacheTtl(handle, key);
    const keys = [`s:${i % 40}`, 'missing', `a:${i % 30}`];
    lens.set(keys.map((k) => k.length));
    binding.cacheGetManyInto(handle, keys.join(''), keys.length, 0);
    if (i % 10 === 0) {
      binding.cacheSet(handle, 'big', big, 0);
      if (binding.cacheGetInto(handle, 'big', 0) === -2) binding.cacheTakePending(handle);
      binding.cacheDelete(handle, `s:${i % 40}`);
      binding.cacheDeleteMany(handle, [`a:${i % 30}`, 'missing']);
      binding.cacheKeys(handle);
      binding.cachePolicyState(handle);
      binding.cacheSize(handle);
      binding.cacheBytes(handle);
      binding.cacheStats(handle);
      binding.cacheNow(handle);
    }
  }
  binding.cacheResetStats(handle);
  binding.cachePurgeExpired(handle);
  binding.cacheClear(handle);
  // Bad input comes back as errors, never a crash or a leak.
  throws(() => binding.cacheGetString(handle, 5));
  throws(() => binding.cacheSet(handle, 'k', 'not bytes', 0));
  throws(() => binding.cacheSetFromArena(handle, 'k', arena.length, 10, 0));
  throws(() => binding.cacheGetManyInto(handle, 'ab', 1000, 0));
  throws(() => binding.cacheTakePending(handle));
}

const CALLS = {
  meta() {
    binding.nativeVersion();
    binding.nativeAllocatedBytes();
    binding.batchAccumulatorCount();
  },
  probes() {
    const external = binding.probeMakeExternal();
    for (let i = 0; i < ROUNDS; i++) {
      binding.probeNoop();
      binding.probeNumber(i);
      binding.probeKey(`key ${i} é`);
      binding.probeBytes(Buffer.from('bytes'));
      binding.probeBufferOut(i % 64);
      binding.probeExternal(external, 'k', i);
    }
    throws(() => binding.probeKey(1));
  },
  privateCaches() {
    for (const policy of ['tinylfu', 'lru']) {
      const manual = binding.cacheCreate(100, 64 * 1024, policy, 2, true);
      cacheWorkload(manual);
      binding.cacheAdvance(manual, 10);
      binding.cachePurgeExpired(manual);
      cacheWorkload(binding.cacheCreate(0, 32 * 1024, policy, 1, false));
    }
    throws(() => binding.cacheCreate(0, 0, 'arc', 1, false));
  },
  sharedCaches() {
    const a = binding.cacheShared('valgrind', 100, 0, 'tinylfu', 1, false);
    const b = binding.cacheShared('valgrind', 100, 0, 'tinylfu', 1, false);
    cacheWorkload(a);
    binding.cacheSetString(b, 'from-b', 'x', 0);
    assert.equal(binding.cacheGetString(a, 'from-b'), 'x');
    throws(() => binding.cacheShared('valgrind', 5, 0, 'lru', 1, false));
    assert.equal(binding.cacheDeleteShared('valgrind'), true);
  },
  batchAccumulators() {
    const fast = binding.batchFastPaths();
    for (const dedupe of [true, false]) {
      const acc = new binding.NativeBatchAccumulator(8, 1000, 100, Infinity, 2, dedupe, false);
      const stage = new Float64Array(3 * 16);
      for (let i = 0; i < ROUNDS; i++) {
        const keys = ['alpha', 'beta', 'alpha', 'ω'];
        let text = '';
        keys.forEach((k, j) => {
          stage[j * 3] = k.length;
          stage[j * 3 + 2] = 10;
          text += k;
        });
        stage[4 * 3] = -1; // a number key
        stage[4 * 3 + 1] = i;
        stage[4 * 3 + 2] = 8;
        fast.ingest(acc.handle, text, stage, 5);
        fast.seal(acc.handle, 4);
        while (fast.startNext(acc.handle) > 0) fast.complete(acc.handle);
        if (i % 20 === 0) {
          acc.stats();
          fast.ingest(acc.handle, 'queued', new Float64Array([6, 0, 1]), 1);
          acc.clear();
          // An aborted load leaves its slot: the first batch of a fresh accumulator is seq 0.
          const fresh = new binding.NativeBatchAccumulator(8, Infinity, Infinity, Infinity, Infinity, dedupe, false);
          fast.ingest(fresh.handle, 'gone', new Float64Array([4, 0, 1]), 1);
          assert.equal(fresh.release(0, 0), true);
        }
      }
      throws(() => fast.ingest(acc.handle, '', stage, 100));
      throws(() => fast.complete(acc.handle + 1));
      throws(() => acc.release(1e9, 0));
    }
    throws(() => new binding.NativeBatchAccumulator(0, 1, 1, 1, 1, true, false));
  },
  zstdFrames() {
    const dictionary = Buffer.from(Array.from({ length: 200 }, (_, i) => `{"id":${i},"name":"user ${i}"}`).join(''));
    for (const dict of [null, dictionary]) {
      const compressor = new binding.NativeZstdCompressor(3, true, dict);
      const decompressor = new binding.NativeZstdDecompressor();
      if (dict !== null) decompressor.addDictionary(7, dict, 'options.dictionary');
      const id = dict === null ? 0 : 7;
      for (let i = 0; i < ROUNDS; i++) {
        const input = Buffer.from(`{"id":${i},"name":"user ${i}","tags":["a","b"]}`.repeat(1 + (i % 50)));
        const out = Buffer.alloc(input.length + 1024);
        const frame = out.subarray(0, compressor.compress(input, out));
        const back = Buffer.alloc(input.length);
        decompressor.decompressInto(frame, id, 1 << 20, back);
        assert.ok(back.equals(input));
        assert.ok(decompressor.decompress(frame, id, 1 << 20).equals(input));
        if (i % 20 === 0) {
          throws(() => decompressor.decompress(frame.subarray(0, frame.length - 3), id, 1 << 20)); // truncated
          throws(() => decompressor.decompress(frame, id, 1)); // over the limit
          throws(() => decompressor.decompressInto(frame, id, 1 << 20, Buffer.alloc(1))); // wrong size
        }
      }
      // A frame without a content size is streamed: RLE blocks of 128 KiB, and one over the limit.
      const rle = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 11 << 3];
      for (let b = 0; b < 8; b++) rle.push(...[(b === 7 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3)].flatMap((h) => [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff]), 0x41);
      assert.equal(decompressor.decompress(Buffer.from(rle), 0, 1 << 21).length, 8 * 128 * 1024);
      throws(() => decompressor.decompress(Buffer.from(rle), 0, 1 << 19));
      throws(() => decompressor.decompress(Buffer.from(rle), 99, 1 << 21)); // unknown dictionary
    }
    throws(() => new binding.NativeZstdDecompressor().addDictionary(0, dictionary, 'options.dictionary')); // id 0 is refused
  },
  policies() {
    // LocalCache's policy through its native port (dist/policy/native-port.js), on the counting proxy.
    const { NativePolicyPort } = require(path.join(root, 'dist/policy/native-port.js'));
    for (const kind of ['tinylfu', 'lru']) {
      for (const budget of [{ maxEntries: 64, maxBytes: 0 }, { maxEntries: 1000, maxBytes: 4096 }]) {
        const port = new NativePolicyPort(binding, kind, budget, 0);
        const live = new Set();
        for (let i = 0; i < ROUNDS * 4; i++) {
          const slot = i % 300;
          const now = i * 3;
          // A few recorded hits on slots that may or may not be live (stale refs count for nothing).
          let pending = 0;
          for (const s of live) {
            if (pending === 8) break;
            port.ring[pending++] = s | ((i % 7 === 0 ? 1 : 0) << 26);
          }
          if (i % 5 === 0) {
            port.drain(pending);
            pending = 0;
          }
          if (live.has(slot) && i % 4 === 0) {
            port.delete(pending, slot, 3, now);
            live.delete(slot);
          } else {
            port.write(pending, slot, 0, (Math.imul(slot, 0x9e3779b1) >>> 0), 10 + (i % 90), i % 3 === 0 ? now + 50 : 0, now);
            live.add(slot);
          }
          // Removals come back in `out`, paged: the index forgets those slots.
          for (let pairs = port.more(); pairs > 0; pairs = port.more()) {
            for (let j = 0; j < pairs; j++) live.delete(port.out[j * 2]);
          }
          if (i % 50 === 0) {
            port.purge(0, now);
            while (port.more() > 0);
            port.order(0, now);
            port.state();
            port.bytes();
          }
        }
        port.clear();
      }
    }
    // Bad input comes back as errors.
    throws(() => new binding.NativePolicy('arc', 10, 0, 0, new Int32Array(512), new Float64Array(8), new Int32Array(512)));
    throws(() => binding.policyFastPaths().drain(-1, 0));
  },
  dictionaries() {
    const samples = Array.from({ length: 300 }, (_, i) => Buffer.from(JSON.stringify({ id: i, name: `user ${i}`, tags: ['a', 'b', i % 7] })));
    const data = Buffer.concat(samples);
    binding.trainDictionary(data, Uint32Array.from(samples.map((s) => s.length)), 4096);
    throws(() => binding.trainDictionary(data, Uint32Array.from([1, 2]), 4096));
  },
};

async function components() {
  // The public components on the native implementation, as users run them.
  assert.equal(dist.implementation, 'native', 'the workload needs the native addon (TIERCACHE_IMPL unset or native)');
  const cache = new dist.LocalCache({ maxEntries: 200, maxBytes: 64 * 1024, metrics: false, sizeOf: (v) => (typeof v === 'string' ? v.length : 64) });
  const offheap = new dist.OffHeapCache({ maxEntries: 200, maxBytes: 64 * 1024, metrics: false });
  for (let i = 0; i < ROUNDS * 5; i++) {
    cache.set(`k${i % 300}`, i % 2 === 0 ? `v${i}` : { i }, { ttlMs: i % 5 === 0 ? 1 : 0 });
    cache.get(`k${(i * 7) % 300}`);
    offheap.set(`k${i % 300}`, i % 2 === 0 ? `v${i}` : Buffer.alloc(i % 900, 1), { ttlMs: i % 5 === 0 ? 1 : 0 });
    offheap.get(`k${(i * 7) % 300}`);
    offheap.getString(`k${i % 300}`);
  }
  await cache.getOrSet('loaded', async () => 'value');
  for (const c of [cache, offheap]) {
    c.setMany([['a', 'x'], ['b', 'y']]);
    c.getMany(['a', 'b', 'c']);
    c.deleteMany(['a']);
    assert.ok(Array.isArray([...c.keys()]));
    c.purgeExpired();
    c.clear();
  }
  const shared = dist.OffHeapCache.shared('valgrind-component', { maxEntries: 50, metrics: false });
  shared.set('k', 'v');
  dist.OffHeapCache.deleteShared('valgrind-component');
  const codec = new dist.Codec({ zstd: 'native', metrics: false, dictionary: Buffer.from('{"id":1,"name":"x"}'.repeat(40)) });
  for (let i = 0; i < ROUNDS; i++) {
    const value = Buffer.from(`{"id":${i},"name":"user"}`.repeat(1 + (i % 30)));
    assert.ok(codec.decode(codec.encode(value)).equals(value));
  }
  await codec.close();
  const bp = new dist.BatchProcessor({ execute: async (keys) => keys.map((k) => `${k}!`), maxBatchSize: 16, metrics: false });
  const loads = [];
  for (let i = 0; i < ROUNDS; i++) loads.push(bp.load(`k${i % 50}`), bp.load(i));
  loads.push(bp.loadMany(['x', 'y', 'x']));
  await Promise.all(loads);
  await bp.close();
}

async function main() {
  for (const run of Object.values(CALLS)) run();
  await components();
  // Every export was called (a new binding function must join the workload).
  const exported = Object.keys(raw).filter((name) => typeof raw[name] === 'function' && !OPAQUE_TYPES.has(name));
  const missing = exported.filter((name) => !called.has(name));
  assert.deepEqual(missing, [], `binding functions the workload does not call: ${missing.join(', ')}`);
  // Drop everything and let the finalizers run (Node-API defers them past the GC).
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write(`native workload done: ${exported.length} functions called, ${binding.batchAccumulatorCount()} accumulators left\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
