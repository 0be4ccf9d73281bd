import test from 'ava';
import { BatchProcessor, ManualClock } from '../ts/index.js';
import { afterIo, deferred, track } from './batch-helpers.js';

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
  const clock = new ManualClock();
  const bp = new BatchProcessor<string, string>({ execute: () => new Promise<string[]>(() => {}), clock });
  const p = bp.load('a');
  const outcome = track([p]);
  await afterIo();
  let closed = false;
  const closing = bp.close({ timeoutMs: 20 }).then(() => (closed = true));
  await clock.advance(19);
  t.false(closed, 'still waiting for execute before the deadline');
  t.is(outcome.settled(), 0);
  await clock.advance(1);
  await closing;
  await t.throwsAsync(p, { code: 'ERR_TIMEOUT', message: 'close() stopped waiting for execute after 20 ms' });
  t.is(clock.pendingTimers, 0);
});

for (const [label, options] of [
  ['close()', undefined],
  ['close({ flush: false })', { flush: false }],
  ['close({ timeoutMs: 0 })', { timeoutMs: 0 }],
] as const) {
  test(`an idle ${label} settles at once and arms no timer`, async (t) => {
    const clock = new ManualClock();
    const bp = new BatchProcessor<string, string>({ execute: (keys) => keys, clock });
    const closing = bp.close(options);
    t.is(clock.pendingTimers, 0, 'no give-up timer for an idle processor');
    await closing;
    t.true(bp.stats().closed);
  });
}

test('close() after every batch settled arms no timer either', async (t) => {
  const clock = new ManualClock();
  const bp = new BatchProcessor<string, string>({ execute: (keys) => keys, maxWaitMs: 5, clock });
  const p = bp.load('a');
  await clock.advance(5);
  t.is(await p, 'a');
  const closing = bp.close();
  t.is(clock.pendingTimers, 0);
  await closing;
});

test('close() validates its options by name', (t) => {
  const bp = new BatchProcessor<string, string>({ execute: (keys) => keys });
  t.throws(() => bp.close({ flush: 'yes' as unknown as boolean }), { instanceOf: TypeError, message: /options\.flush must be a boolean/ });
  t.throws(() => bp.close({ timeoutMs: -1 }), { instanceOf: RangeError, message: /options\.timeoutMs must be between 0/ });
});
