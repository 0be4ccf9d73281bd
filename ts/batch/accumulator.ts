/**
 * The one interface both accumulators implement (native-accumulator.ts wraps
 * the Rust core, js-accumulator.ts is its pure-JS twin), so drift between
 * them fails tsc; the differential test proves they decide alike.
 */
import type { SealReasonValue, STATS_FIELDS } from './protocol.js';

/** A load's dedupe identity (`keyOf(key)`), or undefined when it has none. */
export type KeyId = string | number | undefined;

/** Bounds of one accumulator; `Infinity` means unlimited. */
export interface AccumulatorLimits {
  readonly maxBatchSize: number;
  readonly maxBatchBytes: number;
  readonly maxQueued: number;
  readonly maxQueuedBytes: number;
  readonly maxInFlight: number;
  readonly dedupe: boolean;
  readonly rejectOversize: boolean;
}

/** Counters and current levels, named as in `STATS_FIELDS`. */
export type AccumulatorStats = { [K in (typeof STATS_FIELDS)[number]]: number };

/** Slots, dedupe, byte accounting, seal decisions, queued caps and in-flight bookkeeping. */
export interface Accumulator {
  /** How many loads the processor may stage before handing them over (1: at once). */
  readonly stageCapacity: number;
  /**
   * Decides `count` loads: load i's dedupe identity is `ids[from + i]`, its
   * size `stage[i * STAGE_STRIDE + 2]`. Writes each packed decision to
   * `stage[i * STAGE_STRIDE]` (fields 0 and 1 are scratch on input).
   */
  ingest(ids: readonly KeyId[], from: number, stage: Float64Array, count: number): void;
  /** Seals the open batch; false (nothing done) when it has no slot. */
  seal(reason: SealReasonValue): boolean;
  /** Starts the oldest sealed batch: -1 none may start, 0 it had no live key (dropped), else its live keys. */
  startNext(): number;
  /** One started batch settled. */
  complete(): void;
  /** Removes one aborted load from `slot` of queued batch `seq`; true when the slot died. */
  release(seq: number, slot: number): boolean;
  /** Drops every batch not started; returns the number of loads dropped. */
  clear(): number;
  /** Counters and current levels. */
  stats(): AccumulatorStats;
}
