'use strict';
// Codec benchmarks, side by side in one run: zstd (tiercache Codec, levels
// 1/3/9/19, and with a trained dictionary on 1 KiB values) against node:zlib
// gzip and brotli at their defaults, on JSON with many unique ids and numbers.
// Then event-loop delay while compressing 1 MiB payloads inline vs offloaded,
// and the offload crossover (the size from which offloading pays).
const zlib = require('node:zlib');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { runSuite, report, recordColumns, wants, pick, loadTiercache, machine } = require('./lib/harness.js');
const { jsonPayload, jsonValues } = require('./lib/payloads.js');

const { Codec, trainDictionary } = loadTiercache();
const MB = 1e6;
// 1/3/9/19 as the issue asks, plus 4 and 6: candidates for "faster than gzip at an equal or better ratio".
const LEVELS = [1, 3, 4, 6, 9, 19];
// A real JSON document next to the synthetic ones: TypeScript's French diagnostic messages
// (pinned devDependency, so the bytes are stable): text-heavy, unlike the id-heavy records.
const REAL_JSON = require.resolve('typescript/lib/fr/diagnosticMessages.generated.json');
const SIZES = [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024],
  ['real (TypeScript fr diagnostics)', REAL_JSON],
];
// Measure raw compression: no thresholds, no metrics.
const codecOptions = (extra) => ({ minBytes: 0, minSavings: 0, metrics: false, offload: false, ...extra });

async function compression() {
  for (const [label, size] of SIZES) {
    const input = typeof size === 'string' ? require('node:fs').readFileSync(size) : jsonPayload(size, 42);
    const codecs = LEVELS.map((level) => [level, new Codec(codecOptions({ level }))]);
    // The same level on the native addon's zstd, the Codec's fallback when zstd-napi cannot load.
    codecs.addon = new Codec(codecOptions({ level: 3, zstd: 'native' }));
    if (wants('codec', `compress-speed-${label}`, `compress-ratio-${label}`)) await compressionSpeed(label, input, codecs);
    if (wants('codec', `decompress-speed-${label}`)) await decompressionSpeed(label, input, codecs);
  }
}

async function compressionSpeed(label, input, codecs) {
  const gzip = 'gzip (zlib default, level 6)';
  const cases = pick(
    'codec',
    [
      { name: gzip, fn: () => zlib.gzipSync(input) },
      { name: 'brotli (zlib default, quality 11)', fn: () => zlib.brotliCompressSync(input) },
      ...codecs.map(([level, codec]) => ({ name: `zstd ${level}`, fn: () => codec.encode(input) })),
      { name: 'zstd 3 on the addon', fn: () => codecs.addon.encode(input) },
    ],
    (c) => c.name,
  );
  const results = await runSuite(`compress ${label}`, cases, { minSamples: 5 });
  const speed = results.map((r) => ({ name: r.name, value: (r.hz * input.length) / MB, rme: r.rme }));
  const ratio = cases.map((c) => ({ name: c.name, value: input.length / c.fn().length }));
  report('codec', `compress-speed-${label}`, speed, { title: `Compression speed, JSON ${label} (${input.length} B)`, peer: gzip, unit: 'MB/s' });
  report('codec', `compress-ratio-${label}`, ratio, { title: `Compression ratio, JSON ${label}`, peer: gzip, unit: 'ratio (x)' });
}

async function decompressionSpeed(label, input, codecs) {
  // Each decoder's input is compressed only when the case runs (brotli at quality 11 takes seconds on 1 MiB).
  const decoder = (encode, decode) => () => {
    const encoded = encode(input);
    return () => decode(encoded);
  };
  const dcases = pick(
    'codec',
    [
      ['gunzip', decoder(zlib.gzipSync, zlib.gunzipSync)],
      ['brotli decompress', decoder(zlib.brotliCompressSync, zlib.brotliDecompressSync)],
      ...codecs
        .filter(([level]) => [1, 3, 19].includes(level))
        .map(([level, codec]) => [`zstd ${level} decode`, decoder((x) => codec.encode(x), (x) => codec.decode(x))]),
      ['zstd 3 decode on the addon', decoder((x) => codecs.addon.encode(x), (x) => codecs.addon.decode(x))],
    ],
    ([name]) => name,
  ).map(([name, make]) => ({ name, fn: make() }));
  const dresults = await runSuite(`decompress ${label}`, dcases, { minSamples: 10 });
  const dspeed = dresults.map((r) => ({ name: r.name, value: (r.hz * input.length) / MB, rme: r.rme }));
  report('codec', `decompress-speed-${label}`, dspeed, { title: `Decompression speed, JSON ${label} (MB/s of output)`, peer: 'gunzip', unit: 'MB/s' });
}

