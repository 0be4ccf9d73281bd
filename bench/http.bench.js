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
const { fork } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const { machine, printTable, record } = require('./lib/harness.js');

const ALL_PROFILES = [
  ['browser', 'gzip, deflate, br, zstd'],
  ['safari', 'gzip, deflate, br'],
  ['gzip', 'gzip'],
];
const PROFILES = process.env.BENCH_HTTP_PROFILES ? ALL_PROFILES.filter(([n]) => process.env.BENCH_HTTP_PROFILES.split(',').includes(n)) : ALL_PROFILES;
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
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
    const samples = { 'node:http, same bytes': [], 'httpCache hit': [], 'express + compression': [] };
    const cpu = { 'node:http, same bytes': [], 'httpCache hit': [], 'express + compression': [] };
    const bytes = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, server] of [['node:http, same bytes', bare], ['httpCache hit', cached], ['express + compression', express]]) {
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
      name: `${label} (${Math.round(bytes[label]).toLocaleString('en-US')} B/resp)`,
      value: median(xs),
      rme: ((Math.max(...xs) - Math.min(...xs)) / 2 / median(xs)) * 100,
      label,
    }));
    const base = rows[0].name;
    printTable(`cached hit vs peers, client Accept-Encoding: ${ae} (${name})`, rows, { baseline: base, unit: 'req/s' });
    // Ratios within each round (the servers ran back to back), then their median and range.
    const paired = (a, b) => samples[a].map((x, i) => x / samples[b][i]);
    const vsBare = paired('httpCache hit', 'node:http, same bytes');
    const vsExpress = paired('httpCache hit', 'express + compression');
    const show = (xs) => `${median(xs).toFixed(2)}x (rounds ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    process.stdout.write(`\nhttpCache hit, req/s paired per round: ${show(vsBare)} bare node:http (target >= 0.70), ${show(vsExpress)} express + compression (target >= 3)\n`);
    const us = (label) => median(cpu[label]);
    process.stdout.write(
      `server CPU per response (median): bare ${us('node:http, same bytes').toFixed(1)} µs, httpCache hit ${us('httpCache hit').toFixed(1)} µs, ` +
        `express + compression ${us('express + compression').toFixed(1)} µs -> httpCache hit at ${(us('node:http, same bytes') / us('httpCache hit')).toFixed(2)}x bare ` +
        `and ${(us('express + compression') / us('httpCache hit')).toFixed(2)}x express + compression in responses per CPU-second\n`,
    );
    record('http', `cpu-${name}`, Object.keys(cpu).map((label) => ({ name: label, value: us(label) })));
    record('http', `hit-${name}`, rows.map((r) => ({ name: r.label, value: r.value })));
  }
  for (const c of children) c.kill('SIGTERM');
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
