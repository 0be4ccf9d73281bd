/** What `BatchProcessor.stats()` reports. */
import type { Implementation } from '../native/index.js';

/** Counters since construction and current levels of one BatchProcessor. */
export interface BatchStats {
  /** Which accumulator this instance uses. */
  implementation: Implementation;
  /** Loads accepted (each key of `loadMany` counts; duplicates included). */
  loads: number;
  /** Loads that joined an identical key's slot in the open batch. */
  deduped: number;
  /** `execute` calls made. */
  batches: number;
  /** Keys sent to `execute`, over all batches. */
  items: number;
  /** items / batches (0 before the first batch). */
  meanBatchSize: number;
  /** The most keys sent in one batch. */
  maxBatchSize: number;
  /** Batches sealed, by reason. */
  flushes: { size: number; bytes: number; oversize: number; time: number; tick: number; manual: number; close: number };
  /** Loads refused or cancelled, by reason. */
  rejected: { queueFull: number; tooLarge: number; aborted: number; closed: number };
  /** Batches whose `execute` threw, rejected or returned an invalid result. */
  failedBatches: number;
  /** `execute` calls running now. */
  inFlight: number;
  /** Loads accumulated and not yet executing. */
  queued: number;
  /** Bytes of the distinct keys accumulated and not yet executing. */
  queuedBytes: number;
  /** Sealed batches waiting for an in-flight slot. */
  queuedBatches: number;
  /** Distinct keys in the open batch. */
  openItems: number;
  /** Whether close() was called. */
  closed: boolean;
}
