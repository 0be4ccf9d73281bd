/**
 * The pure-JS twin of crates/core/src/batch/accumulator.rs. Every branch
 * mirrors the Rust code in the same order, so both make the same decisions
 * (checked by __test__/batch-differential.test.ts). Keys are compared as a
 * JavaScript Map compares them, which is what the Rust index reproduces.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { Accumulator, AccumulatorLimits, AccumulatorStats, KeyId } from './accumulator.js';
import {
  NEW_SLOT,
  REJECT_QUEUE_FULL,
  REJECT_TOO_LARGE,
  SEALED_AFTER,
  SEALED_BEFORE,
  SLOT_LIMIT,
  SLOT_SHIFT,
  STAGE_STRIDE,
  SealReason,
  type SealReasonValue,
} from './protocol.js';

class JsBatch {
  readonly waiters: number[] = [];
  readonly sizes: number[] = [];
  /** Slots used in `waiters`/`sizes` (the arrays are reused when the batch is recycled). */
  positions = 0;
  live = 0;
  bytes = 0;
  waiting = 0;

  constructor(public seq: number) {}

  reset(seq: number): void {
    this.seq = seq;
    this.positions = 0;
    this.live = 0;
    this.bytes = 0;
    this.waiting = 0;
  }
}

const POOL_LIMIT = 16;

function invalidState(message: string): TierCacheError {
  return new TierCacheError(ErrorCode.INVALID_STATE, message);
}

/** The pure-JS accumulator (see the module docs). */
export class JsAccumulator implements Accumulator {
  readonly stageCapacity = 256;
  private readonly limits: AccumulatorLimits;
  private open = new JsBatch(0);
  private readonly index = new Map<string | number, number>();
  private readonly pool: JsBatch[] = [];
  private ready: JsBatch[] = [];
  private readyHead = 0;
  private inFlight = 0;
  private queued = 0;
  private queuedBytes = 0;
  private loads = 0;
  private deduped = 0;
  private batches = 0;
  private items = 0;
  private maxBatchItems = 0;
  private readonly flushes = [0, 0, 0, 0, 0, 0, 0];
  private rejectedQueueFull = 0;
  private rejectedTooLarge = 0;

  constructor(limits: AccumulatorLimits) {
    this.limits = limits;
  }

