import { ErrorCode } from '../ts/common/errors.js';
import { Codec, serialTest as test } from './helpers/codec-backends.js';
import { metrics as defaultRegistry, MetricsRegistry } from '../ts/metrics/index.js';
import { metricValue as value } from './helpers/metrics.js';
import { jsonPayload, randomBytes } from './helpers/payloads.js';

test('codec metrics match the operations performed', (t) => {
  const registry = new MetricsRegistry();
  const codec = new Codec({ metrics: registry, name: 'values' });
  const json = jsonPayload(20_000, 1);
  const small = Buffer.from('small');
  const noise = randomBytes(5000, 2);
  const encoded = [codec.encode(json), codec.encode(json), codec.encode(small), codec.encode(noise)];
  for (const e of encoded) codec.decode(e);
  t.throws(() => codec.decode(Buffer.from('garbage!')), { code: ErrorCode.CODEC_CORRUPT });
  t.throws(() => codec.decode(encoded[0].subarray(0, 10)), { code: ErrorCode.CODEC_CORRUPT });

  const snap = registry.snapshot();
  const base = { 'codec.name': 'values' };
  const ops = (operation: string, outcome: string) => value(snap, 'codec.operations', { ...base, 'codec.operation': operation, 'codec.outcome': outcome });
  t.is(ops('encode', 'compressed'), 2);
  t.is(ops('encode', 'raw_small'), 1);
  t.is(ops('encode', 'raw_incompressible'), 1);
  t.is(ops('decode', 'compressed'), 2);
  t.is(ops('decode', 'raw'), 2);
  t.is(value(snap, 'codec.operations', { ...base, 'codec.operation': 'decode', 'codec.outcome': 'error', 'error.type': ErrorCode.CODEC_CORRUPT }), 2);

  const io = (operation: string, direction: string) => value(snap, 'codec.io', { ...base, 'codec.operation': operation, 'codec.io.direction': direction });
  const encodedBytes = encoded.reduce((sum, e) => sum + e.length, 0);
  const rawBytes = json.length * 2 + small.length + noise.length;
  t.is(io('encode', 'in'), rawBytes);
  t.is(io('encode', 'out'), encodedBytes);
  t.is(io('decode', 'in'), encodedBytes);
  t.is(io('decode', 'out'), rawBytes);

  t.is(value(snap, 'codec.duration', { ...base, 'codec.operation': 'encode', 'codec.execution': 'inline' }), 4);
  t.is(value(snap, 'codec.duration', { ...base, 'codec.operation': 'decode', 'codec.execution': 'inline' }), 4);
  t.is(value(snap, 'codec.input.size', base), 4);

  const stats = codec.stats();
  t.deepEqual(
    [stats.encodes, stats.compressed, stats.rawSmall, stats.rawIncompressible, stats.decodes, stats.decodedCompressed],
    [4, 2, 1, 1, 4, 2],
  );
  t.deepEqual(stats.errors, { [ErrorCode.CODEC_CORRUPT]: 2 });
  t.is(stats.encodeBytesOut, encodedBytes);
});

test('codecs report into the process-wide registry by default and leave it on close()', async (t) => {
  const before = defaultRegistry.collectorCount;
  const codec = new Codec({ name: 'default-registry-test' });
  t.is(defaultRegistry.collectorCount, before + 1);
  codec.encode(jsonPayload(4096, 3));
  t.regex(defaultRegistry.prometheus(), /codec_operations_total\{codec_name="default-registry-test",codec_operation="encode",codec_outcome="compressed"\} 1/);
  await codec.close();
  t.is(defaultRegistry.collectorCount, before);
  t.notRegex(defaultRegistry.prometheus(), /default-registry-test/);
});

test('metrics: false registers nothing', (t) => {
  const before = defaultRegistry.collectorCount;
  const codec = new Codec({ metrics: false });
  codec.encode(jsonPayload(4096, 3));
  t.is(defaultRegistry.collectorCount, before);
  t.is(codec.stats().encodes, 1, 'stats() still counts');
});

test('two unnamed codecs add up in one series', (t) => {
  const registry = new MetricsRegistry();
  const a = new Codec({ metrics: registry });
  const b = new Codec({ metrics: registry });
  a.encode(Buffer.from('x'));
  b.encode(Buffer.from('y'));
  b.encode(Buffer.from('z'));
  const snap = registry.snapshot();
  t.is(value(snap, 'codec.operations', { 'codec.operation': 'encode', 'codec.outcome': 'raw_small' }), 3);
});
