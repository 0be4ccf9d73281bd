import test from 'ava';
import { BatchProcessor, TierCacheError } from '../ts/index.js';
import { deferred, recorder, track } from './batch-helpers.js';

test('100 loads of one key occupy one slot and resolve all 100 callers', async (t) => {
  const { batches, execute } = recorder((keys: string[]) => keys.map((k) => `v:${k}`));
  const bp = new BatchProcessor<string, string>({ execute });
  const results = await Promise.all(Array.from({ length: 100 }, () => bp.load('hot')));
  t.is(results.length, 100);
  t.true(results.every((r) => r === 'v:hot'));
  t.deepEqual(batches, [['hot']]);
  const s = bp.stats();
  t.is(s.loads, 100);
  t.is(s.deduped, 99);
  t.is(s.items, 1);
});

test('with dedupe: false identical keys are sent once per load', async (t) => {
  const { batches, execute } = recorder((keys: string[]) => keys.map((k, i) => `${k}${i}`));
  const bp = new BatchProcessor<string, string>({ execute, dedupe: false });
  t.deepEqual(await Promise.all([bp.load('a'), bp.load('a')]), ['a0', 'a1']);
  t.deepEqual(batches, [['a', 'a']]);
});

test('number and string keys are distinct; -0 and 0 are the same key', async (t) => {
  const { batches, execute } = recorder((keys: Array<string | number>) => keys.map((k) => typeof k));
  const bp = new BatchProcessor<string | number, string>({ execute });
  t.deepEqual(await Promise.all([bp.load(1), bp.load('1'), bp.load(0), bp.load(-0)]), ['number', 'string', 'number', 'number']);
  t.deepEqual(batches, [[1, '1', 0]]);
});

test('keyOf deduplicates object keys and matches the keys of a returned Map', async (t) => {
  type Key = { table: string; id: number };
  const { batches, execute } = recorder((keys: Key[]) => new Map(keys.map((k) => [{ ...k }, `${k.table}/${k.id}`] as [Key, string])));
  const bp = new BatchProcessor<Key, string>({ execute, keyOf: (k) => `${k.table}:${k.id}` });
  const results = await Promise.all([bp.load({ table: 'u', id: 1 }), bp.load({ table: 'u', id: 1 }), bp.load({ table: 'u', id: 2 })]);
  t.deepEqual(results, ['u/1', 'u/1', 'u/2']);
  t.is(batches.length, 1);
  t.is(batches[0].length, 2);
});

test('keys that are neither strings nor numbers need keyOf: a TypeError names the argument', (t) => {
  const bp = new BatchProcessor<object, string>({ execute: (keys) => keys.map(() => 'x') });
  t.throws(() => bp.load({}), { instanceOf: TypeError, message: /key must be a string or a number, got an object; set options\.keyOf/ });
  t.throws(() => bp.loadMany(['ok' as unknown as object, {}]), { instanceOf: TypeError, message: /keys\[1\] must be a string or a number/ });
  const bad = new BatchProcessor<string, string>({ execute: (keys) => keys, keyOf: () => ({}) as unknown as string });
  t.throws(() => bad.load('a'), { instanceOf: TypeError, message: /options\.keyOf must return a string or a number/ });
  const badSize = new BatchProcessor<string, string>({ execute: (keys) => keys, sizeOf: () => -1 });
  t.throws(() => badSize.load('a'), { instanceOf: RangeError, message: /options\.sizeOf\(key\) must be between 0 and/ });
  t.throws(() => bp.loadMany('ab' as unknown as object[]), { instanceOf: TypeError, message: /keys must be an array/ });
});

test('partial failure: an Error in one slot of shuffled keyed results rejects only that key', async (t) => {
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => {
      const rows = keys.map((k) => [k, k === 'bad' ? new Error(`no ${k}`) : `row:${k}`] as [string, string | Error]);
      rows.reverse();
      return new Map(rows.filter(([k]) => k !== 'gone'));
    },
  });
  const outcome = track([bp.load('a'), bp.load('bad'), bp.load('b'), bp.load('gone'), bp.load('a')]);
  await bp.flush();
  await new Promise((r) => setImmediate(r));
  t.is(outcome.settled(), 5);
  t.deepEqual(outcome.outcomes[0], { ok: true, value: 'row:a' });
  t.deepEqual(outcome.outcomes[2], { ok: true, value: 'row:b' });
  t.deepEqual(outcome.outcomes[4], { ok: true, value: 'row:a' });
  t.false(outcome.outcomes[1]?.ok);
  t.is((outcome.outcomes[1]?.value as Error).message, 'no bad');
  t.false(outcome.outcomes[3]?.ok);
  t.is((outcome.outcomes[3]?.value as TierCacheError).code, 'ERR_BATCH_NOT_RETURNED');
  t.regex((outcome.outcomes[3]?.value as Error).message, /"gone"/);
});

test('an Error in an array result rejects only that position', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async (keys) => keys.map((k) => (k === 'x' ? new RangeError('bad x') : k)) });
  const [a, x, b] = await Promise.allSettled([bp.load('a'), bp.load('x'), bp.load('b')]);
  t.deepEqual(a, { status: 'fulfilled', value: 'a' });
  t.deepEqual(b, { status: 'fulfilled', value: 'b' });
  t.is(x.status, 'rejected');
  t.true((x as PromiseRejectedResult).reason instanceof RangeError);
});

