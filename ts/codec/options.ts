/** Validation and defaults of `new Codec(options)`. */
import * as os from 'node:os';
import { resolveZstdBackend, ZSTD_BACKENDS, type ZstdBackend } from './backend.js';
import {
  checkKnownKeys,
  checkNumber,
  checkOptionalBoolean,
  checkOptionalInteger,
  checkOptionsObject,
  describe,
} from '../common/validate.js';
import { instanceAttributes, resolveMetricsOption } from '../metrics/options.js';
import type { Attributes } from '../metrics/definition.js';
import type { MetricsOption } from '../metrics/options.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { EngineSettings } from './engine.js';

/** zstd's fastest level (ZSTD_minCLevel of libzstd 1.5: -(1 << 17)). */
export const ZSTD_MIN_LEVEL = -131072;
/** zstd's strongest level (ZSTD_maxCLevel). */
export const ZSTD_MAX_LEVEL = 22;
/** Highest level the HTTP zstd profile allows (RFC 9659: window <= 8 MiB); higher levels are clamped to it. */
export const MAX_LEVEL = 19;
/** Default level, chosen from the measurements in docs/codec.md. */
export const DEFAULT_LEVEL = 3;
/** Values below this many bytes are stored raw (no dictionary). */
export const DEFAULT_MIN_BYTES = 1024;
/** With a dictionary, values down to this size are worth compressing (see docs/codec.md). */
export const DEFAULT_MIN_BYTES_WITH_DICTIONARY = 128;
/** Compressed form is kept only when it saves at least this fraction. */
export const DEFAULT_MIN_SAVINGS = 0.05;
/** Default bomb guard: 64 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Largest value the codec handles at all (a Buffer limit in practice). */
export const MAX_VALUE_BYTES = 2 ** 31 - 1;
/** Values at least this big are offloaded by the async methods (measured crossover, docs/codec.md). */
export const DEFAULT_OFFLOAD_MIN_BYTES = 64 * 1024;
/** Idle workers exit after this long. */
export const DEFAULT_OFFLOAD_IDLE_TIMEOUT_MS = 10_000;
/** Offloaded tasks allowed to wait for a worker before encodeAsync/decodeAsync reject. */
export const DEFAULT_OFFLOAD_MAX_QUEUE = 256;

/** Worker-pool options of the async methods. */
export interface OffloadOptions {
  /** Values of at least this many bytes run on a worker; smaller ones run inline. Default 64 KiB. */
  minBytes?: number;
  /** Worker threads (default: available parallelism - 1, at least 1, at most 4). */
  threads?: number;
  /** Milliseconds an idle worker lives before it exits. Default 10 s. */
  idleTimeoutMs?: number;
  /** Tasks that may wait for a worker; beyond it calls reject with ERR_CODEC_QUEUE_FULL. Default 256. */
  maxQueue?: number;
}

/** Options of `new Codec()`. */
export interface CodecOptions {
  /** zstd level; 1..19 (and negative fast levels); 20..22 are clamped to 19 (HTTP profile). 0 means zstd's default (3). Default 3. */
  level?: number;
  /** Values shorter than this are stored raw. Default 1024, or 128 with a dictionary. */
  minBytes?: number;
  /** Keep the compressed form only when it saves at least this fraction (0..0.9). Default 0.05. */
  minSavings?: number;
  /** A dictionary (trained with trainDictionary, or raw content) used to encode and decode. */
  dictionary?: Uint8Array;
  /** More dictionaries accepted by decode only (e.g. the previous one after rotating). */
  decodeDictionaries?: readonly Uint8Array[];
  /** Decode rejects values that declare or grow past this size, before allocating. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /** Write a 4-byte content checksum into each frame, so corruption is detected. Default true. */
  checksum?: boolean;
  /** Worker offload of encodeAsync/decodeAsync, or false to always run inline. */
  offload?: OffloadOptions | false;
  /** Where to report metrics (default: the process-wide registry; false: none). */
  metrics?: MetricsOption;
  /** Instance name, reported as the `codec.name` attribute. */
  name?: string;
  /**
   * The zstd backend: zstd-napi (preferred) or the native addon's. Chosen
   * automatically; tests and benchmarks pin it to exercise both.
   * @internal
   */
  zstd?: ZstdBackend;
}

/** Offload settings after defaults. */
export interface ResolvedOffload {
  minBytes: number;
  threads: number;
  idleTimeoutMs: number;
  maxQueue: number;
}

/** Everything a Codec runs with. */
export interface ResolvedCodecOptions {
  engine: EngineSettings;
  /** The level as requested (before clamping). */
  requestedLevel: number;
  offload: ResolvedOffload | null;
  registry: MetricsRegistry | null;
  attributes: Attributes;
}

