#!/usr/bin/env node
'use strict';
// `npm run demo`: what each tiercache layer buys, end to end. See docs/demo.md.
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { Histogram } = require('../../dist/index.js');
const tiercache = require('../../dist/index.js');
const { forkReady, stop, startRedis, onPath } = require('./children.js');
const { table, html } = require('./report.js');
const { workload } = require('./workload.js');

const HELP = `Usage: npm run demo -- [options]

Runs a deliberately slow JSON API (a backend with a few ms per query, queried
through ConnectionPool and BatchProcessor) under load from autocannon, once
per configuration, and prints one row per configuration: requests/s, p50 and
p99 latency, bytes per response, hit ratio, compression ratio, and the
backend calls that batching and coalescing saved.

Configurations: no cache; L1 only (httpCache over an in-process cache); and,
once TierCache is available, L1+L2 with two app instances sharing Redis
(REDIS_URL, or a redis-server the demo starts on a free port when one is on
the PATH).

Options:
  --quick            a few seconds in all (2 s per configuration)
  --duration <s>     seconds of load per configuration (default 20)
  --connections <n>  concurrent connections (default 32; 16 with --quick)
  --json <file>      write the results as JSON
  --html <file>      write a self-contained HTML report with a latency chart
  --help             this text

Every process the demo starts is stopped when it ends, on Ctrl-C too.`;

function parseArgs(argv) {
  const o = { quick: false, duration: null, connections: null, json: null, html: null, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--duration') o.duration = Number(value());
    else if (a === '--connections') o.connections = Number(value());
    else if (a === '--json') o.json = value();
    else if (a === '--html') o.html = value();
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const k of ['duration', 'connections']) {
    if (o[k] !== null && !(Number.isFinite(o[k]) && o[k] > 0)) throw new Error(`--${k} must be a positive number`);
  }
  return o;
}

/** The Host every request carries (the app instances sit behind one public name). */
const HOST = 'shop.example';

function getJson(port, p) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent: false, headers: { host: HOST } }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(data));
          } catch (err) {
            reject(err);
          }
        });
      })
      .on('error', reject);
  });
}

/** One command to the backend over a fresh connection. */
function backend(port, msg) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(JSON.stringify({ ...msg, id: 1 }) + '\n'));
    let data = '';
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\n')) {
        socket.end();
        resolve(JSON.parse(data));
      }
    });
    socket.on('error', reject);
  });
}

function progress(label, elapsed, total, rps) {
  const width = 20;
  const done = Math.min(width, Math.round((elapsed / total) * width));
  const line = `  ${label.padEnd(14)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${String(elapsed).padStart(3)}/${total} s  ${Math.round(rps).toLocaleString('en-US')} req/s`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else process.stderr.write(`${line}\n`);
}