test('a wrong-length result rejects every caller of the batch with ERR_BATCH_INVALID_RESULT', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async (keys) => keys.slice(1) });
  const results = await Promise.allSettled([bp.load('a'), bp.load('b'), bp.load('a')]);
  for (const r of results) {
    t.is(r.status, 'rejected');
    const reason = (r as PromiseRejectedResult).reason as TierCacheError;
    t.is(reason.code, 'ERR_BATCH_INVALID_RESULT');
    t.regex(reason.message, /returned 1 result for 2 keys;/);
  }
  t.is(bp.stats().failedBatches, 1);
});

test('a result that is neither an array nor a Map rejects the batch', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async () => 'nope' as unknown as string[] });
  await t.throwsAsync(bp.load('a'), { code: 'ERR_BATCH_INVALID_RESULT', message: /array or a Map, got "nope"/ });
});

test('a throwing or rejecting execute rejects every caller with ERR_BATCH_EXECUTE_FAILED and its cause', async (t) => {
  const boom = new Error('backend down');
  for (const execute of [
    () => {
      throw boom;
    },
    async () => {
      throw boom;
    },
  ]) {
    const bp = new BatchProcessor<string, string>({ execute, maxBatchSize: 2 });
    const results = await Promise.allSettled(['a', 'b', 'c', 'a'].map((k) => bp.load(k)));
    t.is(results.length, 4);
    for (const r of results) {
      t.is(r.status, 'rejected');
      const reason = (r as PromiseRejectedResult).reason as TierCacheError;
      t.is(reason.code, 'ERR_BATCH_EXECUTE_FAILED');
      t.is(reason.cause, boom);
      t.is(reason.message, 'execute failed for a batch of 2 keys: backend down');
    }
    await t.throwsAsync(bp.load('alone'), { message: 'execute failed for a batch of 1 key: backend down' });
    t.is(bp.stats().failedBatches, 3);
    t.is(bp.stats().inFlight, 0);
    t.deepEqual(await Promise.all([bp.load('later')]).catch((e: TierCacheError) => e.code), 'ERR_BATCH_EXECUTE_FAILED', 'later loads still get an answer');
  }
});

test('loadMany never rejects: each position holds its result or its Error', async (t) => {
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => keys.map((k) => (k.startsWith('e') ? new Error(k) : k.toUpperCase())),
    maxQueued: 4,
  });
  const results = await bp.loadMany(['a', 'e1', 'a', 'b', 'c', 'd']);
  t.is(results[0], 'A');
  t.true(results[1] instanceof Error);
  t.is(results[2], 'A');
  t.is(results[3], 'B');
  t.is((results[4] as TierCacheError).code, 'ERR_BATCH_QUEUE_FULL');
  t.is((results[5] as TierCacheError).code, 'ERR_BATCH_QUEUE_FULL');
  t.deepEqual(await bp.loadMany([]), []);
});

test('an aborted signal removes only that caller; the key is still sent for the others', async (t) => {
  const gate = deferred<void>();
  const { batches, execute } = recorder(async (keys: string[]) => {
    await gate.promise;
    return keys.map((k) => k.toUpperCase());
  });
  const bp = new BatchProcessor<string, string>({ execute, maxWaitMs: 60_000 });
  const ac = new AbortController();
  const aborted = bp.load('a', { signal: ac.signal });
  const kept = bp.load('a');
  const alone = new AbortController();
  const gone = bp.load('only', { signal: alone.signal });
  ac.abort(new Error('user left'));
  alone.abort();
  await t.throwsAsync(aborted, { code: 'ERR_ABORTED' });
  await t.throwsAsync(gone, { code: 'ERR_ABORTED' });
  const flushed = bp.flush();
  gate.resolve();
  await flushed;
  t.is(await kept, 'A');
  t.deepEqual(batches, [['a']], "a key whose every caller aborted is not sent");
  const s = bp.stats();
  t.is(s.rejected.aborted, 2);
  t.is(s.queued, 0);
  await t.throwsAsync(bp.load('x', { signal: AbortSignal.abort() }), { code: 'ERR_ABORTED' });
  await bp.close();
});

test('aborting while execute runs rejects that caller at once and ignores its result', async (t) => {
  const gate = deferred<string[]>();
  const bp = new BatchProcessor<string, string>({ execute: () => gate.promise });
  const ac = new AbortController();
  const p = bp.load('a', { signal: ac.signal });
  const other = bp.load('a');
  await new Promise((r) => setImmediate(r));
  t.is(bp.stats().inFlight, 1);
  ac.abort();
  await t.throwsAsync(p, { code: 'ERR_ABORTED' });
  gate.resolve(['A']);
  t.is(await other, 'A');
  await bp.close();
});

test('a keyOf that throws while matching a returned Map rejects the batch instead of leaving callers hanging', async (t) => {
  let calls = 0;
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => new Map(keys.map((k) => [k, k])),
    keyOf: (k) => {
      calls++;
      if (calls > 1) throw new Error('keyOf broke');
      return k;
    },
  });
  await t.throwsAsync(bp.load('a'), { code: 'ERR_BATCH_INVALID_RESULT', message: /keyOf broke/ });
  t.is(bp.stats().failedBatches, 1);
});

test('one signal shared by many loads aborts them all with a single listener', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async (keys) => keys, maxWaitMs: 60_000 });
  const ac = new AbortController();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const loads = Array.from({ length: 50 }, (_, i) => bp.load(`k${i % 10}`, { signal: ac.signal }));
  const unrelated = bp.load('k1');
  ac.abort();
  const results = await Promise.allSettled(loads);
  t.true(results.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ERR_ABORTED'));
  await bp.flush();
  t.is(await unrelated, 'k1');
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  t.false(warnings.includes('MaxListenersExceededWarning'));
  t.is(bp.stats().rejected.aborted, 50);
  await bp.close();
});
