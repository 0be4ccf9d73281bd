'use strict';
// BatchProcessor (native accumulator, JS twin) vs dataloader, side by side in
// one process: items/s through load() and loadMany() with a no-op execute,
// what each boundary crossing costs, and round trips / latency against a
// fake backend with 1 ms latency. Run: npm run bench -- batch
const path = require('node:path');
const DataLoader = require('dataloader');
const { runIsolated, printCaseResult, report, recordColumns, toRows, wants, pick, settings, loadTiercache, fmt } = require('./lib/harness.js');
const { BareBatcher } = require('./lib/reference-batchers.js');

loadTiercache(); // builds nothing; fails early when dist/ is missing
const { createBatchProcessor } = require(path.join(__dirname, '../dist/batch/internal.js'));
const { requireNativeBinding } = require(path.join(__dirname, '../dist/native/index.js'));

const BATCH = 100;
const KEYS = Array.from({ length: 100_000 }, (_, i) => `user:${i}`);
const noop = (keys) => Promise.resolve(keys);

const peers = {
  'tiercache native': () => createBatchProcessor({ execute: noop, maxBatchSize: BATCH }, 'native'),
  'tiercache js': () => createBatchProcessor({ execute: noop, maxBatchSize: BATCH }, 'js'),
  'tiercache native (dedupe: false)': () => createBatchProcessor({ execute: noop, maxBatchSize: BATCH, dedupe: false }, 'native'),
  // cache: false is dataloader's pure batcher (no dedupe): the fastest it gets.
  'dataloader 2.2.3 (cache: false)': () => new DataLoader(noop, { cache: false, maxBatchSize: BATCH }),
  // The floor (bench/lib/reference-batchers.js): one promise per load and
  // nothing else, then the same with the cheapest plain-JS dedupe.
  'floor: bare batcher': () => new BareBatcher(noop, BATCH),
  'floor: bare batcher + Map dedupe': () => new BareBatcher(noop, BATCH, true),
};
// dataloader with its cache (dedupe) is meant to live for one request: a fresh one per round.
const perRoundDataLoader = 'dataloader 2.2.3 (cache, one per round)';

function loadCase(name, make) {
  const perRound = name === perRoundDataLoader;
  let loader = perRound ? null : make();
  let k = 0;
  return {
    name,
    defer: true,
    fn(deferred) {
      if (perRound) loader = make();
      const ps = new Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        ps[i] = loader.load(KEYS[k]);
        k = k === KEYS.length - 1 ? 0 : k + 1;
      }
      Promise.all(ps).then(() => deferred.resolve());
    },
  };
}

function loadManyCase(name, make) {
  const perRound = name === perRoundDataLoader;
  let loader = perRound ? null : make();
  const slices = Array.from({ length: 1000 }, (_, i) => KEYS.slice(i * BATCH, (i + 1) * BATCH));
  let s = 0;
  return {
    name,
    defer: true,
    fn(deferred) {
      if (perRound) loader = make();
      const keys = slices[s];
      s = s === slices.length - 1 ? 0 : s + 1;
      loader.loadMany(keys).then(() => deferred.resolve());
    },
  };
}

/** Median ns per operation of `fn(n)` over `reps` runs of n operations. */
function nsPer(fn, n, reps = 7) {
  fn(Math.min(n, 10_000));
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn(n);
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[reps >> 1];
}

function crossingCosts() {
  const binding = requireNativeBinding();
  const fast = binding.batchFastPaths();
  const { createAccumulator } = require(path.join(__dirname, '../dist/batch/internal.js'));
  const limits = { maxBatchSize: BATCH, maxBatchBytes: Infinity, maxQueued: Infinity, maxQueuedBytes: Infinity, maxInFlight: Infinity, dedupe: true, rejectOversize: false };
  const owner = new binding.NativeBatchAccumulator(BATCH, Infinity, Infinity, Infinity, Infinity, true, false);
  const h = owner.handle;
  const empty = new Float64Array(3);
  const rows = [
    { name: 'raw fast path: startNext() (nothing ready)', value: nsPer((n) => { for (let i = 0; i < n; i++) fast.startNext(h); }, 1e6) },
    { name: 'raw fast path: seal() (nothing open)', value: nsPer((n) => { for (let i = 0; i < n; i++) fast.seal(h, 4); }, 1e6) },
    { name: 'raw fast path: ingest() of 0 loads', value: nsPer((n) => { for (let i = 0; i < n; i++) fast.ingest(h, '', empty, 0); }, 1e6) },
    { name: 'napi-derive class method: stats()', value: nsPer((n) => { for (let i = 0; i < n; i++) owner.stats(); }, 2e5) },
  ];
  // Per-load cost of the accumulator itself (dedupe of string keys, the
  // decisions, the JS-side key encoding and the crossing), native vs JS, by
  // chunk size: the crossing's fixed cost is paid once per chunk. Batches of
  // 100 seal by size; they are started and completed every 100 loads.
  for (const chunk of [1, 16, 256]) {
    for (const impl of ['native', 'js']) {
      const acc = createAccumulator(limits, impl);
      const stage = new Float64Array(chunk * 3);
      let k = 0;
      let sinceStart = 0;
      const value = nsPer((n) => {
        for (let i = 0; i < n; i += chunk) {
          const from = k;
          k = k + chunk > KEYS.length - chunk ? 0 : k + chunk;
          acc.ingest(KEYS, from, stage, chunk);
          sinceStart += chunk;
          if (sinceStart >= BATCH) {
            sinceStart = 0;
            while (acc.startNext() > 0) acc.complete();
          }
        }
      }, 256_000);
      rows.push({ name: `accumulator ${impl}: per load, chunks of ${chunk}`, value });
    }
  }
  return rows;
}

