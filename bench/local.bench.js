'use strict';
// LocalCache and OffHeapCache benchmarks: native vs JS twin vs lru-cache vs
// mnemonist, side by side in one run, reported as ratios. Run: npm run bench
// -- local (or node --expose-gc bench/local.bench.js [section...] after npm
// run build:ts). Sections: crossing hit many aside work ratio memory gc.
const { constants } = require('node:perf_hooks');
const { LRUCache } = require('lru-cache');
const { LRUCache: MnemonistLRU } = require('mnemonist');
const { runSuite, runIsolated, printCaseResult, toRows, report, record, recordColumns, wants, pick, machine } = require('./lib/harness.js');
const { random, zipfTrace, scanBurstTrace, loopTrace } = require('./lib/workloads.js');

const { createLocalCache } = require('../dist/local/local-cache.js');
const { createOffHeapCache } = require('../dist/offheap/offheap-cache.js');
const { createPolicyPort } = require('../dist/policy/index.js');
const { requireNativeBinding } = require('../dist/native/index.js');

const binding = requireNativeBinding();
const VALUE = Buffer.alloc(100, 7);

const CANDIDATES = ['native', 'js twin', 'lru-cache', 'mnemonist'];

/** One candidate: an object with get/set (each called directly, no wrapper). */
function candidate(name, capacity) {
  switch (name) {
    case 'native':
      return createLocalCache({ maxEntries: capacity, metrics: false }, 'native');
    case 'js twin':
      return createLocalCache({ maxEntries: capacity, metrics: false }, 'js');
    case 'OffHeapCache (native)':
      return createOffHeapCache({ maxEntries: capacity, metrics: false }, 'native');
    case 'lru-cache':
      return new LRUCache({ max: capacity });
    case 'mnemonist':
      return new MnemonistLRU(capacity);
    default:
      throw new Error(`unknown candidate ${name}`);
  }
}

/**
 * Runs one throughput case per child process: a real process uses one
 * implementation, and driving several caches through the same call sites in
 * one process would make them polymorphic (slower for all).
 */
function isolated(section, names) {
  return toRows(runIsolated(__filename, (name) => ['--case', section, name], pick('local', names)));
}

/** `length` indices in [0, n) in random order (precomputed: the measured loop only reads them). */
function randomOrder(n, length, seed = 3) {
  const next = random(seed);
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = Math.floor(next() * n);
  return order;
}

// ----- crossing costs -----

/** A policy port filled with `n` entries, for timing its calls. */
function filledPort(impl, n) {
  const port = createPolicyPort(impl, 'tinylfu', { maxEntries: n, maxBytes: 0 }, 0);
  for (let slot = 0; slot < n; slot++) port.write(0, slot, 0, (slot * 2654435761) >>> 0, 100, 0, 0);
  const next = random(9);
  // Refs of generation 0 without a TTL are plain slot numbers.
  for (let i = 0; i < port.ring.length; i++) port.ring[i] = Math.floor(next() * n);
  return port;
}

async function crossingCosts() {
  const key = 'user:123456:profile';
  const ports = { native: filledPort('native', 20_000), js: filledPort('js', 20_000) };
  const writers = { native: filledPort('native', 20_000), js: filledPort('js', 20_000) };
  let slot = 20_000;
  const write = (port) => {
    // A new entry in a full cache: admission and one eviction; the evicted
    // slot is the next one written.
    const result = port.write(0, slot, 0, (slot * 2654435761) >>> 0, 100, 0, 0);
    slot = result >= 2 ? port.out[0] : slot + 1;
  };
  const results = await runSuite('N-API crossing costs', [
    { name: 'empty call', fn: () => binding.probeNoop() },
    { name: 'number in, number out', fn: () => binding.probeNumber(7) },
    { name: 'string key in (19 chars)', fn: () => binding.probeKey(key) },
    { name: 'policy drain of 512 recorded hits (native)', fn: () => ports.native.drain(512) },
    { name: 'policy drain of 512 recorded hits (JS twin)', fn: () => ports.js.drain(512) },
    { name: 'policy write: insert + 1 eviction (native)', fn: () => write(writers.native) },
    { name: 'policy write: insert + 1 eviction (JS twin)', fn: () => write(writers.js) },
    { name: 'JS: Map.get (for scale)', fn: () => scratchMap.get(key) },
  ]);
  const rows = results.map((r) => ({ name: r.name, value: 1e9 / r.hz, rme: r.rme }));
  report('local', 'crossing', rows, { title: 'Cost per crossing (ns, lower is better)', peer: 'empty call', unit: 'ns', lowerIsBetter: true });
}
const scratchMap = new Map([['user:123456:profile', 1]]);

