'use strict';
// LocalCache benchmarks: native vs JS twin vs lru-cache vs mnemonist, side by
// side in one run, reported as ratios. Run: npm run bench -- local
// (or node --expose-gc bench/local.bench.js after npm run build:ts).
const { LRUCache } = require('lru-cache');
const { LRUCache: MnemonistLRU } = require('mnemonist');
const { runSuite, runIsolated, printCaseResult, toRows, report, record, recordColumns, wants, pick, machine } = require('./lib/harness.js');
const { zipfTrace, scanBurstTrace, loopTrace } = require('./lib/workloads.js');

const { createLocalCache } = require('../dist/local/local-cache.js');
const { requireNativeBinding } = require('../dist/native/index.js');

const binding = requireNativeBinding();
const VALUE = Buffer.alloc(100, 7);

const CANDIDATES = ['native', 'js twin', 'lru-cache', 'mnemonist'];

/** One candidate behind the shape get / set / getMany. */
function candidate(name, capacity) {
  switch (name) {
    case 'native':
      return createLocalCache({ maxEntries: capacity, metrics: false }, 'native');
    case 'js twin':
      return createLocalCache({ maxEntries: capacity, metrics: false }, 'js');
    case 'lru-cache': {
      const lru = new LRUCache({ max: capacity });
      return { get: (k) => lru.get(k), set: (k, v) => lru.set(k, v), raw: lru };
    }
    default: {
      const mn = new MnemonistLRU(capacity);
      return { get: (k) => mn.get(k), set: (k, v) => mn.set(k, v), raw: mn };
    }
  }
}

/**
 * Runs each throughput case in a child process of its own: a real process uses
 * one implementation, and driving both through the same LocalCache code in
 * one process would make its call sites polymorphic (slower for both).
 */
function isolated(section, names) {
  return toRows(runIsolated(__filename, (name) => ['--case', section, name], names));
}

async function crossingCosts() {
  const key = 'user:123456:profile';
  const scratch = Buffer.allocUnsafeSlow(65536);
  const results = await runSuite('N-API crossing costs', [
    { name: 'empty call', fn: () => binding.probeNoop() },
    { name: 'number in, number out', fn: () => binding.probeNumber(7) },
    { name: 'string key in (19 chars)', fn: () => binding.probeKey(key) },
    { name: 'Uint8Array in (100 B)', fn: () => binding.probeBytes(VALUE) },
    { name: 'Buffer out (100 B, napi_create_buffer_copy)', fn: () => binding.probeBufferOut(100) },
    { name: 'JS: key utf8Write into scratch', fn: () => scratch.utf8Write(key, 0) },
    { name: 'JS: Buffer.allocUnsafe(100) + copy from scratch', fn: () => scratch.copy(Buffer.allocUnsafe(100), 0, 0, 100) },
    { name: 'JS: Map.get (for scale)', fn: () => scratchMap.get(key) },
  ]);
  const rows = results.map((r) => ({ name: r.name, value: 1e9 / r.hz, rme: r.rme }));
  report('local', 'crossing', rows, { title: 'Cost per crossing (ns, lower is better)', peer: 'empty call', unit: 'ns', lowerIsBetter: true });
}
const scratchMap = new Map([['user:123456:profile', 1]]);

function hitCase(name) {
  const n = 10_000;
  const keys = Array.from({ length: n }, (_, i) => `user:${i}:profile`);
  const c = candidate(name, 2 * n);
  for (const k of keys) c.set(k, VALUE);
  let i = 0;
  return [{ name, fn: () => c.get(keys[i++ % n]) }];
}

async function hitPath() {
  const rows = isolated('hit', pick('local', CANDIDATES));
  report('local', 'hit-path', rows, { title: 'Hit path: get of a present key (ops/s)', peer: 'lru-cache' });
}