/** A backend whose every call takes `latencyMs` whatever its size. */
function fakeBackend(latencyMs) {
  const backend = { calls: 0 };
  backend.getMany = (keys) => {
    backend.calls++;
    return new Promise((resolve) => setTimeout(() => resolve(keys.map((k) => `v:${k}`)), latencyMs));
  };
  return backend;
}

async function latencyScenario(name, makeGet, backend) {
  const clients = 50;
  const perClient = 40;
  const latencies = [];
  let k = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const key = `item:${(k = (k * 7 + 13) % 2000)}`;
        const t0 = process.hrtime.bigint();
        await makeGet(key);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { name, requests: latencies.length, roundTrips: backend.calls, p50: pct(0.5), p99: pct(0.99), wallMs };
}

/** Runs a scenario once to warm it up (JIT), then measures it on a fresh backend. */
async function warmScenario(name, setup) {
  for (let pass = 0; ; pass++) {
    const b = fakeBackend(1);
    const { get, done } = setup(b);
    const result = await latencyScenario(name, get, b);
    await done();
    if (pass === 1) return result;
  }
}

async function backendScenarios() {
  const out = [];
  out.push(await warmScenario('unbatched (one call per request)', (b) => ({ get: (key) => b.getMany([key]).then((r) => r[0]), done: async () => {} })));
  for (const [name, options] of [
    ['tiercache native, tick batching', {}],
    ['tiercache native, maxWaitMs 2', { maxWaitMs: 2 }],
    ['tiercache js, tick batching', {}],
  ]) {
    out.push(
      await warmScenario(name, (b) => {
        const bp = createBatchProcessor({ execute: b.getMany, maxBatchSize: 100, ...options }, name.includes(' js') ? 'js' : 'native');
        return { get: (key) => bp.load(key), done: () => bp.close() };
      }),
    );
  }
  out.push(
    await warmScenario('dataloader 2.2.3 (cache: false)', (b) => {
      const dl = new DataLoader(b.getMany, { cache: false, maxBatchSize: 100 });
      return { get: (key) => dl.load(key), done: async () => {} };
    }),
  );
  return out;
}

function caseFor(suite, name) {
  const make = name === perRoundDataLoader ? () => new DataLoader(noop, { maxBatchSize: BATCH }) : peers[name];
  return suite === 'load' ? loadCase(name, make) : loadManyCase(name, make);
}

const ROUNDS = settings.rounds;

async function throughput(suite, title) {
  const names = pick('batch', [...Object.keys(peers), perRoundDataLoader]);
  // Each case in a process of its own (a process uses one implementation), the
  // cases taking turns over ROUNDS rounds; each one's figure is its median.
  const results = runIsolated(__filename, (name) => ['--case', suite, name], names, ROUNDS);
  const rows = toRows(results, BATCH);
  report('batch', suite, rows, { title, peer: 'dataloader 2.2.3 (cache: false)', unit: 'items/s' });
}

async function main() {
  if (wants('batch', 'load')) {
    await throughput('load', `load(): items/s, ${BATCH} loads per round, no-op execute, maxBatchSize ${BATCH} (median of ${ROUNDS} interleaved rounds)`);
  }
  if (wants('batch', 'loadMany')) {
    await throughput('loadMany', `loadMany() of ${BATCH} keys: items/s, no-op execute (median of ${ROUNDS} interleaved rounds)`);
  }
  if (wants('batch', 'crossing')) {
    report('batch', 'crossing', crossingCosts(), {
      title: 'What each crossing costs (ns, median of 7 runs; lower is better)',
      peer: 'raw fast path: startNext() (nothing ready)',
      unit: 'ns',
      lowerIsBetter: true,
    });
  }
  if (wants('batch', 'backend')) await backend();
}

async function backend() {
  const scenarios = await backendScenarios();
  const unbatched = scenarios[0];
  const lines = [
    '\n### Fake backend, 1 ms per call: 50 clients x 40 sequential requests over 2000 keys (after one warm-up pass)',
    '',
    '| case | round trips | saved | p50 ms | p99 ms | wall ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of scenarios) {
    const saved = `${(100 * (1 - s.roundTrips / unbatched.roundTrips)).toFixed(1)}%`;
    lines.push(`| ${s.name} | ${fmt(s.roundTrips)} | ${saved} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.wallMs.toFixed(0)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const ms = { unit: 'ms', lowerIsBetter: true };
  recordColumns('batch', 'backend', scenarios, { roundTrips: { unit: 'round trips', lowerIsBetter: true }, p50: ms, p99: ms, wallMs: ms }, {
    title: 'Fake backend, 1 ms per call: 50 clients x 40 sequential requests over 2000 keys',
    peer: unbatched.name,
  });
}

if (process.argv[2] === '--case') {
  const [, , , suite, name] = process.argv;
  printCaseResult(caseFor(suite, name)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
