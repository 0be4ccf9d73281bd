/**
 * Codec: zstd compression for cached values and HTTP bodies, with a small
 * envelope so raw and compressed values coexist, thresholds that keep tiny
 * and incompressible values raw, dictionaries for small values, a
 * decompression bomb guard and worker offload for large values.
 */
import { plural } from '../common/plural.js';
import * as path from 'node:path';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { checkKnownKeys, checkOptionalInteger, checkOptionsObject, describe } from '../common/validate.js';
import type { Registration } from '../metrics/registry.js';
import type { ZstdBackend } from './backend.js';
import { CodecEngine } from './engine.js';
import { OffloadPool } from './offload.js';
import { resolveCodecOptions, type CodecOptions } from './options.js';
import { Op, type WorkerResult } from './protocol.js';
import { collectCodec, CodecRecorder, type CodecStats } from './recorder.js';

/** Worker module next to this file: worker.ts under tsx, worker.js in dist/. */
const WORKER_FILE = path.join(__dirname, `worker${path.extname(__filename)}`);
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
/** Transfer buffers are recycled up to this size each (larger inputs get a fresh one). */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;
const MIN_SPARE_BYTES = 64 * 1024;

function toBytes(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError(`${name} must be a Buffer, Uint8Array or string, got ${describe(value)}`);
}

function rebuildError(result: Extract<WorkerResult, { ok: false }>): Error {
  if (result.code !== null && result.code.startsWith('ERR_') && result.name === 'TierCacheError') {
    return new TierCacheError(result.code as `ERR_${string}`, result.message);
  }
  if (result.name === 'RangeError') return new RangeError(result.message);
  if (result.name === 'TypeError') return new TypeError(result.message);
  return new TierCacheError(ErrorCode.CODEC_WORKER, `codec worker failed: ${result.message}`);
}

/** zstd codec; see docs/codec.md. Share one instance per configuration: each owns contexts and (lazily) a worker pool. */
export class Codec {
  /** Effective zstd level (after clamping to the HTTP profile's 19). */
  readonly level: number;
  /** The level that was asked for. */
  readonly requestedLevel: number;
  /** Values shorter than this are stored raw. */
  readonly minBytes: number;
  /** Decode rejects values that declare or grow past this size. */
  readonly maxDecompressedBytes: number;
  /** Id of the encoding dictionary written into headers (0 without a dictionary). */
  readonly dictionaryId: number;
  /** Async calls offload values of at least this many bytes (null when offload is off). */
  readonly offloadMinBytes: number | null;
  /**
   * The zstd this codec runs on: `'zstd-napi'` (preferred) or `'native'`
   * (tiercache's addon, used when zstd-napi cannot be loaded). Both write
   * and read the same values.
   */
  readonly zstd: ZstdBackend;

  private readonly engine: CodecEngine;
  private readonly recorder = new CodecRecorder();
  private readonly registration: Registration | null;
  private readonly pool: OffloadPool | null;
  private closePromise: Promise<void> | null = null;
  /** Input buffers handed back by workers, reused for the next offloaded copies (warm pages, no faults). */
  private readonly spares: ArrayBuffer[] = [];

  constructor(options?: CodecOptions) {
    const resolved = resolveCodecOptions(options);
    this.engine = new CodecEngine(resolved.engine);
    this.level = resolved.engine.level;
    this.requestedLevel = resolved.requestedLevel;
    this.minBytes = resolved.engine.minBytes;
    this.maxDecompressedBytes = resolved.engine.maxDecompressedBytes;
    this.dictionaryId = this.engine.dictionaryId;
    this.zstd = resolved.engine.zstd;
    this.offloadMinBytes = resolved.offload === null ? null : resolved.offload.minBytes;
    this.pool = resolved.offload === null ? null : new OffloadPool(WORKER_FILE, resolved.offload, { settings: resolved.engine });
    this.recorder.pool = this.pool;
    this.registration = resolved.registry === null ? null : resolved.registry.register(this.recorder, collectCodec, resolved.attributes);
  }

  /** True after close(). */
  get closed(): boolean {
    return this.closePromise !== null;
  }

  /** Encodes `value` into the envelope (raw or zstd), on the calling thread. */
  encode(value: Uint8Array | string): Buffer {
    const bytes = this.checkEncodeInput(value);
    const start = performance.now();
    let out: Buffer;
    try {
      out = this.engine.encode(bytes);
    } catch (err) {
      throw this.failed('encode', err);
    }
    this.recorder.encoded(this.engine.outcome, bytes.length, out.length, (performance.now() - start) * 1e6, false);
    return out;
  }

  /** Decodes an envelope produced by encode, on the calling thread. Typed errors (ERR_CODEC_*) for anything else. */
  decode(bytes: Uint8Array): Buffer {
    this.checkDecodeInput(bytes);
    const start = performance.now();
    let out: Buffer;
    try {
      out = this.engine.decode(bytes);
    } catch (err) {
      throw this.failed('decode', err);
    }
    this.recorder.decoded(this.engine.outcome, bytes.length, out.length, (performance.now() - start) * 1e6, false);
    return out;
  }

