import test from 'ava';
import { BatchProcessor } from '../ts/index.js';

const execute = (keys: string[]) => keys;
type Options = ConstructorParameters<typeof BatchProcessor<string, string>>[0];

const make = (extra: Record<string, unknown>) => () => new BatchProcessor<string, string>({ execute, ...extra } as Options);

test('bad sizes, counts and windows are RangeErrors naming the option', (t) => {
  for (const [option, value] of [
    ['maxBatchSize', 0],
    ['maxBatchSize', -1],
    ['maxBatchSize', Number.NaN],
    ['maxBatchSize', 1.5],
    ['maxBatchSize', 2 ** 24 + 1],
    ['maxBatchBytes', 0],
    ['maxBatchBytes', -5],
    ['maxBatchBytes', Number.NaN],
    ['maxQueued', 0],
    ['maxQueued', Number.NaN],
    ['maxQueuedBytes', 0],
    ['maxInFlight', 0],
    ['maxInFlight', -Infinity],
    ['maxWaitMs', -1],
    ['maxWaitMs', Number.NaN],
    ['maxWaitMs', 2 ** 31],
    ['oversize', 'drop'],
  ] as const) {
    t.throws(make({ [option]: value }), { instanceOf: RangeError, message: new RegExp(`options\\.${option} must`) }, `${option}: ${value}`);
  }
});

test('wrong kinds and unknown options are TypeErrors naming the option', (t) => {
  t.throws(() => new BatchProcessor(undefined as unknown as Options), { instanceOf: TypeError, message: /options must be an object/ });
  t.throws(make({ execute: 'fn' }), { instanceOf: TypeError, message: /options\.execute must be a function/ });
  t.throws(make({ maxBatchSize: '10' }), { instanceOf: TypeError, message: /options\.maxBatchSize must be a number/ });
  t.throws(make({ dedupe: 1 }), { instanceOf: TypeError, message: /options\.dedupe must be a boolean/ });
  t.throws(make({ keyOf: 'id' }), { instanceOf: TypeError, message: /options\.keyOf must be a function/ });
  t.throws(make({ sizeOf: 3 }), { instanceOf: TypeError, message: /options\.sizeOf must be a function/ });
  t.throws(make({ clock: 'manual' }), { instanceOf: TypeError, message: /options\.clock must be an object/ });
  t.throws(make({ clock: { now: () => 0 } }), { instanceOf: TypeError, message: /options\.clock\.setTimer must be a function/ });
  t.throws(make({ maxBatchSise: 10 }), { instanceOf: TypeError, message: /options\.maxBatchSise is not a known option/ });
  const bp = new BatchProcessor<string, string>({ execute });
  t.throws(() => bp.load('a', { signal: 'x' as unknown as AbortSignal }), { instanceOf: TypeError, message: /options\.signal must be an AbortSignal/ });
  t.throws(() => bp.load('a', { timeout: 1 } as unknown as { signal?: AbortSignal }), { instanceOf: TypeError, message: /options\.timeout is not a known option/ });
});

test('Infinity disables the caps that accept it, and defaults are applied', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute, maxQueued: Infinity, maxInFlight: Infinity, maxBatchBytes: Infinity, maxQueuedBytes: Infinity });
  t.is(await bp.load('a'), 'a');
  t.throws(make({ maxBatchSize: Infinity }), { instanceOf: RangeError, message: /options\.maxBatchSize/ });
});

test('NaN is refused as a key identity with a RangeError naming the argument; nothing is loaded', async (t) => {
  const calls: unknown[][] = [];
  const bp = new BatchProcessor<number, string>({
    execute: (keys) => {
      calls.push(keys);
      return keys.map(String);
    },
  });
  t.throws(() => bp.load(Number.NaN), { instanceOf: RangeError, message: /^key must not be NaN/ });
  t.throws(() => bp.loadMany([1, Number.NaN]), { instanceOf: RangeError, message: /^keys\[1\] must not be NaN/ });
  const byId = new BatchProcessor<{ id: number }, string>({ execute: (keys) => keys.map((k) => String(k.id)), keyOf: (k) => k.id });
  t.throws(() => byId.load({ id: Number.NaN }), { instanceOf: RangeError, message: /^options\.keyOf returned NaN for key/ });
  t.throws(() => byId.loadMany([{ id: 1 }, { id: Number.NaN }]), { instanceOf: RangeError, message: /^options\.keyOf returned NaN for keys\[1\]/ });
  // Numbers are otherwise identities as Map keys: -0 is 0, Infinity is a key.
  t.deepEqual(await Promise.all([bp.load(-0), bp.load(0), bp.load(Infinity)]), ['0', '0', 'Infinity']);
  t.deepEqual(calls, [[-0, Infinity]]);
  t.is(bp.stats().loads, 3, 'the refused loads never reached the accumulator');
});

test('with dedupe off keys are not identified, so NaN is an ordinary key', async (t) => {
  const bp = new BatchProcessor<number, string>({ execute: (keys) => keys.map(String), dedupe: false });
  t.deepEqual(await Promise.all([bp.load(Number.NaN), bp.load(Number.NaN)]), ['NaN', 'NaN']);
});
