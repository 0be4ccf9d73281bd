/**
 * The codec's own counters: plain typed-array slots bumped on every call, and
 * the collector that turns them into metrics at scrape time.
 */
import { Attr, CodecMetrics } from '../metrics/conventions.js';
import type { Attributes } from '../metrics/definition.js';
import { Histogram } from '../metrics/histogram.js';
import type { MetricSink } from '../metrics/registry.js';
import { Outcome } from './engine.js';
import type { OffloadPool } from './offload.js';

const ENCODE_COMPRESSED = 0;
const ENCODE_RAW_SMALL = 1;
const ENCODE_RAW_INCOMPRESSIBLE = 2;
const DECODE_COMPRESSED = 3;
const DECODE_RAW = 4;
const ENCODE_IN = 5;
const ENCODE_OUT = 6;
const DECODE_IN = 7;
const DECODE_OUT = 8;
const OFFLOADED = 9;
const SLOTS = 10;

/** Plain counters of one Codec, as returned by `codec.stats()`. */
export interface CodecStats {
  /** Successful encode calls. */
  encodes: number;
  /** Encodes stored compressed. */
  compressed: number;
  /** Encodes stored raw because the value was under minBytes. */
  rawSmall: number;
  /** Encodes stored raw because compression saved less than minSavings. */
  rawIncompressible: number;
  /** Bytes given to encode / produced by encode. */
  encodeBytesIn: number;
  encodeBytesOut: number;
  /** Successful decode calls, and how many of them were compressed. */
  decodes: number;
  decodedCompressed: number;
  /** Bytes given to decode / produced by decode. */
  decodeBytesIn: number;
  decodeBytesOut: number;
  /** Failed calls (any operation), by error code. */
  errors: Record<string, number>;
  /** Calls that ran on a worker. */
  offloaded: number;
}

/** Records one codec's operations; registered with the metrics registry as the collector source. */
export class CodecRecorder {
  readonly counts = new Float64Array(SLOTS);
  readonly errors = new Map<string, number>();
  readonly encodeInline = new Histogram();
  readonly decodeInline = new Histogram();
  readonly encodeWorker = new Histogram();
  readonly decodeWorker = new Histogram();
  readonly inputSize = new Histogram();
  /** The offload pool, once the codec has one (for the pending/threads gauges). */
  pool: OffloadPool | null = null;

  /** Counts a successful encode. */
  encoded(outcome: number, bytesIn: number, bytesOut: number, ns: number, worker: boolean): void {
    const c = this.counts;
    c[outcome === Outcome.COMPRESSED ? ENCODE_COMPRESSED : outcome === Outcome.RAW_SMALL ? ENCODE_RAW_SMALL : ENCODE_RAW_INCOMPRESSIBLE]++;
    c[ENCODE_IN] += bytesIn;
    c[ENCODE_OUT] += bytesOut;
    this.inputSize.record(bytesIn);
    if (worker) {
      c[OFFLOADED]++;
      this.encodeWorker.record(ns);
    } else {
      this.encodeInline.record(ns);
    }
  }

  /** Counts a successful decode. */
  decoded(outcome: number, bytesIn: number, bytesOut: number, ns: number, worker: boolean): void {
    const c = this.counts;
    c[outcome === Outcome.COMPRESSED ? DECODE_COMPRESSED : DECODE_RAW]++;
    c[DECODE_IN] += bytesIn;
    c[DECODE_OUT] += bytesOut;
    if (worker) {
      c[OFFLOADED]++;
      this.decodeWorker.record(ns);
    } else {
      this.decodeInline.record(ns);
    }
  }

