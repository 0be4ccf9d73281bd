'use strict';
// One server of bench/http.bench.js, in its own process so the load
// generator never shares its event loop. argv[2]: `cached` (httpCache),
// `bare` (node:http answering with the exact bytes the cache sends, sent to
// it over IPC), or `express` (Express + the compression middleware, which
// compresses every response).
const http = require('node:http');
const { payload } = require('./http-payload.js');

const kind = process.argv[2];
const body = payload(64 * 1024);

function listen(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

if (kind === 'cached') {
  const { httpCache } = require('../../dist/index.js');
  listen(
    httpCache(
      (_req, res) => {
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Cache-Control', 'public, max-age=3600');
        res.end(body);
      },
      { metrics: false },
    ),
  );
} else if (kind === 'bare') {
  let responses = null;
  process.on('message', (m) => {
    if (m.responses === undefined) return;
    // Accept-Encoding -> [status, headers, body]: the cached server's answers, byte for byte.
    responses = new Map(m.responses.map(([ae, headers, b64]) => [ae, [headers, Buffer.from(b64, 'base64')]]));
    process.send({ loaded: true });
  });
  listen((req, res) => {
    const [headers, bytes] = responses.get(req.headers['accept-encoding'] ?? '');
    res.writeHead(200, headers);
    res.end(bytes);
  });
} else if (kind === 'express') {
  const express = require('express');
  const compression = require('compression');
  const app = express();
  app.set('etag', false);
  app.use(compression());
  app.get('/data', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('application/json; charset=utf-8').send(body);
  });
  listen(app);
} else {
  throw new Error(`unknown server kind ${kind}`);
}
// CPU time this process spent, for the bench's CPU-per-request figures (robust to a busy machine).
process.on('message', (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage();
    process.send({ cpuUs: u.user + u.system });
  }
});
process.on('disconnect', () => process.exit(0));