  ingest(ids: readonly KeyId[], from: number, stage: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const size = stage[i * STAGE_STRIDE + 2];
      if (!(Number.isInteger(size) && size >= 0 && size <= Number.MAX_SAFE_INTEGER)) {
        throw new TierCacheError(
          'ERR_INVALID_ARG_VALUE',
          `size of load ${i} must be an integer between 0 and ${Number.MAX_SAFE_INTEGER}, got ${size}`,
        );
      }
    }
    for (let i = 0; i < count; i++) {
      stage[i * STAGE_STRIDE] = this.add(ids[from + i], stage[i * STAGE_STRIDE + 2]);
    }
  }

  /** Decides one load (see `Accumulator::add` in Rust). */
  add(id: KeyId, size: number): number {
    const key = this.limits.dedupe ? id : undefined;
    let revive = -1;
    if (key !== undefined) {
      const slot = this.index.get(key);
      if (slot !== undefined) {
        if (this.open.waiters[slot] > 0) return this.join(slot);
        revive = slot;
      }
    }
    const limits = this.limits;
    const oversize = size > limits.maxBatchBytes;
    if ((oversize && limits.rejectOversize) || size > limits.maxQueuedBytes) {
      this.rejectedTooLarge++;
      return REJECT_TOO_LARGE;
    }
    if (this.queued >= limits.maxQueued || size > limits.maxQueuedBytes - this.queuedBytes) {
      this.rejectedQueueFull++;
      return REJECT_QUEUE_FULL;
    }
    let flags = NEW_SLOT;
    if (oversize) {
      if (this.seal(SealReason.bytes)) flags |= SEALED_BEFORE;
      const slot = this.occupy(undefined, size);
      this.seal(SealReason.oversize);
      return (slot << SLOT_SHIFT) | flags | SEALED_AFTER;
    }
    if (size > limits.maxBatchBytes - this.open.bytes && this.seal(SealReason.bytes)) {
      flags |= SEALED_BEFORE;
      revive = -1;
    }
    let slot: number;
    if (revive >= 0) {
      slot = revive;
      this.open.waiters[slot] = 1;
      this.open.sizes[slot] = size;
      this.countNewSlot(size);
    } else {
      slot = this.occupy(key, size);
    }
    let sealed: boolean;
    if (this.open.live >= limits.maxBatchSize || this.open.positions >= SLOT_LIMIT) {
      sealed = this.seal(SealReason.size);
    } else {
      sealed = this.open.bytes === limits.maxBatchBytes && this.seal(SealReason.bytes);
    }
    if (sealed) flags |= SEALED_AFTER;
    return (slot << SLOT_SHIFT) | flags;
  }

  private join(slot: number): number {
    if (this.queued >= this.limits.maxQueued) {
      this.rejectedQueueFull++;
      return REJECT_QUEUE_FULL;
    }
    this.open.waiters[slot]++;
    this.open.waiting++;
    this.queued++;
    this.loads++;
    this.deduped++;
    return slot << SLOT_SHIFT;
  }

  private occupy(key: string | number | undefined, size: number): number {
    const open = this.open;
    const slot = open.positions++;
    open.waiters[slot] = 1;
    open.sizes[slot] = size;
    if (key !== undefined) this.index.set(key, slot);
    this.countNewSlot(size);
    return slot;
  }

  private countNewSlot(size: number): void {
    this.open.live++;
    this.open.bytes += size;
    this.open.waiting++;
    this.queued++;
    this.queuedBytes += size;
    this.loads++;
  }

  seal(reason: SealReasonValue): boolean {
    if (this.open.positions === 0) return false;
    if (this.open.live > 0) this.flushes[reason]++;
    this.ready.push(this.open);
    this.open = this.freshBatch(this.open.seq + 1);
    // Measured: clearing per batch beats keeping a larger, tagged index.
    this.index.clear();
    return true;
  }

  private freshBatch(seq: number): JsBatch {
    const batch = this.pool.pop();
    if (batch === undefined) return new JsBatch(seq);
    batch.reset(seq);
    return batch;
  }

  private recycle(batch: JsBatch): void {
    if (this.pool.length < POOL_LIMIT) this.pool.push(batch);
  }

  startNext(): number {
    if (this.readyHead === this.ready.length || this.inFlight >= this.limits.maxInFlight) return -1;
    const batch = this.ready[this.readyHead++];
    if (this.readyHead > 64 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    this.queued -= batch.waiting;
    this.queuedBytes -= batch.bytes;
    const live = batch.live;
    if (live > 0) {
      this.inFlight++;
      this.batches++;
      this.items += live;
      if (live > this.maxBatchItems) this.maxBatchItems = live;
    }
    this.recycle(batch);
    return live;
  }

  complete(): void {
    if (this.inFlight === 0) throw invalidState('complete() called with no batch in flight');
    this.inFlight--;
  }

  release(seq: number, slot: number): boolean {
    const batch = this.findQueued(seq);
    if (batch === undefined) throw invalidState(`batch ${seq} is not queued`);
    if (!(slot >= 0 && slot < batch.positions)) throw invalidState(`batch ${seq} has no slot ${slot}`);
    if (batch.waiters[slot] === 0) throw invalidState(`slot ${slot} of batch ${seq} has no waiter`);
    batch.waiters[slot]--;
    batch.waiting--;
    this.queued--;
    if (batch.waiters[slot] > 0) return false;
    const size = batch.sizes[slot];
    batch.live--;
    batch.bytes -= size;
    this.queuedBytes -= size;
    return true;
  }

  private findQueued(seq: number): JsBatch | undefined {
    if (this.open.seq === seq) return this.open;
    let lo = this.readyHead;
    let hi = this.ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.ready[mid].seq;
      if (s === seq) return this.ready[mid];
      if (s < seq) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  clear(): number {
    const dropped = this.queued;
    this.ready = [];
    this.readyHead = 0;
    if (this.open.positions > 0) {
      this.open = this.freshBatch(this.open.seq + 1);
      this.index.clear();
    }
    this.queued = 0;
    this.queuedBytes = 0;
    return dropped;
  }

  stats(): AccumulatorStats {
    const f = this.flushes;
    return {
      loads: this.loads,
      deduped: this.deduped,
      batches: this.batches,
      items: this.items,
      maxBatchItems: this.maxBatchItems,
      flushSize: f[0],
      flushBytes: f[1],
      flushOversize: f[2],
      flushTime: f[3],
      flushTick: f[4],
      flushManual: f[5],
      flushClose: f[6],
      rejectedQueueFull: this.rejectedQueueFull,
      rejectedTooLarge: this.rejectedTooLarge,
      inFlight: this.inFlight,
      queued: this.queued,
      queuedBytes: this.queuedBytes,
      queuedBatches: this.ready.length - this.readyHead,
      openItems: this.open.live,
    };
  }
}