// ----- hit path -----

const HOT = 20_000;
const ORDER_MASK = (1 << 20) - 1;

function hitCase(name) {
  const keys = Array.from({ length: HOT }, (_, i) => `user:${i}:profile`);
  const order = randomOrder(HOT, ORDER_MASK + 1);
  const c = candidate(name, 2 * HOT);
  for (const k of keys) c.set(k, { key: k, score: 1 });
  let i = 0;
  return [{ name, fn: () => c.get(keys[order[i++ & ORDER_MASK]]) }];
}

async function hitPath() {
  const rows = isolated('hit', CANDIDATES);
  report('local', 'hit-path', rows, {
    title: `Hit path: get of a present key, object values, ${HOT / 1000}k-key hot set in random order (ops/s)`,
    peer: 'lru-cache',
  });
}

// ----- getMany -----

function manyCase(name) {
  const keys = Array.from({ length: HOT }, (_, i) => `user:${i}:profile`);
  const order = randomOrder(HOT, 100 * 1000);
  const batches = Array.from({ length: 1000 }, (_, b) => Array.from(order.subarray(b * 100, b * 100 + 100), (k) => keys[k]));
  const impl = name.startsWith('native') ? 'native' : name.startsWith('js') ? 'js twin' : 'lru-cache';
  const c = candidate(impl, 2 * HOT);
  for (const k of keys) c.set(k, { key: k });
  let b = 0;
  if (impl !== 'lru-cache') return [{ name, fn: () => c.getMany(batches[b++ % 1000]) }];
  return [
    {
      name,
      fn: () => {
        const batch = batches[b++ % 1000];
        const out = new Array(batch.length);
        for (let i = 0; i < batch.length; i++) out[i] = c.get(batch[i]);
        return out;
      },
    },
  ];
}

async function getMany() {
  const rows = isolated('many', ['native getMany(100)', 'js twin getMany(100)', 'lru-cache get x 100']).map((r) => ({
    ...r,
    value: r.value * 100,
  }));
  report('local', 'get-many', rows, { title: 'getMany of 100 present keys in random order (keys/s)', peer: 'lru-cache get x 100', unit: 'keys/s' });
}

// ----- cache-aside -----

const ASIDE_KEYS = 1_000_000;
const ASIDE_CAPACITY = 100_000;