  /** Like encode; values of at least `offload.minBytes` are compressed on a worker thread. */
  async encodeAsync(value: Uint8Array | string): Promise<Buffer> {
    const bytes = this.checkEncodeInput(value);
    if (this.pool === null || bytes.length < this.offloadMinBytes! || bytes.length < this.minBytes) return this.encode(bytes);
    const result = await this.offload(Op.ENCODE, bytes);
    const out = Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.length);
    this.recorder.encoded(result.outcome, bytes.length, out.length, result.ns, true);
    return out;
  }

  /** Like decode; values that decompress to at least `offload.minBytes` are decoded on a worker thread. */
  async decodeAsync(bytes: Uint8Array): Promise<Buffer> {
    this.checkDecodeInput(bytes);
    if (this.pool === null || this.engine.decodedSizeHint(bytes) < this.offloadMinBytes!) return this.decode(bytes);
    const result = await this.offload(Op.DECODE, bytes);
    const out = Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.length);
    this.recorder.decoded(result.outcome, bytes.length, out.length, result.ns, true);
    return out;
  }

  /** Counters of this codec since it was created. */
  stats(): CodecStats {
    return this.recorder.stats();
  }

  /**
   * Stops accepting work, waits for offloaded tasks in flight (at most
   * `timeoutMs`, default 30 s; later ones are rejected with ERR_CLOSED), stops
   * the workers and unregisters the metrics. Idempotent.
   */
  close(options?: { timeoutMs?: number }): Promise<void> {
    if (this.closePromise === null) {
      const o = checkOptionsObject(options, 'options');
      checkKnownKeys(o, 'options', ['timeoutMs']);
      const timeoutMs = checkOptionalInteger(o.timeoutMs, 'options.timeoutMs', 0, 2 ** 31 - 1, DEFAULT_CLOSE_TIMEOUT_MS);
      this.registration?.unregister();
      this.closePromise = this.pool === null ? Promise.resolve() : this.pool.close(timeoutMs);
    }
    return this.closePromise;
  }

  private async offload(op: number, bytes: Uint8Array): Promise<Extract<WorkerResult, { ok: true }>> {
    // A private copy whose buffer is transferred: the caller's bytes stay untouched and usable.
    const copy = new Uint8Array(this.transferBuffer(bytes.length), 0, bytes.length);
    copy.set(bytes);
    let result: WorkerResult;
    try {
      result = await this.pool!.run({ op, bytes: copy });
    } catch (err) {
      throw this.failed(op === Op.ENCODE ? 'encode' : 'decode', err);
    }
    if (result.input !== null) this.recycle(result.input);
    if (!result.ok) throw this.failed(op === Op.ENCODE ? 'encode' : 'decode', rebuildError(result));
    return result;
  }

  /** A spare transfer buffer of at least `size` bytes (and at most 4x), or a new one. */
  private transferBuffer(size: number): ArrayBuffer {
    const spares = this.spares;
    for (let i = 0; i < spares.length; i++) {
      const spare = spares[i];
      if (spare.byteLength >= size && spare.byteLength <= Math.max(size * 4, MIN_SPARE_BYTES)) {
        spares[i] = spares[spares.length - 1];
        spares.pop();
        return spare;
      }
    }
    if (size > MAX_SPARE_BYTES) return new ArrayBuffer(size);
    // Power-of-two capacities so buffers fit later values of similar size.
    return new ArrayBuffer(Math.max(MIN_SPARE_BYTES, 2 ** Math.ceil(Math.log2(Math.max(size, 1)))));
  }

  private recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength > MAX_SPARE_BYTES || buffer.byteLength < MIN_SPARE_BYTES) return;
    // Keep a few per thread; beyond that let the GC have them.
    if (this.spares.length < 2 * (this.pool?.maxThreads ?? 1) + 2) this.spares.push(buffer);
  }

  private checkEncodeInput(value: unknown): Uint8Array {
    this.checkOpen();
    const bytes = toBytes(value, 'value');
    if (bytes.length > this.maxDecompressedBytes) {
      throw new RangeError(
        `value is ${plural(bytes.length, 'byte')}, more than options.maxDecompressedBytes (${this.maxDecompressedBytes}); it could not be decoded`,
      );
    }
    return bytes;
  }

  private checkDecodeInput(bytes: unknown): void {
    this.checkOpen();
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Buffer or Uint8Array, got ${describe(bytes)}`);
  }

  private checkOpen(): void {
    if (this.closePromise !== null) throw new TierCacheError(ErrorCode.CLOSED, 'the codec is closed');
  }

  private failed(operation: 'encode' | 'decode', err: unknown): unknown {
    const code = err instanceof TierCacheError ? err.code : err instanceof Error ? err.name : 'Error';
    this.recorder.failed(operation, code);
    return err;
  }
}