async function dictionary() {
  const training = jsonValues(4000, 1024, 7);
  const values = jsonValues(2000, 1024, 8); // not seen in training
  const total = values.reduce((s, v) => s + v.length, 0);
  const rows = [];
  const cases = [];
  const add = (name, encodeOne) => {
    const size = values.reduce((s, v) => s + encodeOne(v).length, 0);
    rows.push({ name, value: total / size });
    let i = 0;
    cases.push({ name, fn: () => encodeOne(values[i++ % values.length]) });
  };
  add('gzip (default)', (v) => zlib.gzipSync(v));
  const plain = new Codec(codecOptions({ level: 3 }));
  add('zstd 3', (v) => plain.encode(v));
  for (const kib of [16, 32, 64, 110]) {
    const t0 = performance.now();
    const dict = trainDictionary(training, { maxBytes: kib * 1024 });
    const trainMs = performance.now() - t0;
    process.stderr.write(`  trained ${kib} KiB dictionary (${dict.length} B) from ${training.length} samples in ${trainMs.toFixed(0)} ms\n`);
    const codec = new Codec(codecOptions({ level: 3, dictionary: dict }));
    add(`zstd 3 + trained dictionary ${kib} KiB`, (v) => codec.encode(v));
  }
  const raw = Buffer.concat(training.slice(0, 64));
  const rawCodec = new Codec(codecOptions({ level: 3, dictionary: raw }));
  add(`zstd 3 + raw-content dictionary (${(raw.length / 1024).toFixed(0)} KiB of samples)`, (v) => rawCodec.encode(v));
  report('codec', 'dictionary-ratio', rows, { title: 'Compression ratio, 2000 unseen 1 KiB JSON values', peer: 'zstd 3', unit: 'ratio (x)' });
  const results = await runSuite('dictionary speed', cases, { minSamples: 10 });
  const speed = results.map((r) => ({ name: r.name, value: (r.hz * (total / values.length)) / MB, rme: r.rme }));
  report('codec', 'dictionary-speed', speed, { title: 'Compression speed, 1 KiB JSON values', peer: 'zstd 3', unit: 'MB/s' });

  // Small values: where the dictionary lets minBytes go below 1 KiB.
  const smallRows = [];
  for (const bytes of [128, 256, 512]) {
    const small = jsonValues(1000, bytes, 9).map((v) => v.subarray(0, bytes));
    const t = small.reduce((s, v) => s + v.length, 0);
    const dict = trainDictionary(jsonValues(4000, bytes, 10).map((v) => v.subarray(0, bytes)), { maxBytes: 16 * 1024 });
    const withDict = new Codec(codecOptions({ dictionary: dict }));
    smallRows.push({ name: `${bytes} B zstd 3`, value: t / small.reduce((s, v) => s + plain.encode(v).length, 0) });
    smallRows.push({ name: `${bytes} B zstd 3 + dictionary`, value: t / small.reduce((s, v) => s + withDict.encode(v).length, 0) });
  }
  report('codec', 'small-values-ratio', smallRows, {
    title: 'Compression ratio of small JSON values (incl. 2-6 byte header)',
    peer: '128 B zstd 3',
    unit: 'ratio (x)',
  });
}

/** Runs `request` 40 times, 4 at a time, under an event-loop delay histogram: { p99, max, wallMs } in ms. */
async function underLoad(request) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < 40) {
      next++;
      await request();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const wallMs = performance.now() - t0;
  histogram.disable();
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, wallMs };
}

