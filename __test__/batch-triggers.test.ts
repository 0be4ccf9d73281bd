import test from 'ava';
import { BatchProcessor, ManualClock } from '../ts/index.js';
import { afterIo, recorder } from './batch-helpers.js';

const upper = (keys: string[]) => keys.map((k) => k.toUpperCase());

test('the process-wide implementation is the one TIERCACHE_IMPL asks for', (t) => {
  const bp = new BatchProcessor<string, string>({ execute: upper });
  const forced = process.env.TIERCACHE_IMPL;
  if (forced === 'js' || forced === 'native') t.is(bp.implementation, forced);
  t.is(bp.implementation, BatchProcessor.implementation);
  t.true(['native', 'js'].includes(bp.stats().implementation));
});

test('loads of one tick, including those in .then callbacks of that tick, form one batch; a load after I/O starts the next', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute });
  const first = bp.load('a');
  const chained = Promise.resolve()
    .then(() => bp.load('b'))
    .then(() => undefined);
  const second = bp.load('c');
  const nested = Promise.resolve().then(() => Promise.resolve().then(() => bp.load('d')));
  t.deepEqual(await Promise.all([first, second, nested]), ['A', 'C', 'D']);
  await chained;
  t.deepEqual(batches, [['a', 'c', 'b', 'd']]);
  await afterIo();
  t.is(await bp.load('e'), 'E');
  t.deepEqual(batches, [['a', 'c', 'b', 'd'], ['e']]);
  t.is(bp.stats().flushes.tick, 2);
});

test('maxBatchSize counts unique keys: duplicates ride along without filling the batch', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxBatchSize: 3 });
  const keys = ['a', 'a', 'b', 'c', 'd', 'd', 'e', 'f', 'g'];
  const results = await Promise.all(keys.map((k) => bp.load(k)));
  t.deepEqual(results, keys.map((k) => k.toUpperCase()));
  t.deepEqual(batches, [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  const s = bp.stats();
  t.is(s.flushes.size, 2);
  t.is(s.flushes.tick, 1);
  t.is(s.batches, 3);
  t.is(s.deduped, 2);
  t.is(s.maxBatchSize, 3);
});

test('maxBatchSize 3 with seven loads sends batches of 3, 3 and 1, in order', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxBatchSize: 3 });
  await Promise.all(['1', '2', '3', '4', '5', '6', '7'].map((k) => bp.load(k)));
  t.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
  t.deepEqual(batches.flat(), ['1', '2', '3', '4', '5', '6', '7']);
});

test('maxBatchBytes 1000 with items of 400 bytes sends two batches', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxBatchBytes: 1000, sizeOf: () => 400 });
  await Promise.all(['a', 'b', 'c', 'd'].map((k) => bp.load(k)));
  t.deepEqual(batches, [['a', 'b'], ['c', 'd']]);
  t.is(bp.stats().flushes.bytes, 1);
});

test('the default sizeOf counts UTF-8 bytes of string keys', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxBatchBytes: 4 });
  await Promise.all(['é', 'é2', 'x'].map((k) => bp.load(k))); // 2 + 3 bytes overflow 4
  t.deepEqual(batches, [['é'], ['é2', 'x']]);
});

test('an item larger than maxBatchBytes goes alone by default', async (t) => {
  const { batches, execute } = recorder(upper);
  const sizes: Record<string, number> = { a: 400, big: 5000, b: 400 };
  const bp = new BatchProcessor<string, string>({ execute, maxBatchBytes: 1000, sizeOf: (k) => sizes[k] });
  t.deepEqual(await Promise.all(['a', 'big', 'b'].map((k) => bp.load(k))), ['A', 'BIG', 'B']);
  t.deepEqual(batches, [['a'], ['big'], ['b']]);
  t.is(bp.stats().flushes.oversize, 1);
});

test("an item larger than maxBatchBytes is rejected with oversize: 'reject'", async (t) => {
  const { batches, execute } = recorder(upper);
  const sizes: Record<string, number> = { a: 400, big: 5000, b: 400 };
  const bp = new BatchProcessor<string, string>({ execute, maxBatchBytes: 1000, oversize: 'reject', sizeOf: (k) => sizes[k] });
  const big = bp.load('big');
  const others = Promise.all([bp.load('a'), bp.load('b')]);
  await t.throwsAsync(big, { code: 'ERR_BATCH_ITEM_TOO_LARGE' });
  t.deepEqual(await others, ['A', 'B']);
  t.deepEqual(batches, [['a', 'b']]);
  t.is(bp.stats().rejected.tooLarge, 1);
});

test('maxWaitMs 10 under a steady stream of one load per ms flushes on a fixed window, never starved', async (t) => {
  const clock = new ManualClock();
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxWaitMs: 10, clock });
  const loads: Promise<string>[] = [];
  for (let i = 0; i < 120; i++) {
    loads.push(bp.load(`k${i}`));
    await clock.advance(1);
  }
  await clock.advance(10);
  t.deepEqual(await Promise.all(loads), Array.from({ length: 120 }, (_, i) => `K${i}`));
  // A debounce would send one batch at the end; a window fixed at the first
  // load of each batch sends one every 10 ms while the stream goes on.
  t.deepEqual(
    batches.map((b) => b.length),
    Array.from({ length: 12 }, () => 10),
  );
  t.deepEqual(batches.flat(), Array.from({ length: 120 }, (_, i) => `k${i}`));
  t.is(bp.stats().flushes.time, 12);
  await bp.close();
  t.is(clock.pendingTimers, 0, 'close() left no timer');
});

test('the window of a batch opened while another was sealed early waits out its own maxWaitMs', async (t) => {
  const clock = new ManualClock();
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxWaitMs: 10, maxBatchSize: 2, clock });
  const first = [bp.load('a'), bp.load('b')]; // full at once: sealed by size, its timer stays armed
  await clock.advance(4);
  const late = bp.load('c'); // opens the next batch at t=4
  await clock.advance(6); // t=10: the first batch's timer fires, re-armed for c's window
  t.deepEqual(batches, [['a', 'b']]);
  await clock.advance(3);
  t.deepEqual(batches, [['a', 'b']], 'c is still within its own window');
  await clock.advance(1); // t=14
  t.deepEqual(batches, [['a', 'b'], ['c']]);
  t.deepEqual(await Promise.all([...first, late]), ['A', 'B', 'C']);
  t.is(bp.stats().flushes.time, 1);
  await bp.close();
});

test('a window batch is still sent when it fills up first', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxWaitMs: 60_000, maxBatchSize: 2 });
  t.deepEqual(await Promise.all([bp.load('a'), bp.load('b')]), ['A', 'B']);
  const pending = bp.load('c');
  await afterIo();
  t.deepEqual(batches, [['a', 'b']], 'c waits for its window');
  await bp.flush();
  t.is(await pending, 'C');
  const s = bp.stats();
  t.is(s.flushes.size, 1);
  t.is(s.flushes.manual, 1);
  await bp.close();
});

test('flush() sends the open batch and resolves once it settled', async (t) => {
  const { batches, execute } = recorder(upper);
  const bp = new BatchProcessor<string, string>({ execute, maxWaitMs: 60_000 });
  const p = bp.load('x');
  await bp.flush();
  t.deepEqual(batches, [['x']]);
  t.is(await p, 'X');
  await bp.flush();
  await bp.close();
});
