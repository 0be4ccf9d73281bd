import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { requireNativeBinding } from '../ts/native/index.js';
import { waitFor } from './helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// The raw fast paths take a handle and typed data from JavaScript: every
// misuse must come back as a coded error, never a crash or another
// accumulator's state.
const binding = requireNativeBinding();
const fast = binding.batchFastPaths();
const make = () => new binding.NativeBatchAccumulator(4, Infinity, Infinity, Infinity, Infinity, true, false);

test('a stale or forged handle is an ERR_INVALID_STATE error, not another accumulator', (t) => {
  const acc = make();
  t.is(fast.startNext(acc.handle), -1);
  for (const handle of [acc.handle + 1, acc.handle + 2 ** 24, -1, 0.5, Number.NaN, 2 ** 60]) {
    t.throws(() => fast.startNext(handle), { code: 'ERR_INVALID_STATE', message: /handle is not live/ }, String(handle));
  }
});

test('wrong argument types are ERR_INVALID_ARG_VALUE errors naming the argument', (t) => {
  const acc = make();
  const stage = new Float64Array(3);
  t.throws(() => fast.ingest(acc.handle, 5 as unknown as string, stage, 1), { code: 'ERR_INVALID_ARG_VALUE', message: /text must be a string/ });
  t.throws(() => fast.ingest(acc.handle, '', new Int32Array(3) as unknown as Float64Array, 1), { code: 'ERR_INVALID_ARG_VALUE', message: /stage must be a Float64Array/ });
  t.throws(() => fast.ingest(acc.handle, '', stage, 2), { code: 'ERR_INVALID_ARG_VALUE', message: 'stage holds 3 values, too few for 2 loads' });
  t.throws(() => fast.ingest(acc.handle, '', stage.subarray(0, 2), 1), { code: 'ERR_INVALID_ARG_VALUE', message: 'stage holds 2 values, too few for 1 load' });
  t.throws(() => fast.ingest(acc.handle, '', stage, -1), { code: 'ERR_INVALID_ARG_VALUE', message: /count must be a non-negative integer/ });
  t.throws(() => fast.ingest('h' as unknown as number, '', stage, 0), { code: 'ERR_INVALID_ARG_VALUE', message: /handle must be a number/ });
  t.throws(() => fast.seal(acc.handle, 9), { code: 'ERR_INVALID_ARG_VALUE', message: /reason must be between 0 and 6/ });
  t.throws(() => fast.complete(acc.handle), { code: 'ERR_INVALID_STATE', message: /no batch in flight/ });
  t.throws(() => acc.release(0, 0), { code: 'ERR_INVALID_STATE' });
  t.throws(() => new binding.NativeBatchAccumulator(0, Infinity, Infinity, Infinity, Infinity, true, false), { code: 'ERR_INVALID_ARG_VALUE', message: /options\.maxBatchSize/ });
  t.throws(() => new binding.NativeBatchAccumulator(1, -1, Infinity, Infinity, Infinity, true, false), { code: 'ERR_INVALID_ARG_VALUE', message: /options\.maxBatchBytes/ });
});

test('ingest decodes a joined text and writes decisions in place', (t) => {
  const acc = make();
  const stage = new Float64Array([2, 0, 1, -1, 7, 1, 2, 0, 1]);
  fast.ingest(acc.handle, 'abab', stage, 3);
  t.deepEqual([stage[0], stage[3], stage[6]], [1, (1 << 3) | 1, 0]);
  t.deepEqual(acc.stats().slice(0, 2), [3, 1]);
});

test('a collected accumulator frees its registry slot: the registry is bounded by the most alive at once', async (t) => {
  const indexOf = (handle: number) => handle % 2 ** 24;
  let alive = Array.from({ length: 2000 }, make);
  const oldHandles = new Set(alive.map((a) => a.handle));
  const peak = Math.max(...alive.map((a) => indexOf(a.handle)));
  const before = binding.batchAccumulatorCount();
  t.true(before >= 2000);
  alive = [];
  // When finalizers run after a collection is up to V8 and Node: wait for the state, not for a time.
  await waitFor('the 2000 dropped accumulators to be finalized', () => {
    gc();
    return binding.batchAccumulatorCount() <= before - 2000;
  });
  // As many again while the freed slots are there: every one reuses a slot, none grows the registry.
  alive = Array.from({ length: 2000 }, make);
  const indexes = alive.map((a) => indexOf(a.handle));
  t.true(Math.max(...indexes) <= peak, `index ${Math.max(...indexes)} past the peak ${peak}`);
  t.is(new Set(indexes).size, 2000);
  t.false(alive.some((a) => oldHandles.has(a.handle)), 'a reused slot gets a new generation: old handles stay stale');
  t.true(binding.batchAccumulatorCount() <= before, 'live accumulators are counted, dropped ones are not');
});