function asideCase(name) {
  const trace = zipfTrace(1_000_000, 0.9, 4_000_000, 7);
  const c = candidate(name, 100_000);
  // Measure the steady state, not the fill: the cache first serves the
  // first million requests of the trace.
  const warm = 1_000_000;
  for (let i = 0; i < warm; i++) {
    const key = `key:${trace[i]}`;
    if (c.get(key) === undefined) c.set(key, Buffer.allocUnsafe(100));
  }
  let i = warm;
  return [
    {
      name,
      fn: () => {
        const key = `key:${trace[i++ % trace.length]}`;
        if (c.get(key) === undefined) c.set(key, Buffer.allocUnsafe(100));
      },
    },
  ];
}

async function cacheAside() {
  const rows = isolated('aside', pick('local', CANDIDATES));
  report('local', 'cache-aside', rows, {
    title: 'Cache-aside, Zipf 0.9 over 1M keys, capacity 100k, 100 B values (requests/s)',
    peer: 'lru-cache',
    unit: 'requests/s',
  });
}

function manyCase(name) {
  const n = 10_000;
  const keys = Array.from({ length: n }, (_, i) => `user:${i}:profile`);
  const batches = Array.from({ length: 100 }, (_, b) => keys.slice(b * 100, b * 100 + 100));
  const impl = name.startsWith('native') ? 'native' : name.startsWith('js') ? 'js twin' : 'lru-cache';
  const c = candidate(impl, 2 * n);
  for (const k of keys) c.set(k, VALUE);
  let b = 0;
  if (impl !== 'lru-cache') return [{ name, fn: () => c.getMany(batches[b++ % 100]) }];
  const lru = c.raw;
  return [
    {
      name,
      fn: () => {
        const batch = batches[b++ % 100];
        const out = new Array(batch.length);
        for (let i = 0; i < batch.length; i++) out[i] = lru.get(batch[i]);
        return out;
      },
    },
  ];
}

async function getMany() {
  const names = pick('local', ['native getMany(100)', 'js twin getMany(100)', 'lru-cache get x 100']);
  const rows = isolated('many', names).map((r) => ({ ...r, value: r.value * 100 }));
  report('local', 'get-many', rows, { title: 'getMany of 100 present keys (keys/s)', peer: 'lru-cache get x 100', unit: 'keys/s' });
}

/**
 * Hit ratio of each policy on a trace (the same keys and order for all), over
 * the whole trace and over its last 20% (after the adaptive window has had
 * time to adapt).
 */