const KNOWN = [
  'level',
  'minBytes',
  'minSavings',
  'dictionary',
  'decodeDictionaries',
  'maxDecompressedBytes',
  'checksum',
  'offload',
  'metrics',
  'name',
  'zstd',
] as const;

/** The effective level for a requested one: 0 is zstd's default, above 19 is clamped to 19. */
export function effectiveLevel(level: number): number {
  if (level === 0) return DEFAULT_LEVEL;
  return Math.min(level, MAX_LEVEL);
}

function defaultThreads(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores - 1));
}

function resolveOffload(value: unknown): ResolvedOffload | null {
  if (value === false) return null;
  const o = checkOptionsObject(value, 'options.offload');
  checkKnownKeys(o, 'options.offload', ['minBytes', 'threads', 'idleTimeoutMs', 'maxQueue']);
  return {
    minBytes: checkOptionalInteger(o.minBytes, 'options.offload.minBytes', 0, MAX_VALUE_BYTES, DEFAULT_OFFLOAD_MIN_BYTES),
    threads: checkOptionalInteger(o.threads, 'options.offload.threads', 1, 64, defaultThreads()),
    idleTimeoutMs: checkOptionalInteger(o.idleTimeoutMs, 'options.offload.idleTimeoutMs', 0, 2 ** 31 - 1, DEFAULT_OFFLOAD_IDLE_TIMEOUT_MS),
    maxQueue: checkOptionalInteger(o.maxQueue, 'options.offload.maxQueue', 0, 1_000_000, DEFAULT_OFFLOAD_MAX_QUEUE),
  };
}

/** Validates `options` (TypeError/RangeError naming the option) and applies defaults. */
export function resolveCodecOptions(options: unknown): ResolvedCodecOptions {
  const o = checkOptionsObject(options, 'options');
  checkKnownKeys(o, 'options', KNOWN);
  if (o.zstd !== undefined && !ZSTD_BACKENDS.includes(o.zstd as ZstdBackend)) {
    throw new TypeError(`options.zstd must be one of ${ZSTD_BACKENDS.map((b) => `'${b}'`).join(', ')}, got ${describe(o.zstd)}`);
  }
  const requestedLevel = checkOptionalInteger(o.level, 'options.level', ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL, DEFAULT_LEVEL);
  let dictionary: Uint8Array | null = null;
  if (o.dictionary !== undefined) {
    if (!(o.dictionary instanceof Uint8Array)) {
      throw new TypeError(`options.dictionary must be a Buffer or Uint8Array, got ${describe(o.dictionary)}`);
    }
    // Copied now: workers receive the settings later (on first offload), and a
    // caller changing its buffer in between must not change what they decode.
    dictionary = new Uint8Array(o.dictionary);
  }
  const decodeDictionaries: Uint8Array[] = [];
  if (o.decodeDictionaries !== undefined) {
    if (!Array.isArray(o.decodeDictionaries)) {
      throw new TypeError(`options.decodeDictionaries must be an array, got ${describe(o.decodeDictionaries)}`);
    }
    o.decodeDictionaries.forEach((d: unknown, i: number) => {
      if (!(d instanceof Uint8Array)) {
        throw new TypeError(`options.decodeDictionaries[${i}] must be a Buffer or Uint8Array, got ${describe(d)}`);
      }
      decodeDictionaries.push(new Uint8Array(d));
    });
  }
  const maxDecompressedBytes = checkOptionalInteger(
    o.maxDecompressedBytes,
    'options.maxDecompressedBytes',
    1,
    MAX_VALUE_BYTES,
    DEFAULT_MAX_DECOMPRESSED_BYTES,
  );
  const minBytes = checkOptionalInteger(
    o.minBytes,
    'options.minBytes',
    0,
    MAX_VALUE_BYTES,
    dictionary === null ? DEFAULT_MIN_BYTES : DEFAULT_MIN_BYTES_WITH_DICTIONARY,
  );
  const minSavings = o.minSavings === undefined ? DEFAULT_MIN_SAVINGS : checkNumber(o.minSavings, 'options.minSavings', 0, 0.9);
  const checksum = checkOptionalBoolean(o.checksum, 'options.checksum', true);
  const offload = resolveOffload(o.offload);
  const registry = resolveMetricsOption(o.metrics);
  const attributes = instanceAttributes(o.name, 'options.name', 'codec.name');
  // Last: every argument error comes first, whatever is installed.
  const zstd = resolveZstdBackend(o.zstd as ZstdBackend | undefined);
  return {
    engine: {
      zstd,
      level: effectiveLevel(requestedLevel),
      minBytes,
      minSavings,
      checksum,
      maxDecompressedBytes,
      dictionary,
      decodeDictionaries,
    },
    requestedLevel,
    offload,
    registry,
    attributes,
  };
}
