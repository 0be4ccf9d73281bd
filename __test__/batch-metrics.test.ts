/** BatchProcessor reports batch.* metrics into the registry (both implementations: TIERCACHE_IMPL). */
import test from 'ava';
import { BatchProcessor, ErrorCode } from '../ts/index.js';
import { formatPrometheus, metrics as defaultRegistry, MetricsRegistry } from '../ts/metrics/index.js';
import { afterIo } from './batch-helpers.js';
import { metricValue as value } from './helpers/metrics.js';

test('batch metrics match the batches, items, dedupe, flush reasons and execute outcomes', async (t) => {
  const registry = new MetricsRegistry();
  let calls = 0;
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => {
      calls++;
      if (keys.includes('boom')) throw new Error('backend down');
      if (keys.includes('short')) return [];
      return keys.map((k) => k.toUpperCase());
    },
    maxBatchSize: 3,
    metrics: registry,
    name: 'users',
  });
  // Seven loads, one duplicate: six unique keys -> batches 3 (size) and 3 (size).
  const first = await Promise.all(['a', 'b', 'a', 'c', 'd', 'e', 'f'].map((k) => bp.load(k)));
  t.deepEqual(first, ['A', 'B', 'A', 'C', 'D', 'E', 'F']);
  // One key: sealed at the end of the tick.
  t.is(await bp.load('g'), 'G');
  await t.throwsAsync(bp.load('boom'), { code: ErrorCode.BATCH_EXECUTE_FAILED });
  await t.throwsAsync(bp.load('short'), { code: ErrorCode.BATCH_INVALID_RESULT });
  t.is(calls, 5);

  const base = { 'batch.name': 'users' };
  const snap = registry.snapshot();
  const flushes = (reason: string) => value(snap, 'batch.flushes', { ...base, 'batch.flush.reason': reason });
  t.is(flushes('size'), 2);
  t.is(flushes('tick'), 3);
  t.is(flushes('time'), 0);
  t.is(value(snap, 'batch.items', base), 9);
  t.is(value(snap, 'batch.deduplicated', base), 1);
  t.is(value(snap, 'batch.size', base), 5, 'one size record per executed batch');
  t.is(value(snap, 'batch.execute.duration', base), 3, 'three successful execute calls');
  t.is(value(snap, 'batch.execute.duration', { ...base, 'error.type': ErrorCode.BATCH_EXECUTE_FAILED }), 1);
  t.is(value(snap, 'batch.execute.duration', { ...base, 'error.type': ErrorCode.BATCH_INVALID_RESULT }), 1);
  t.is(value(snap, 'batch.in_flight', base), 0);
  t.is(value(snap, 'batch.queued', base), 0);
  const sizes = snap.metrics.find((m) => m.name === 'batch.size')?.points[0];
  t.is(sizes !== undefined && 'sum' in sizes ? sizes.sum : undefined, 9, 'the size histogram sums to the items sent');

  const text = formatPrometheus(snap);
  t.regex(text, /^batch_size_bucket\{batch_name="users",le="\+Inf"\} 5$/m);
  t.regex(text, /^batch_flushes_total\{batch_flush_reason="size",batch_name="users"\} 2$/m);
  await bp.close();
});

test('batch metrics count refusals by reason and show what is queued and in flight', async (t) => {
  const registry = new MetricsRegistry();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => {
      await gate;
      return keys;
    },
    maxBatchSize: 2,
    maxQueued: 2,
    maxInFlight: 1,
    metrics: registry,
    name: 'q',
  });
  const ac = new AbortController();
  const loads = [bp.load('a'), bp.load('b'), bp.load('c', { signal: ac.signal }), bp.load('d'), bp.load('e')].map((p) => p.catch((e: { code?: string }) => e.code));
  ac.abort();
  await afterIo();
  const base = { 'batch.name': 'q' };
  let snap = registry.snapshot();
  t.is(value(snap, 'batch.in_flight', base), 1);
  t.is(value(snap, 'batch.rejections', { ...base, 'batch.rejection.reason': 'queue_full' }), bp.stats().rejected.queueFull);
  t.true(bp.stats().rejected.queueFull > 0, 'the queue cap refused loads');
  t.is(value(snap, 'batch.rejections', { ...base, 'batch.rejection.reason': 'aborted' }), bp.stats().rejected.aborted);
  t.is(value(snap, 'batch.queued', base), bp.stats().queued);
  // Still registered while close() waits for the running batch.
  const closing = bp.close();
  await t.throwsAsync(bp.load('late'), { code: ErrorCode.CLOSED });
  snap = registry.snapshot();
  t.is(value(snap, 'batch.rejections', { ...base, 'batch.rejection.reason': 'closed' }), 1);
  release();
  await Promise.all(loads);
  await closing;
  t.is(value(registry.snapshot(), 'batch.items', base), undefined, 'close() unregisters');
});

test('processors report into the process-wide registry by default, and not at all with metrics: false', async (t) => {
  const on = new BatchProcessor<string, string>({ execute: async (keys) => keys, name: 'default-registry' });
  const off = new BatchProcessor<string, string>({ execute: async (keys) => keys, name: 'no-metrics', metrics: false });
  await Promise.all([on.load('x'), off.load('x')]);
  const snap = defaultRegistry.snapshot();
  t.is(value(snap, 'batch.items', { 'batch.name': 'default-registry' }), 1);
  t.is(value(snap, 'batch.items', { 'batch.name': 'no-metrics' }), undefined);
  await Promise.all([on.close(), off.close()]);
  t.is(value(defaultRegistry.snapshot(), 'batch.items', { 'batch.name': 'default-registry' }), undefined);
});

test('bad metrics and name options are rejected by name', (t) => {
  const execute = async (keys: string[]) => keys;
  t.throws(() => new BatchProcessor({ execute, metrics: 1 as unknown as boolean }), {
    instanceOf: TypeError,
    message: /^options\.metrics must be a MetricsRegistry or a boolean/,
  });
  t.throws(() => new BatchProcessor({ execute, name: '' }), { instanceOf: TypeError, message: /^options\.name must be a non-empty string/ });
});