  /** Counts a failed call by operation and error code. */
  failed(operation: 'encode' | 'decode', code: string): void {
    const key = `${operation}\u0000${code}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** The counters as a plain object. */
  stats(): CodecStats {
    const c = this.counts;
    const errors: Record<string, number> = {};
    for (const [key, n] of this.errors) {
      const code = key.slice(key.indexOf('\u0000') + 1);
      errors[code] = (errors[code] ?? 0) + n;
    }
    return {
      encodes: c[ENCODE_COMPRESSED] + c[ENCODE_RAW_SMALL] + c[ENCODE_RAW_INCOMPRESSIBLE],
      compressed: c[ENCODE_COMPRESSED],
      rawSmall: c[ENCODE_RAW_SMALL],
      rawIncompressible: c[ENCODE_RAW_INCOMPRESSIBLE],
      encodeBytesIn: c[ENCODE_IN],
      encodeBytesOut: c[ENCODE_OUT],
      decodes: c[DECODE_COMPRESSED] + c[DECODE_RAW],
      decodedCompressed: c[DECODE_COMPRESSED],
      decodeBytesIn: c[DECODE_IN],
      decodeBytesOut: c[DECODE_OUT],
      errors,
      offloaded: c[OFFLOADED],
    };
  }
}

function attrs(operation: string, key: string, value: string): Attributes {
  return Object.freeze({ [Attr.codecOperation]: operation, [key]: value });
}

const ENCODE_OUTCOMES: readonly [number, Attributes][] = [
  [ENCODE_COMPRESSED, attrs('encode', Attr.codecOutcome, 'compressed')],
  [ENCODE_RAW_SMALL, attrs('encode', Attr.codecOutcome, 'raw_small')],
  [ENCODE_RAW_INCOMPRESSIBLE, attrs('encode', Attr.codecOutcome, 'raw_incompressible')],
  [DECODE_COMPRESSED, attrs('decode', Attr.codecOutcome, 'compressed')],
  [DECODE_RAW, attrs('decode', Attr.codecOutcome, 'raw')],
];
const IO: readonly [number, Attributes][] = [
  [ENCODE_IN, attrs('encode', Attr.ioDirection, 'in')],
  [ENCODE_OUT, attrs('encode', Attr.ioDirection, 'out')],
  [DECODE_IN, attrs('decode', Attr.ioDirection, 'in')],
  [DECODE_OUT, attrs('decode', Attr.ioDirection, 'out')],
];
const ENCODE_INLINE = attrs('encode', Attr.codecExecution, 'inline');
const DECODE_INLINE = attrs('decode', Attr.codecExecution, 'inline');
const ENCODE_WORKER = attrs('encode', Attr.codecExecution, 'worker');
const DECODE_WORKER = attrs('decode', Attr.codecExecution, 'worker');

/** Collector registered by every Codec (reads the recorder at scrape time). */
export function collectCodec(recorder: CodecRecorder, sink: MetricSink): void {
  const c = recorder.counts;
  for (const [slot, attributes] of ENCODE_OUTCOMES) sink.observe(CodecMetrics.operations, c[slot], attributes);
  for (const [key, n] of recorder.errors) {
    const split = key.indexOf('\u0000');
    sink.observe(CodecMetrics.operations, n, {
      [Attr.codecOperation]: key.slice(0, split),
      [Attr.codecOutcome]: 'error',
      [Attr.errorType]: key.slice(split + 1),
    });
  }
  for (const [slot, attributes] of IO) sink.observe(CodecMetrics.io, c[slot], attributes);
  sink.observe(CodecMetrics.duration, recorder.encodeInline, ENCODE_INLINE);
  sink.observe(CodecMetrics.duration, recorder.decodeInline, DECODE_INLINE);
  if (recorder.encodeWorker.count > 0) sink.observe(CodecMetrics.duration, recorder.encodeWorker, ENCODE_WORKER);
  if (recorder.decodeWorker.count > 0) sink.observe(CodecMetrics.duration, recorder.decodeWorker, DECODE_WORKER);
  sink.observe(CodecMetrics.inputSize, recorder.inputSize);
  const pool = recorder.pool;
  sink.observe(CodecMetrics.offloadPending, pool === null ? 0 : pool.pending);
  sink.observe(CodecMetrics.offloadThreads, pool === null ? 0 : pool.threads);
}