/** Runs autocannon against each port (connections split between them) and records latency finely. */
function load(ports, { duration, connections, label, seed }) {
  const latency = new Histogram();
  const gen = workload(seed);
  const per = Math.max(1, Math.floor(connections / ports.length));
  let elapsed = 0;
  let lastCount = 0;
  let count = 0;
  const runs = ports.map(
    (port) =>
      new Promise((resolve, reject) => {
        const instance = autocannon(
          {
            url: `http://127.0.0.1:${port}`,
            connections: per,
            duration,
            timeout: 10,
            requests: [
              {
                setupRequest: (req) => {
                  const w = gen.next();
                  req.path = w.path;
                  // One public host, as behind a load balancer: every instance keys the same URL alike.
                  req.headers = w.acceptEncoding === null ? { host: HOST } : { host: HOST, 'accept-encoding': w.acceptEncoding };
                  return req;
                },
              },
            ],
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
        instance.on('response', (_client, _status, _bytes, ms) => {
          latency.record(Math.max(1, Math.round(ms * 1000)));
          count++;
        });
      }),
  );
  const ticker = setInterval(() => {
    elapsed++;
    progress(label, Math.min(elapsed, duration), duration, count - lastCount);
    lastCount = count;
  }, 1000);
  return Promise.all(runs).finally(() => {
    clearInterval(ticker);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }).then((results) => ({ results, latency }));
}

/** Per-route hit ratios over every instance. */
function routeRatios(httpStats) {
  const sums = {};
  for (const h of httpStats) {
    for (const [route, r] of Object.entries(h.routes)) {
      const s = (sums[route] ??= { served: 0, total: 0 });
      s.served += r.hits + r.stale;
      s.total += r.hits + r.stale + r.misses + r.collapsed;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([route, s]) => [route, s.total === 0 ? 0 : s.served / s.total]));
}

/** POST through `from`, then poll `to` until it serves the new price: a write through one instance is seen by the other. */
function post(port, p) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent: false, headers: { host: HOST } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

async function checkCoherence([from, to]) {
  const id = 4999;
  const path_ = `/api/products/${id}`;
  await getJson(to, path_);
  const before = await getJson(to, path_); // now cached on the reading instance
  const price = Math.round((before.product.price + 1.11) * 100) / 100;
  const status = await post(from, `${path_}?price=${price}`);
  const written = performance.now();
  const deadline = written + 5000;
  for (;;) {
    const now = await getJson(to, path_);
    const lagMs = performance.now() - written;
    if (now.product.price === price) {
      return { ok: status === 200, lagMs, detail: `price ${before.product.price} -> ${price} written through instance 1, read through instance 2 after ${lagMs.toFixed(1)} ms` };
    }
    if (performance.now() > deadline) return { ok: false, lagMs, detail: `instance 2 still served price ${now.product.price} ${lagMs.toFixed(0)} ms after the write` };
    await new Promise((r) => setTimeout(r, 2));
  }
}

const us = (v) => (Number.isNaN(v) ? null : v / 1000);

async function runConfiguration(config, ctx) {
  await backend(ctx.backendPort, { op: 'reset' });
  const env = { DEMO_MODE: config.mode, DEMO_BACKEND_PORT: String(ctx.backendPort), ...(config.env ?? {}) };
  const apps = [];
  try {
    for (let i = 0; i < config.instances; i++) apps.push(await forkReady(path.join(__dirname, 'app.js'), { ...env, DEMO_INSTANCE: String(i) }));
    const { results, latency } = await load(
      apps.map((a) => a.port),
      { duration: ctx.duration, connections: ctx.connections, label: config.label, seed: 42 },
    );
    const stats = await Promise.all(apps.map((a) => getJson(a.port, '/__stats')));
    const back = await backend(ctx.backendPort, { op: 'stats' });
    const coherence = config.coherence ? await config.coherence(apps.map((a) => a.port)) : null;
    const sum = (f) => stats.reduce((s, x) => s + f(x), 0);
    const requests = results.reduce((s, r) => s + r.requests.total, 0);
    const bytes = results.reduce((s, r) => s + r.throughput.total, 0);
    const httpStats = stats.every((s) => s.http !== null) ? stats.map((s) => s.http) : null;
    const hs = (f) => (httpStats === null ? 0 : httpStats.reduce((s, x) => s + f(x), 0));
    const served = hs((h) => h.hits + h.stale);
    const cacheable = served + hs((h) => h.misses + h.collapsed);
    const itemLoads = sum((s) => s.itemLoads);
    const handlerRuns = sum((s) => s.handlerRuns);
    return {
      name: config.name,
      label: config.label,
      instances: config.instances,
      durationS: ctx.duration,
      requests,
      rps: requests / ctx.duration,
      errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
      non2xx: results.reduce((s, r) => s + r.non2xx, 0),
      latencyMs: { p50: us(latency.quantile(0.5)), p90: us(latency.quantile(0.9)), p99: us(latency.quantile(0.99)), max: us(latency.max) },
      bytesPerResponse: requests === 0 ? 0 : bytes / requests,
      hitRatio: httpStats === null ? null : cacheable === 0 ? 0 : served / cacheable,
      compressionRatio: httpStats === null || hs((h) => h.sentBytes) === 0 ? 1 : hs((h) => h.identityBytes) / hs((h) => h.sentBytes),
      handlerRuns,
      itemLoads,
      backendQueries: back.queries,
      backendRows: back.rows,
      savedByBatching: itemLoads - sum((s) => s.batches),
      savedByCoalescing: hs((h) => h.collapsed),
      cache: httpStats === null ? null : { hits: hs((h) => h.hits), stale: hs((h) => h.stale), misses: hs((h) => h.misses), collapsed: hs((h) => h.collapsed), revalidations: hs((h) => h.revalidations) },
      routes: httpStats === null ? null : routeRatios(httpStats),
      coherence,
    };
  } finally {
    await Promise.all(apps.map((a) => stop(a.child)));
  }
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const duration = options.duration ?? (options.quick ? 2 : 20);
  const connections = options.connections ?? (options.quick ? 16 : 32);
  const notes = [];
  const configs = [
    { name: 'no-cache', label: 'no cache', mode: 'none', instances: 1 },
    { name: 'l1', label: 'L1 only', mode: 'l1', instances: 1 },
  ];
  let redis = null;
  let redisUrl = process.env.REDIS_URL ?? null;
  if (typeof tiercache.createCache !== 'function') {
    notes.push('L1+L2 skipped: this build has no TierCache (createCache).');
  } else if (redisUrl === null && !onPath('redis-server')) {
    notes.push('L1+L2 skipped: set REDIS_URL or put redis-server on the PATH.');
  } else {
    if (redisUrl === null) {
      redis = await startRedis();
      redisUrl = redis.url;
      notes.push(`L1+L2: started redis-server for the run at ${redisUrl} (stopped at the end).`);
    } else {
      notes.push('L1+L2: Redis from REDIS_URL.');
    }
    configs.push({
      name: 'l1-l2',
      label: 'L1+L2 (2 apps)',
      mode: 'l1l2',
      instances: 2,
      env: { DEMO_REDIS_URL: redisUrl, DEMO_NAMESPACE: `demo-${process.pid}-${Date.now()}` },
      coherence: checkCoherence,
    });
  }
  const backendProc = await forkReady(path.join(__dirname, 'backend.js'), {});
  const startedAt = new Date().toISOString();
  process.stderr.write(`tiercache demo: ${configs.length} configurations x ${duration} s, ${connections} connections\n`);
  const results = [];
  let failed = false;
  try {
    for (const config of configs) results.push(await runConfiguration(config, { backendPort: backendProc.port, duration, connections }));
  } catch (err) {
    failed = true;
    process.stderr.write(`demo failed: ${err.stack ?? err}\n`);
  } finally {
    await stop(backendProc.child);
    if (redis !== null) redis.child.kill('SIGTERM');
  }
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const report = {
    version: 1,
    startedAt,
    machine: { cpus: os.cpus().length, cpu, node: process.version, platform: `${process.platform}-${process.arch}` },
    options: { quick: options.quick, durationS: duration, connections },
    configurations: results,
    coherence: results.find((r) => r.coherence !== null)?.coherence ?? null,
    notes,
  };
  if (results.length > 0) process.stdout.write(`\n${table(results)}\n`);
  for (const r of results) {
    if (r.routes === null) continue;
    const parts = Object.entries(r.routes).map(([route, ratio]) => `${route} ${(ratio * 100).toFixed(1)}%`);
    process.stdout.write(`hit ratio per route, ${r.label}: ${parts.join(', ')}\n`);
  }
  if (options.json !== null) fs.writeFileSync(options.json, JSON.stringify(report, null, 2) + '\n');
  if (options.html !== null) fs.writeFileSync(options.html, html(report));
  if (report.coherence !== null) process.stdout.write(`coherence: ${report.coherence.ok ? 'ok' : 'FAILED'}: ${report.coherence.detail}\n`);
  if (failed || results.some((r) => r.requests === 0) || (report.coherence !== null && !report.coherence.ok)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