/** Busy work of about `us` microseconds (what a miss costs a real service: a fetch, a decode). */
function work(us) {
  // performance.now() rather than hrtime.bigint(): no allocation per spin,
  // so the work adds no garbage of its own.
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

function asideCase(name, missUs) {
  const trace = zipfTrace(ASIDE_KEYS, 0.9, 4_000_000, 7);
  const c = candidate(name, ASIDE_CAPACITY);
  const load = name.startsWith('OffHeap') ? (k) => Buffer.from(k) : (k) => ({ key: k, loaded: true });
  // Measure the steady state, not the fill: the cache first serves the
  // first million requests of the trace.
  const warm = 1_000_000;
  for (let i = 0; i < warm; i++) {
    const key = `key:${trace[i]}`;
    if (c.get(key) === undefined) c.set(key, load(key));
  }
  let i = warm;
  return [
    {
      name,
      fn: () => {
        const key = `key:${trace[i++ % trace.length]}`;
        let value = c.get(key);
        if (value === undefined) {
          if (missUs > 0) work(missUs);
          value = load(key);
          c.set(key, value);
        }
        return value;
      },
    },
  ];
}

async function cacheAside() {
  const rows = isolated('aside', [...CANDIDATES, 'OffHeapCache (native)']);
  report('local', 'cache-aside', rows, {
    title: 'Cache-aside, free backend: Zipf 0.9 over 1M keys, capacity 100k, keys built per request (requests/s)',
    peer: 'lru-cache',
    unit: 'requests/s',
  });
}

async function cacheAsideWithWork() {
  const rows = isolated('work', [...CANDIDATES, 'OffHeapCache (native)']);
  report('local', 'cache-aside-work', rows, { title: 'Cache-aside, each miss costs 15 us of work: same trace (requests/s)', peer: 'lru-cache', unit: 'requests/s' });
}

// ----- hit ratio -----

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

// ----- memory and GC -----

/** V8 heap growth (and off-heap bytes) for 1M entries of 100-byte values. */
function memory() {
  if (typeof global.gc !== 'function') {
    process.stdout.write('\n(memory table skipped: run with --expose-gc)\n');
    return;
  }
  const n = 1_000_000;
  const rows = [];
  for (const name of ['OffHeapCache (native)', 'native', 'js twin', 'lru-cache']) {
    global.gc();
    const before = process.memoryUsage();
    const nativeBefore = binding.nativeAllocatedBytes();
    let c = candidate(name, n);
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
    '\n### Memory: 1M entries of 100-byte Buffer values',
    '',
    '| case | V8 heap growth | off-heap (ArrayBuffers + native) |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.name} | ${mb(r.heap)} | ${mb(r.offHeap)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const bytes = { unit: 'bytes', lowerIsBetter: true };
  recordColumns('local', 'memory', rows, { heap: bytes, offHeap: bytes, total: bytes }, { title: 'Memory: 1M entries of 100-byte values', peer: 'lru-cache' });
}

/** In a child: mark-compact GCs during 2M cache-aside requests (after warm-up) on one candidate. */
async function gcCase(name) {
  const [{ fn }] = asideCase(name, 0);
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < 2_000_000; i++) fn();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  process.stdout.write(`${JSON.stringify({ name, hz: majors, rme: 0, samples: 1 })}\n`);
}

async function gcCounts() {
  const rows = runIsolated(__filename, (name) => ['--case', 'gc', name], ['OffHeapCache (native)', 'native', 'lru-cache'], 1).map((r) => ({ name: r.name, value: r.hz }));
  const lines = [
    '\n### Mark-compact GCs during 2M cache-aside requests (same trace; fewer is better)',
    '',
    '| case | mark-compact GCs |',
    '| --- | ---: |',
    ...rows.map((r) => `| ${r.name} | ${r.value} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  record('local', 'gc', rows, { title: 'Mark-compact GCs during 2M cache-aside requests', peer: 'lru-cache', unit: 'GCs', lowerIsBetter: true });
}

async function main() {
  const caseIndex = process.argv.indexOf('--case');
  if (caseIndex > 0) {
    const [section, name] = process.argv.slice(caseIndex + 1);
    if (section === 'gc') return gcCase(name);
    const build = {
      hit: hitCase,
      many: manyCase,
      aside: (n) => asideCase(n, 0),
      work: (n) => asideCase(n, 15),
    }[section];
    const [spec] = build(name);
    await printCaseResult(spec);
    return;
  }
  process.stdout.write(`\nMachine: ${machine()}\n`);
  const only = process.argv.slice(2);
  const want = (name, table) => (only.length === 0 || only.includes(name)) && wants('local', table);
  if (want('crossing', 'crossing')) await crossingCosts();
  if (want('hit', 'hit-path')) await hitPath();
  if (want('many', 'get-many')) await getMany();
  if (want('aside', 'cache-aside')) await cacheAside();
  if (want('work', 'cache-aside-work')) await cacheAsideWithWork();
  if (want('ratio', 'hit-ratio')) hitRatios();
  if (want('memory', 'memory')) memory();
  if (want('gc', 'gc')) await gcCounts();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
