import * as path from 'node:path';
import { ErrorCode, TierCacheError } from '../ts/common/errors.js';
import { Codec, currentBackend, test } from './helpers/codec-backends.js';
import { OffloadPool } from '../ts/codec/offload.js';
import { resolveCodecOptions } from '../ts/codec/options.js';
import { Op, type WorkerResult } from '../ts/codec/protocol.js';
import { MetricsRegistry } from '../ts/metrics/index.js';
import { fixtureDictionary } from './helpers/dictionary.js';
import { jsonPayload, jsonValues } from './helpers/payloads.js';

const HANG_GUARD_MS = 60_000;

function durationCount(registry: MetricsRegistry, operation: string, execution: string): number {
  const metric = registry.snapshot().metrics.find((m) => m.name === 'codec.duration');
  const point = metric?.points.find((p) => p.attributes['codec.operation'] === operation && p.attributes['codec.execution'] === execution);
  return point !== undefined && 'count' in point ? point.count : 0;
}

function fixturePool(worker: string, threads: number): OffloadPool {
  const settings = resolveCodecOptions({ metrics: false, zstd: currentBackend() }).engine;
  return new OffloadPool(
    path.join(__dirname, 'fixtures', worker),
    { minBytes: 0, threads, idleTimeoutMs: 1000, maxQueue: 100 },
    { settings },
  );
}

function task(bytes: Uint8Array) {
  return { op: Op.ENCODE, bytes: new Uint8Array(bytes) };
}

test('async calls below offload.minBytes run inline, at or above it on a worker', async (t) => {
  const registry = new MetricsRegistry();
  const codec = new Codec({ metrics: registry, offload: { minBytes: 16 * 1024, threads: 1 } });
  t.teardown(() => codec.close());
  const small = jsonPayload(16 * 1024 - 1, 1).subarray(0, 16 * 1024 - 1);
  const large = jsonPayload(16 * 1024, 2).subarray(0, 16 * 1024);
  const smallEncoded = await codec.encodeAsync(small);
  t.is(codec.stats().offloaded, 0);
  t.is(durationCount(registry, 'encode', 'inline'), 1);
  const largeEncoded = await codec.encodeAsync(large);
  t.is(codec.stats().offloaded, 1);
  t.is(durationCount(registry, 'encode', 'worker'), 1);
  // Decode decides on the decompressed size, read from the frame header.
  t.true((await codec.decodeAsync(largeEncoded)).equals(large));
  t.is(codec.stats().offloaded, 2);
  t.true((await codec.decodeAsync(smallEncoded)).equals(small));
  t.is(codec.stats().offloaded, 2);
  t.is(durationCount(registry, 'decode', 'worker'), 1);
  t.is(durationCount(registry, 'decode', 'inline'), 1);
});

test('worker output is identical to inline output and interoperates both ways', async (t) => {
  const codec = new Codec({ metrics: false, offload: { minBytes: 0, threads: 2 } });
  const inline = new Codec({ metrics: false, offload: false });
  t.teardown(() => codec.close());
  for (const size of [2048, 100_000, 1024 * 1024]) {
    const input = jsonPayload(size, size);
    const offloaded = await codec.encodeAsync(input);
    t.true(offloaded.equals(inline.encode(input)));
    t.true(inline.decode(offloaded).equals(input));
    t.true((await codec.decodeAsync(inline.encode(input))).equals(input));
  }
});

test('dictionaries work on workers too', async (t) => {
  const codec = new Codec({ metrics: false, dictionary: fixtureDictionary(), offload: { minBytes: 0, threads: 1 } });
  t.teardown(() => codec.close());
  const value = jsonValues(1, 2048, 31)[0];
  const encoded = await codec.encodeAsync(value);
  t.is(codec.stats().offloaded, 1);
  t.true((await codec.decodeAsync(encoded)).equals(value));
});

test('workers decode with the dictionary as it was when the codec was created', async (t) => {
  const dictionary = Buffer.from(fixtureDictionary());
  const codec = new Codec({ metrics: false, dictionary, offload: { minBytes: 0, threads: 1 } });
  t.teardown(() => codec.close());
  const value = jsonValues(1, 4096, 32)[0];
  const encoded = codec.encode(value);
  dictionary.fill(0, 64); // before the first offload starts a worker
  t.true((await codec.decodeAsync(encoded)).equals(value));
  t.is(codec.stats().offloaded, 1);
});

test('worker errors keep their stable codes', async (t) => {
  const codec = new Codec({ metrics: false, offload: { minBytes: 0, threads: 1 } });
  t.teardown(() => codec.close());
  const encoded = await codec.encodeAsync(jsonPayload(50_000, 3));
  const truncated = encoded.subarray(0, encoded.length - 10);
  await t.throwsAsync(codec.decodeAsync(truncated), { instanceOf: TierCacheError, code: ErrorCode.CODEC_CORRUPT });
  const err = await t.throwsAsync(codec.decodeAsync(Buffer.from([0xf7, 0x25, 1, 2, 3, 4, 0x28, 0xb5, 0x2f, 0xfd])));
  t.is((err as TierCacheError).code, ErrorCode.CODEC_DICTIONARY);
  t.is(codec.stats().errors[ErrorCode.CODEC_CORRUPT], 1);
});