function hitRatios() {
  const workloads = [
    ['Zipf 0.9, 1M keys, capacity 1% (10k)', zipfTrace(1_000_000, 0.9, 2_000_000, 11), 10_000],
    ['Zipf 0.9, 1M keys, capacity 10% (100k)', zipfTrace(1_000_000, 0.9, 2_000_000, 12), 100_000],
    ['scan bursts over Zipf 0.9 (100k keys, cap 5k)', scanBurstTrace(100_000, 0.9, 1_000_000, 20_000, 6_000, 13), 5_000],
    ['loop over 12k keys, capacity 10k', loopTrace(12_000, 600_000), 10_000],
    ['recency: sliding working set, capacity 10k', slidingTrace(5_000_000), 10_000],
  ];
  const rows = [];
  for (const [name, trace, capacity] of workloads) {
    const policies = {
      tinylfu: createLocalCache({ maxEntries: capacity, metrics: false }, 'native'),
      lru: createLocalCache({ maxEntries: capacity, policy: 'lru', metrics: false }, 'native'),
      'lru-cache': new LRUCache({ max: capacity }),
    };
    const tail = Math.floor(trace.length * 0.8);
    const row = { workload: name };
    for (const [policy, c] of Object.entries(policies)) {
      let hits = 0;
      let tailHits = 0;
      for (let i = 0; i < trace.length; i++) {
        const key = `k${trace[i]}`;
        if (c.get(key) !== undefined) {
          hits++;
          if (i >= tail) tailHits++;
        } else c.set(key, VALUE);
      }
      row[policy] = (100 * hits) / trace.length;
      row[`${policy} (last 20%)`] = (100 * tailHits) / (trace.length - tail);
    }
    rows.push(row);
  }
  const pct = (x) => x.toFixed(2);
  const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  const lines = [
    '\n### Hit ratio (%) by policy (same trace for each)',
    '',
    '| workload | tinylfu (default) | lru policy | lru-cache | tinylfu - lru | same, last 20% of the trace |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.workload} | ${pct(r.tinylfu)} | ${pct(r.lru)} | ${pct(r['lru-cache'])} | ${signed(r.tinylfu - r.lru)} | ${signed(r['tinylfu (last 20%)'] - r['lru (last 20%)'])} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  // One table per workload: the policies' hit ratios, measured against lru-cache's.
  for (const { workload, ...byPolicy } of rows) {
    const cases = Object.entries(byPolicy).map(([name, value]) => ({ name, value }));
    record('local', `hit-ratio.${workload}`, cases, { title: `Hit ratio (%): ${workload}`, peer: 'lru-cache', unit: '%' });
  }
}

function slidingTrace(length) {
  const trace = new Uint32Array(length);
  for (let i = 0; i < length; i++) trace[i] = Math.floor(i / 20) + ((i * 7919) % 4000);
  return trace;
}

/** V8 heap growth (and off-heap bytes) for 1M entries of 100-byte values. */
function memory() {
  if (typeof global.gc !== 'function') {
    process.stdout.write('\n(memory table skipped: run with --expose-gc)\n');
    return;
  }
  const n = 1_000_000;
  const rows = [];
  const candidatesByName = {
    native: () => createLocalCache({ maxEntries: n }, 'native'),
    'js twin': () => createLocalCache({ maxEntries: n }, 'js'),
    'lru-cache': () => new LRUCache({ max: n }),
  };
  for (const [name, make] of Object.entries(candidatesByName)) {
    global.gc();
    const before = process.memoryUsage();
    const nativeBefore = binding.nativeAllocatedBytes();
    let c = make();
    for (let i = 0; i < n; i++) c.set(`key:${i}`, Buffer.alloc(100, i & 255));
    global.gc();
    const after = process.memoryUsage();
    const heap = after.heapUsed - before.heapUsed;
    const offHeap = after.arrayBuffers - before.arrayBuffers + (binding.nativeAllocatedBytes() - nativeBefore);
    rows.push({ name, heap, offHeap, total: heap + offHeap, size: c.size });
    c = null;
    global.gc();
  }
  const mb = (x) => `${(x / 2 ** 20).toFixed(1)} MB`;
  const lines = [
    '\n### Memory: 1M entries of 100-byte values',
    '',
    '| case | V8 heap growth | off-heap (ArrayBuffers + native) |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.name} | ${mb(r.heap)} | ${mb(r.offHeap)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const bytes = { unit: 'bytes', lowerIsBetter: true };
  recordColumns('local', 'memory', rows, { heap: bytes, offHeap: bytes, total: bytes }, { title: 'Memory: 1M entries of 100-byte values', peer: 'lru-cache' });
}

async function main() {
  const caseIndex = process.argv.indexOf('--case');
  if (caseIndex > 0) {
    const [section, name] = process.argv.slice(caseIndex + 1);
    const build = { hit: hitCase, aside: asideCase, many: manyCase }[section];
    const [spec] = build(name);
    await printCaseResult(spec);
    return;
  }
  process.stdout.write(`\nMachine: ${machine()}\n`);
  const only = process.argv.slice(2);
  const want = (name, table) => (only.length === 0 || only.includes(name)) && wants('local', table);
  if (want('crossing', 'crossing')) await crossingCosts();
  if (want('hit', 'hit-path')) await hitPath();
  if (want('aside', 'cache-aside')) await cacheAside();
  if (want('many', 'get-many')) await getMany();
  if (want('ratio', 'hit-ratio')) hitRatios();
  if (want('memory', 'memory')) memory();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
