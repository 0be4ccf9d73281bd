import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BatchProcessor } from '../ts/index.js';
import { deferred, track } from './batch-helpers.js';

test('close() executes open batches and leaves zero pending promises; later loads reject with ERR_CLOSED', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async (keys) => keys.map((k) => k.toUpperCase()), maxWaitMs: 60_000, maxBatchSize: 2 });
  const promises: Promise<unknown>[] = ['a', 'b', 'c', 'd', 'e'].map((k) => bp.load(k));
  promises.push(bp.loadMany(['f', 'a']));
  const tracked = track(promises);
  await bp.close();
  await new Promise((r) => setImmediate(r));
  t.is(tracked.settled(), promises.length);
  t.true(tracked.outcomes.every((o) => o?.ok === true));
  await t.throwsAsync(bp.load('z'), { code: 'ERR_CLOSED' });
  const many = await bp.loadMany(['z']);
  t.is((many[0] as { code?: string }).code, 'ERR_CLOSED');
  const s = bp.stats();
  t.true(s.closed);
  t.is(s.rejected.closed, 2);
  t.true(s.flushes.close >= 1);
  await bp.close();
});

test('close({ flush: false }) rejects queued callers with ERR_CLOSED and waits for running ones', async (t) => {
  const gate = deferred<string[]>();
  let calls = 0;
  const bp = new BatchProcessor<string, string>({
    execute: () => {
      calls++;
      return gate.promise;
    },
    maxBatchSize: 1,
    maxInFlight: 1,
  });
  const running = bp.load('a');
  const queued = bp.load('b');
  await new Promise((r) => setImmediate(r));
  const closing = bp.close({ flush: false });
  await t.throwsAsync(queued, { code: 'ERR_CLOSED' });
  gate.resolve(['A']);
  await closing;
  t.is(await running, 'A');
  t.is(calls, 1);
});

test('close() gives up on an execute that never settles after timeoutMs, rejecting with ERR_TIMEOUT', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: () => new Promise<string[]>(() => {}) });
  const p = bp.load('a');
  await new Promise((r) => setImmediate(r));
  await bp.close({ timeoutMs: 20 });
  await t.throwsAsync(p, { code: 'ERR_TIMEOUT' });
});

test('close() validates its options by name', (t) => {
  const bp = new BatchProcessor<string, string>({ execute: (keys) => keys });
  t.throws(() => bp.close({ flush: 'yes' as unknown as boolean }), { instanceOf: TypeError, message: /options\.flush must be a boolean/ });
  t.throws(() => bp.close({ timeoutMs: -1 }), { instanceOf: RangeError, message: /options\.timeoutMs must be between 0/ });
});

test('a process with open batches and a window timer exits on its own after close()', (t) => {
  const script = `
    const { BatchProcessor } = require(${JSON.stringify(path.join(__dirname, '../ts/index.ts'))});
    const bp = new BatchProcessor({ execute: async (keys) => keys.map((k) => k + '!'), maxWaitMs: 3600000, maxBatchSize: 1000 });
    let settled = 0;
    const loads = [];
    for (let i = 0; i < 50; i++) loads.push(bp.load('k' + (i % 20)).then(() => settled++));
    loads.push(bp.loadMany(['x', 'y']).then(() => settled++));
    bp.close().then(() => setImmediate(() => console.log('settled', settled, bp.stats().queued)));
  `;
  const r = spawnSync(process.execPath, ['--import=tsx', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env } });
  t.is(r.error, undefined, 'the child exited by itself before the deadline');
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), 'settled 51 0');
});