test('the caller keeps its input buffer after an offloaded call', async (t) => {
  const codec = new Codec({ metrics: false, offload: { minBytes: 0, threads: 1 } });
  t.teardown(() => codec.close());
  const input = jsonPayload(64 * 1024, 8);
  const copy = Buffer.from(input);
  await codec.encodeAsync(input);
  t.is(input.length, copy.length, 'input was not detached');
  t.true(input.equals(copy));
});

test('close() waits for offloaded work in flight, then rejects new calls with ERR_CLOSED', async (t) => {
  const codec = new Codec({ metrics: false, offload: { minBytes: 0, threads: 1 } });
  const input = jsonPayload(512 * 1024, 9);
  const inFlight = [codec.encodeAsync(input), codec.encodeAsync(input), codec.encodeAsync(input)];
  const order: string[] = [];
  for (const p of inFlight) void p.then(() => order.push('task'));
  await codec.close().then(() => order.push('closed'));
  t.deepEqual(order, ['task', 'task', 'task', 'closed']);
  for (const result of await Promise.all(inFlight)) t.true(result.length > 0);
  t.true(codec.closed);
  await t.throwsAsync(codec.encodeAsync(input), { instanceOf: TierCacheError, code: ErrorCode.CLOSED });
  t.throws(() => codec.encode(input), { instanceOf: TierCacheError, code: ErrorCode.CLOSED });
  t.throws(() => codec.decode(input), { instanceOf: TierCacheError, code: ErrorCode.CLOSED });
  await codec.close(); // idempotent
});

test('close() with a deadline settles every call: each is a valid frame or ERR_CLOSED, never pending', async (t) => {
  const codec = new Codec({ metrics: false, level: 19, offload: { minBytes: 0, threads: 1 } });
  const input = jsonPayload(2 * 1024 * 1024, 10);
  const running = [codec.encodeAsync(input), codec.encodeAsync(input), codec.encodeAsync(input)];
  await codec.close({ timeoutMs: 0 });
  const inline = new Codec({ metrics: false });
  for (const s of await Promise.allSettled(running)) {
    if (s.status === 'rejected') t.is((s.reason as TierCacheError).code, ErrorCode.CLOSED);
    else t.true(inline.decode(s.value).equals(input));
  }
  t.true(codec.closed);
});

test('close() with a deadline rejects work still running and work still waiting with ERR_CLOSED, and stops the blocked worker', async (t) => {
  const pool = fixturePool('blocking-worker.ts', 1);
  const good = jsonPayload(10_000, 14);
  const blocking = Buffer.concat([Buffer.from([0xb1, 0x0c]), good]);
  const tasks = [pool.run(task(blocking)), pool.run(task(good)), pool.run(task(good))];
  const outcomes = Promise.allSettled(tasks);
  t.is(pool.pending, 3);
  await pool.close(0);
  const settled = await outcomes;
  t.deepEqual(
    settled.map((s) => (s.status === 'rejected' ? (s.reason as TierCacheError).code : s.status)),
    [ErrorCode.CLOSED, ErrorCode.CLOSED, ErrorCode.CLOSED],
  );
  // close() resolved, so the blocked worker was terminated (piscina's destroy waits for it).
  t.is(pool.pending, 0);
});

test('a full offload queue rejects at once with ERR_CODEC_QUEUE_FULL', async (t) => {
  const codec = new Codec({ metrics: false, offload: { minBytes: 0, threads: 1, maxQueue: 2 } });
  t.teardown(() => codec.close());
  const input = jsonPayload(256 * 1024, 11);
  const accepted = [codec.encodeAsync(input), codec.encodeAsync(input), codec.encodeAsync(input)];
  await t.throwsAsync(codec.encodeAsync(input), {
    instanceOf: TierCacheError,
    code: ErrorCode.CODEC_QUEUE_FULL,
    message: 'codec offload queue is full (1 thread busy and 2 tasks waiting; options.offload.maxQueue)',
  });
  t.is((await Promise.all(accepted)).length, 3);
  t.true((await codec.encodeAsync(input)).length > 0, 'accepts again once the queue drained');
});

test('a worker crash rejects only the task it was running (one thread, queued tasks survive)', async (t) => {
  const pool = fixturePool('crashing-worker.ts', 1);
  t.teardown(() => pool.close(HANG_GUARD_MS));
  const good = jsonPayload(100_000, 12);
  const crash = Buffer.concat([Buffer.from([0xde, 0xad]), good]);
  const results = await Promise.allSettled([pool.run(task(good)), pool.run(task(crash)), pool.run(task(good)), pool.run(task(good))]);
  t.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  const reason = (results[1] as PromiseRejectedResult).reason as TierCacheError;
  t.is(reason.code, ErrorCode.CODEC_WORKER);
  for (const r of [results[0], results[2], results[3]]) t.true(((r as PromiseFulfilledResult<WorkerResult>).value as { ok: boolean }).ok);
  t.is(pool.pending, 0);
});

test('a worker crash with several threads busy rejects only the crashing task', async (t) => {
  const pool = fixturePool('crashing-worker.ts', 3);
  t.teardown(() => pool.close(HANG_GUARD_MS));
  const good = jsonPayload(300_000, 13);
  const crash = Buffer.concat([Buffer.from([0xde, 0xad]), good]);
  const inputs = [good, good, crash, good, good, crash, good];
  const results = await Promise.allSettled(inputs.map((b) => pool.run(task(b))));
  t.deepEqual(
    results.map((r) => r.status),
    inputs.map((b) => (b === crash ? 'rejected' : 'fulfilled')),
  );
});