async function eventLoopDelay() {
  const input = jsonPayload(1024 * 1024, 5);
  // The same request loop without compression: what the machine alone adds (other processes, GC).
  const rows = [{ name: 'baseline (no compression, 5 ms waits)', ...(await underLoad(() => new Promise((resolve) => setTimeout(resolve, 5)))) }];
  for (const [name, offload] of [
    ['inline (encode on the event loop)', false],
    ['offloaded (encodeAsync, piscina)', { minBytes: 64 * 1024, threads: 1 }],
  ]) {
    const codec = new Codec({ metrics: false, offload });
    await codec.encodeAsync(input); // warm up (starts the worker)
    // A server-like load: 40 requests, each compressing a 1 MiB body, 4 in flight at a time.
    rows.push({ name, ...(await underLoad(() => codec.encodeAsync(input))) });
    await codec.close();
  }
  const title = 'Event-loop delay while compressing 1 MiB JSON (zstd 3), 40 requests, 4 in flight';
  const lines = [`\n### ${title}`, '', '| case | p99 ms | max ms | wall ms |', '| --- | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.wallMs.toFixed(0)} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const ms = { unit: 'ms', lowerIsBetter: true };
  recordColumns('codec', 'event-loop-delay', rows, { p99: ms, max: ms, wallMs: ms }, { title, peer: 'inline (encode on the event loop)' });
}

async function crossover() {
  const rows = [];
  const inline = new Codec({ metrics: false, offload: false });
  const offloaded = new Codec({ metrics: false, offload: { minBytes: 0, threads: 1 } });
  await offloaded.encodeAsync(jsonPayload(4096, 1));
  let chosen = null;
  for (const size of [4, 16, 32, 64, 128, 256, 512, 1024].map((k) => k * 1024)) {
    const input = jsonPayload(size, 3).subarray(0, size);
    const n = Math.max(20, Math.round((8 * 1024 * 1024) / size));
    let t = performance.now();
    for (let i = 0; i < n; i++) inline.encode(input);
    const inlineUs = ((performance.now() - t) / n) * 1000;
    // Sequential round trips: latency of one offloaded call, and the loop time it costs (submit + completion).
    let submitUs = 0;
    t = performance.now();
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      const p = offloaded.encodeAsync(input);
      submitUs += performance.now() - s;
      await p;
    }
    const roundTripUs = ((performance.now() - t) / n) * 1000;
    submitUs = (submitUs / n) * 1000;
    const overheadUs = roundTripUs - inlineUs;
    rows.push({ name: `${size / 1024} KiB: inline encode (blocks the loop)`, value: inlineUs });
    rows.push({ name: `${size / 1024} KiB: offloaded round trip`, value: roundTripUs });
    rows.push({ name: `${size / 1024} KiB: offload overhead (round trip - inline)`, value: overheadUs });
    rows.push({ name: `${size / 1024} KiB: loop time per offloaded call (copy + post)`, value: submitUs });
    if (chosen === null && inlineUs >= overheadUs) chosen = size;
  }
  await offloaded.close();
  // The rows are several timings per size, not competitors: recorded, not compared (no peer).
  report('codec', 'offload-crossover', rows, { title: 'Offload crossover (zstd 3, JSON; µs per call)', peer: null, unit: 'µs', lowerIsBetter: true });
  process.stdout.write(`\nCrossover (inline time >= offload overhead) on this machine: ${chosen === null ? 'not reached' : `${chosen / 1024} KiB`}\n`);
}

async function main() {
  process.stdout.write(`\nMachine: ${machine()}\n`);
  const only = process.env.CODEC_BENCH;
  const want = (section, ...tables) => (!only || only.includes(section)) && wants('codec', ...tables);
  if (want('compress', ...SIZES.flatMap(([label]) => [`compress-speed-${label}`, `compress-ratio-${label}`, `decompress-speed-${label}`]))) await compression();
  if (want('dictionary', 'dictionary-ratio', 'dictionary-speed', 'small-values-ratio')) await dictionary();
  if (want('loop', 'event-loop-delay')) await eventLoopDelay();
  if (want('crossover', 'offload-crossover')) await crossover();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
