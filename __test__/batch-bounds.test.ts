import test from 'ava';
import { BatchProcessor, ManualClock, TierCacheError } from '../ts/index.js';
import { afterIo, deferred } from './batch-helpers.js';

test('backpressure: a producer ten times faster than a slow executor never exceeds the queued caps', async (t) => {
  const maxQueued = 50;
  const maxQueuedBytes = 400;
  const clock = new ManualClock();
  let running = 0;
  let maxRunning = 0;
  const bp = new BatchProcessor<string, string>({
    execute: (keys) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<string[]>((resolve) =>
        clock.setTimer(
          () => {
            running--;
            resolve(keys);
          },
          10,
          true,
        ),
      );
    },
    clock,
    maxBatchSize: 10,
    maxWaitMs: 1,
    maxInFlight: 2,
    maxQueued,
    maxQueuedBytes,
    sizeOf: () => 10,
  });
  let maxSeenQueued = 0;
  let maxSeenBytes = 0;
  let accepted = 0;
  let refused = 0;
  const all: Promise<unknown>[] = [];
  // The executor handles 2 batches of 10 per 10 ms; the producer offers 20 loads per ms.
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 20; i++) {
      all.push(
        bp.load(`r${round}-${i}`).then(
          () => accepted++,
          (e: TierCacheError) => {
            if (e.code === 'ERR_BATCH_QUEUE_FULL') refused++;
            else throw e;
          },
        ),
      );
    }
    const s = bp.stats();
    maxSeenQueued = Math.max(maxSeenQueued, s.queued);
    maxSeenBytes = Math.max(maxSeenBytes, s.queuedBytes);
    await clock.advance(1);
  }
  const settled = Promise.all(all);
  while (bp.stats().queued + bp.stats().inFlight > 0) await clock.advance(10);
  await settled;
  t.true(maxSeenQueued <= maxQueued, `queued peaked at ${maxSeenQueued}`);
  t.true(maxSeenBytes <= maxQueuedBytes, `queued bytes peaked at ${maxSeenBytes}`);
  t.true(maxRunning <= 2, `in flight peaked at ${maxRunning}`);
  t.true(refused > 0, 'the caps did refuse work');
  t.true(accepted > 0);
  t.is(accepted + refused, 800);
  t.is(bp.stats().rejected.queueFull, refused);
  await bp.close();
});

test('maxInFlight holds sealed batches until an execute settles; they count as queued', async (t) => {
  const gates = [deferred<string[]>(), deferred<string[]>(), deferred<string[]>()];
  let calls = 0;
  const bp = new BatchProcessor<string, string>({ execute: () => gates[calls++].promise, maxBatchSize: 1, maxInFlight: 2 });
  const loads = [bp.load('a'), bp.load('b'), bp.load('c')];
  await afterIo();
  t.is(calls, 2);
  let s = bp.stats();
  t.is(s.inFlight, 2);
  t.is(s.queued, 1);
  t.is(s.queuedBatches, 1);
  gates[0].resolve(['A']);
  await loads[0];
  await afterIo();
  t.is(calls, 3);
  gates[1].resolve(['B']);
  gates[2].resolve(['C']);
  t.deepEqual(await Promise.all(loads), ['A', 'B', 'C']);
  s = bp.stats();
  t.is(s.inFlight, 0);
  t.is(s.queued, 0);
});

test('maxQueued counts every waiting load, duplicates included, and frees up once a batch starts', async (t) => {
  const gate = deferred<void>();
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => {
      await gate.promise;
      return keys;
    },
    maxQueued: 3,
    maxInFlight: 1,
  });
  const first = [bp.load('a'), bp.load('a'), bp.load('b')];
  await t.throwsAsync(bp.load('a'), { instanceOf: TierCacheError, code: 'ERR_BATCH_QUEUE_FULL' });
  await afterIo();
  t.is(bp.stats().queued, 0, 'the first batch is executing, no longer queued');
  const second = bp.load('c');
  gate.resolve();
  t.deepEqual(await Promise.all(first), ['a', 'a', 'b']);
  t.is(await second, 'c');
});
