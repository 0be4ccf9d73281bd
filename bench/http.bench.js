'use strict';
// httpCache cached-hit throughput on a 64 KiB JSON response, against
//  - a bare node:http server sending the very same bytes and headers (the limit),
//  - Express with the `compression` middleware, which compresses per request.
// Each server runs in its own process; autocannon drives them from this one,
// in interleaved rounds (median of the rounds), for clients that accept
// zstd (today's browsers), br and gzip but not zstd (Safari), and gzip only.
// Targets (issue 11): cached >= 0.70x bare, >= 3x express + compression.
// Besides req/s, each server reports the CPU time it spent per response: on a
// shared machine whose load swings, throughput ratios are noisy, while CPU per
// response is the work itself (a single-threaded server's ceiling is 1/that).
// Every table is recorded through report() with the bare server as its peer
// (hit-<profile> in req/s, cpu-<profile> in µs per response, lower is
// better), so bench:check can hold the README's ratios. Quick mode
// (--quick, bench:check): 2 s per case per round instead of 4, and only the
// profiles whose tables a claim needs.
// Env: BENCH_HTTP_ROUNDS (3), BENCH_HTTP_SECONDS (4; quick 2),
// BENCH_HTTP_CONNECTIONS (32), BENCH_HTTP_PROFILES (browser,safari,gzip).
const { fork } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const { machine, report, settings, wants } = require('./lib/harness.js');

const ALL_PROFILES = [
  ['browser', 'gzip, deflate, br, zstd'],
  ['safari', 'gzip, deflate, br'],
  ['gzip', 'gzip'],
];
const SUITE = 'http';
const BARE = 'node:http, same bytes';
const HIT = 'httpCache hit';
const EXPRESS = 'express + compression';
// bench:check runs only the profiles its claims need (a profile's tables: hit-<profile>, cpu-<profile>).
const PROFILES = (process.env.BENCH_HTTP_PROFILES ? ALL_PROFILES.filter(([n]) => process.env.BENCH_HTTP_PROFILES.split(',').includes(n)) : ALL_PROFILES).filter(([n]) =>
  wants(SUITE, `hit-${n}`, `cpu-${n}`),
);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? (settings.quick ? 2 : 4));
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32);
const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function start(kind) {
  const child = fork(path.join(__dirname, 'lib', 'http-server.js'), [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  return new Promise((resolve) => child.once('message', (m) => resolve({ child, port: m.port })));
}

function get(port, ae) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/data', headers: { 'accept-encoding': ae }, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

function cpuUs(server) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.cpuUs === undefined) return;
      server.child.off('message', onMessage);
      resolve(m.cpuUs);
    };
    server.child.on('message', onMessage);
    server.child.send('cpu');
  });
}

function run(port, ae) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/data`, connections: CONNECTIONS, duration: SECONDS, headers: { 'accept-encoding': ae } },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  process.stdout.write(`\nMachine: ${machine()}\n64 KiB JSON, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per case (median)\n`);
  const cached = await start('cached');
  const bare = await start('bare');
  const express = await start('express');
  // The bare server gets the cached server's exact answers (warming the cache at the same time).
  const responses = [];
  for (const [, ae] of PROFILES) {
    await get(cached.port, ae);
    const r = await get(cached.port, ae);
    if (!/hit/.test(String(r.headers['cache-status']))) throw new Error(`expected a cached hit, got ${r.headers['cache-status']}`);
    const headers = {};
    for (const name of ['content-type', 'cache-control', 'content-encoding', 'content-length', 'etag', 'vary', 'age', 'cache-status']) {
      if (r.headers[name] !== undefined) headers[name] = r.headers[name];
    }
    responses.push([ae, headers, r.body.toString('base64')]);
  }
  bare.child.send({ responses });
  await new Promise((resolve) => bare.child.once('message', resolve));
  for (const [name, ae] of PROFILES) {
    const samples = { [BARE]: [], [HIT]: [], [EXPRESS]: [] };
    const cpu = { [BARE]: [], [HIT]: [], [EXPRESS]: [] };
    const bytes = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, server] of [[BARE, bare], [HIT, cached], [EXPRESS, express]]) {
        const before = await cpuUs(server);
        const result = await run(server.port, ae);
        const spent = (await cpuUs(server)) - before;
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        samples[label].push(result.requests.average);
        cpu[label].push(spent / result.requests.total);
        bytes[label] = result.throughput.total / result.requests.total;
      }
    }
    // ± is half the range of the rounds, as a share of the median: the noise of this machine during the run.
    const rows = Object.entries(samples).map(([label, xs]) => ({
      name: label,
      value: median(xs),
      rme: ((Math.max(...xs) - Math.min(...xs)) / 2 / median(xs)) * 100,
    }));
    report(SUITE, `hit-${name}`, rows, { title: `cached hit vs peers, client Accept-Encoding: ${ae} (${name}); req/s`, peer: BARE, unit: 'req/s' });
    process.stdout.write(`bytes per response: ${Object.entries(bytes).map(([label, b]) => `${label} ${Math.round(b).toLocaleString('en-US')} B`).join(', ')}\n`);
    // Ratios within each round (the servers ran back to back), then their median and range.
    const paired = (a, b) => samples[a].map((x, i) => x / samples[b][i]);
    const vsBare = paired(HIT, BARE);
    const vsExpress = paired(HIT, EXPRESS);
    const show = (xs) => `${median(xs).toFixed(2)}x (rounds ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    process.stdout.write(`\nhttpCache hit, req/s paired per round: ${show(vsBare)} bare node:http (target >= 0.70), ${show(vsExpress)} express + compression (target >= 3)\n`);
    // CPU per response: the work itself, steadier than req/s on a shared machine (a single-threaded server's ceiling is 1/that).
    report(
      SUITE,
      `cpu-${name}`,
      Object.keys(cpu).map((label) => ({ name: label, value: median(cpu[label]) })),
      { title: `server CPU per response (µs, median of the rounds), client Accept-Encoding: ${ae} (${name})`, peer: BARE, unit: 'µs', lowerIsBetter: true },
    );
  }
  for (const c of children) c.kill('SIGTERM');
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
