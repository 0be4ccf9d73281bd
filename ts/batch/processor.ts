/**
 * BatchProcessor: accumulates concurrent loads, sends them to `execute` in
 * batches and hands every caller its own result. JavaScript holds the
 * promises, timers and results; the accumulator (native or its JS twin)
 * makes every slot, dedupe, byte, trigger and bound decision.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { checkInteger, checkNumber, checkOptionalBoolean, checkOptionalSignal, checkOptionsObject, checkKnownKeys, describe } from '../common/validate.js';
import { implementation, requireNativeBinding, type Implementation } from '../native/index.js';
import type { Accumulator, KeyId } from './accumulator.js';
import { BatchState } from './batch-state.js';
import { JsAccumulator } from './js-accumulator.js';
import { NativeAccumulator } from './native-accumulator.js';
import { resolveOptions, type BatchProcessorOptions, type ResolvedOptions } from './options.js';
import {
  NEW_SLOT,
  REJECT_QUEUE_FULL,
  SEALED_AFTER,
  SEALED_BEFORE,
  SLOT_SHIFT,
  STAGE_STRIDE,
  SealReason,
  type SealReasonValue,
} from './protocol.js';
import type { BatchStats } from './stats.js';
import { ManyGroup, SignalGroup, SignalWaiter, settleWaiter } from './waiters.js';

/** Options of `load()`. */
export interface BatchLoadOptions {
  /** Aborting it rejects this call with ERR_ABORTED and removes only this caller. */
  signal?: AbortSignal;
}

/** Options of `close()`. */
export interface BatchCloseOptions {
  /** Execute what is queued (true, default) or reject it with ERR_CLOSED (false). */
  flush?: boolean;
  /** How long to wait for `execute` calls to settle before rejecting their callers with ERR_TIMEOUT. Default 10000. */
  timeoutMs?: number;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** Keys of one loadMany() handed to the accumulator per call. */
const MANY_CHUNK = 256;
const resolvedPromise = Promise.resolve();

// The executor of every load promise writes its resolvers here, so that a
// load allocates no closure of its own.
let capturedResolve: (value: unknown) => void = () => {};
let capturedReject: (reason: unknown) => void = () => {};
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

let forcedImplementation: Implementation | null = null;

/** Constructs with a given implementation (for ts/batch/internal.ts). */
export function constructWith<T>(chosen: Implementation, build: () => T): T {
  forcedImplementation = chosen;
  try {
    return build();
  } finally {
    forcedImplementation = null;
  }
}

function createAccumulator(chosen: Implementation, options: ResolvedOptions<unknown, unknown>): Accumulator {
  return chosen === 'native' ? new NativeAccumulator(requireNativeBinding(), options.limits) : new JsAccumulator(options.limits);
}

function argName(index: number): string {
  return index < 0 ? 'key' : `keys[${index}]`;
}

function closedError(): TierCacheError {
  return new TierCacheError(ErrorCode.CLOSED, 'the BatchProcessor is closed');
}

function abortError(signal: AbortSignal): TierCacheError {
  return new TierCacheError(ErrorCode.ABORTED, 'the load was aborted', { cause: signal.reason });
}

/**
 * Request batching: see docs/batch.md. `K` is the key type, `V` the result type.
 *
 * @example
 * const users = new BatchProcessor<string, User>({
 *   execute: async (ids) => new Map((await db.users.findMany(ids)).map((u) => [u.id, u])),
 *   maxBatchSize: 100,
 * });
 * const user = await users.load('42');
 */
export class BatchProcessor<K, V> {
  /** The implementation this process uses ('native' or 'js'); TIERCACHE_IMPL=js|native forces it. */
  static readonly implementation: Implementation = implementation;

  /** The implementation of this instance. */
  readonly implementation: Implementation;

  private readonly execute: ResolvedOptions<K, V>['execute'];
  private readonly maxWaitMs: number | undefined;
  private readonly keyOf: ((key: K) => string | number) | undefined;
  private readonly sizeOf: ((key: K) => number) | undefined;
  private readonly dedupe: boolean;
  private readonly acc: Accumulator;

  // Loads not yet handed to the accumulator (at most stageCapacity).
  private readonly stageCapacity: number;
  /** Initial capacity of a batch's arrays: the waiters of the last batch run. */
  private batchHint = 16;
  private readonly stage: Float64Array;
  private readonly stageIds: KeyId[];
  /** What the accumulator reads identities from: the keys themselves unless keyOf is set. */
  private readonly stageIdSource: KeyId[];
  private readonly stageKeys: (K | undefined)[];
  private readonly stageA: unknown[];
  private readonly stageB: unknown[];
  private staged = 0;
  private drainScheduled = false;

  // The mirror of the accumulator's batches.
  private open: BatchState<K> | null = null;
  private nextSeq = 0;
  private ready: BatchState<K>[] = [];
  private readyHead = 0;
  private readonly running = new Set<BatchState<K>>();

  private tickScheduled = false;
  private pumpScheduled = false;
  private windowTimer: NodeJS.Timeout | null = null;
  private windowBatch: BatchState<K> | null = null;

  private closed = false;
  private closePromise: Promise<void> | null = null;
  private closeResolve: (() => void) | null = null;
  private closeTimer: NodeJS.Timeout | null = null;

  private readonly signalGroups = new WeakMap<AbortSignal, SignalGroup>();
  private aborted = 0;
  private rejectedClosed = 0;
  private failedBatches = 0;

  private readonly drainBound = (): void => {
    this.drainScheduled = false;
    this.drain();
  };
  private readonly tickThenBound = (): void => {
    process.nextTick(this.tickBound);
  };
  private readonly tickBound = (): void => this.onTick();
  private readonly pumpBound = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };
  private readonly windowBound = (): void => this.onWindow();
  private readonly abortBound = (waiter: SignalWaiter): void => this.onAbort(waiter);

  constructor(options: BatchProcessorOptions<K, V>) {
    const resolved = resolveOptions<K, V>(options);
    this.execute = resolved.execute;
    this.maxWaitMs = resolved.maxWaitMs;
    this.keyOf = resolved.keyOf;
    this.sizeOf = resolved.sizeOf;
    this.dedupe = resolved.limits.dedupe;
    this.implementation = forcedImplementation ?? implementation;
    this.acc = createAccumulator(this.implementation, resolved as ResolvedOptions<unknown, unknown>);
    this.stageCapacity = this.acc.stageCapacity;
    this.stage = new Float64Array(Math.max(this.stageCapacity, MANY_CHUNK) * STAGE_STRIDE);
    this.stageIds = new Array<KeyId>(this.stageCapacity).fill(undefined);
    this.stageKeys = new Array<K | undefined>(this.stageCapacity).fill(undefined);
    this.stageA = new Array<unknown>(this.stageCapacity).fill(undefined);
    this.stageB = new Array<unknown>(this.stageCapacity).fill(undefined);
    this.stageIdSource = this.keyOf === undefined ? (this.stageKeys as unknown as KeyId[]) : this.stageIds;
  }

  /**
   * Loads one key through the next batch. Resolves with its result; rejects
   * with the Error `execute` returned for it, ERR_BATCH_EXECUTE_FAILED or
   * ERR_BATCH_INVALID_RESULT (the whole batch failed), ERR_BATCH_NOT_RETURNED,
   * ERR_BATCH_QUEUE_FULL / ERR_BATCH_ITEM_TOO_LARGE (refused), ERR_ABORTED or
   * ERR_CLOSED. Throws TypeError/RangeError for a key it cannot identify or size.
   */
  load(key: K, options?: BatchLoadOptions): Promise<V> {
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      const o = checkOptionsObject(options, 'options');
      checkKnownKeys(o, 'options', ['signal']);
      signal = checkOptionalSignal(o.signal, 'options.signal');
    }
    const id = this.identify(key, -1);
    const size = this.sizeOf === undefined ? 0 : this.measure(key, -1);
    if (this.closed) {
      this.rejectedClosed++;
      return Promise.reject(closedError());
    }
    const promise = new Promise<V>(capture as (resolve: (value: V) => void, reject: (reason: unknown) => void) => void);
    if (signal === undefined) {
      this.push(key, id, size, capturedResolve, capturedReject);
    } else if (signal.aborted) {
      this.aborted++;
      capturedReject(abortError(signal));
    } else {
      const group = this.signalGroups.get(signal) ?? new SignalGroup(signal, this.signalGroups, this.abortBound);
      this.push(key, id, size, new SignalWaiter(capturedResolve, capturedReject, group), null);
    }
    return promise;
  }

  /**
   * Loads many keys through the batches (duplicates included). Never
   * rejects: each position holds the key's result or its Error. Throws
   * TypeError/RangeError, before loading anything, for a key it cannot
   * identify or size.
   */
  loadMany(keys: readonly K[]): Promise<Array<V | Error>> {
    if (!Array.isArray(keys)) throw new TypeError(`keys must be an array, got ${describe(keys)}`);
    const n = keys.length;
    let ids: KeyId[] | null = null;
    let sizes: number[] | null = null;
    if (this.keyOf !== undefined && this.dedupe) {
      ids = new Array<KeyId>(n);
      for (let i = 0; i < n; i++) ids[i] = this.identify(keys[i], i);
    } else if (this.dedupe) {
      for (let i = 0; i < n; i++) this.identify(keys[i], i);
    }
    if (this.sizeOf !== undefined) {
      sizes = new Array<number>(n);
      for (let i = 0; i < n; i++) sizes[i] = this.measure(keys[i], i);
    }
    if (this.closed) {
      this.rejectedClosed += n;
      return Promise.resolve(Array.from({ length: n }, closedError));
    }
    if (n === 0) return Promise.resolve([]);
    const promise = new Promise<Array<V | Error>>(capture as (resolve: (value: Array<V | Error>) => void) => void);
    const group = new ManyGroup(n, capturedResolve as (results: unknown[]) => void);
    // Earlier load() calls reach the accumulator first; then the keys go in
    // chunks straight from the caller's array, without the per-load stage.
    this.drain();
    const source = ids ?? (keys as unknown as KeyId[]);
    const stage = this.stage;
    let sealed = false;
    for (let from = 0; from < n; from += MANY_CHUNK) {
      const count = Math.min(MANY_CHUNK, n - from);
      if (sizes !== null) for (let i = 0; i < count; i++) stage[i * STAGE_STRIDE + 2] = sizes[from + i];
      try {
        this.acc.ingest(source, from, stage, count);
      } catch (err) {
        for (let i = 0; i < count; i++) group.put(from + i, err);
        continue;
      }
      for (let i = 0; i < count; i++) {
        if (this.place(stage[i * STAGE_STRIDE], keys[from + i], group, from + i)) sealed = true;
      }
    }
    if (sealed) this.schedulePump();
    this.scheduleTick();
    return promise;
  }

  /**
   * Sends the open batch now and resolves once every batch sealed so far
   * (including those waiting for an in-flight slot) has settled.
   */
  flush(): Promise<void> {
    this.drain();
    this.sealOpen(SealReason.manual);
    this.pump();
    const pending: BatchState<K>[] = [...this.ready.slice(this.readyHead), ...this.running];
    if (pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = pending.length;
      const done = (): void => {
        if (--left === 0) resolve();
      };
      for (const batch of pending) batch.whenSettled(done);
    });
  }

  /**
   * Stops accepting loads (they reject with ERR_CLOSED) and finishes what is
   * open: by default its batches are executed; with `flush: false` their
   * callers are rejected with ERR_CLOSED. Resolves once every caller has
   * settled and no timer is left. Callers of an `execute` that has not
   * settled after `timeoutMs` are rejected with ERR_TIMEOUT.
   */
  close(options?: BatchCloseOptions): Promise<void> {
    const o = checkOptionsObject(options, 'options');
    checkKnownKeys(o, 'options', ['flush', 'timeoutMs']);
    const flush = checkOptionalBoolean(o.flush, 'options.flush', true);
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_CLOSE_TIMEOUT_MS : checkNumber(o.timeoutMs, 'options.timeoutMs', 0, 2 ** 31 - 1);
    if (this.closePromise !== null) return this.closePromise;
    this.closed = true;
    this.closePromise = new Promise((resolve) => {
      this.closeResolve = resolve;
    });
    this.drain();
    this.clearWindow();
    if (flush) {
      this.sealOpen(SealReason.close);
      this.pump();
    } else {
      this.acc.clear();
      const dropped = this.ready.slice(this.readyHead);
      if (this.open !== null) dropped.push(this.open);
      this.open = null;
      this.ready = [];
      this.readyHead = 0;
      for (const batch of dropped) {
        this.failWaiters(batch, closedError);
        batch.markSettled();
      }
    }
    if (!this.settleCloseIfIdle()) {
      this.closeTimer = setTimeout(() => this.giveUp(timeoutMs), timeoutMs);
    }
    return this.closePromise;
  }

  /** Counters and current levels (see {@link BatchStats}). */
  stats(): BatchStats {
    this.drain();
    const s = this.acc.stats();
    return {
      implementation: this.implementation,
      loads: s.loads,
      deduped: s.deduped,
      batches: s.batches,
      items: s.items,
      meanBatchSize: s.batches === 0 ? 0 : s.items / s.batches,
      maxBatchSize: s.maxBatchItems,
      flushes: {
        size: s.flushSize,
        bytes: s.flushBytes,
        oversize: s.flushOversize,
        time: s.flushTime,
        tick: s.flushTick,
        manual: s.flushManual,
        close: s.flushClose,
      },
      rejected: {
        queueFull: s.rejectedQueueFull,
        tooLarge: s.rejectedTooLarge,
        aborted: this.aborted,
        closed: this.rejectedClosed,
      },
      failedBatches: this.failedBatches,
      inFlight: s.inFlight,
      queued: s.queued,
      queuedBytes: s.queuedBytes,
      queuedBatches: s.queuedBatches,
      openItems: s.openItems,
      closed: this.closed,
    };
  }

  // ---- accepting loads -------------------------------------------------

  /** The dedupe identity of `key`; `index` is its position in loadMany's keys, -1 for load(). */
  private identify(key: K, index: number): KeyId {
    if (!this.dedupe) return undefined;
    const keyOf = this.keyOf;
    if (keyOf === undefined) {
      if (typeof key === 'string' || typeof key === 'number') return key;
      throw new TypeError(`${argName(index)} must be a string or a number, got ${describe(key)}; set options.keyOf to identify other keys`);
    }
    const id = keyOf(key);
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new TypeError(`options.keyOf must return a string or a number, got ${describe(id)} for ${argName(index)}`);
    }
    return id;
  }

  private measure(key: K, index: number): number {
    const size = (this.sizeOf as (key: K) => number)(key);
    if (Number.isInteger(size) && size >= 0 && size <= Number.MAX_SAFE_INTEGER) return size;
    return checkInteger(size, `options.sizeOf(${argName(index)})`, 0);
  }

  private push(key: K, id: KeyId, size: number, a: unknown, b: unknown): void {
    const i = this.staged++;
    this.stageKeys[i] = key;
    if (this.keyOf !== undefined) this.stageIds[i] = id;
    this.stage[i * STAGE_STRIDE + 2] = size;
    this.stageA[i] = a;
    this.stageB[i] = b;
    this.scheduleTick();
    if (this.staged === this.stageCapacity) {
      this.drain();
    } else if (!this.drainScheduled) {
      // Decisions (and so queue-full rejections) apply by the end of this
      // synchronous run at the latest.
      this.drainScheduled = true;
      // Not queueMicrotask: Node wraps each of those in an AsyncResource.
      void resolvedPromise.then(this.drainBound);
    }
  }

  /** Without a window, the open batch is sealed at the end of the tick in which it opened. */
  private scheduleTick(): void {
    if (this.maxWaitMs === undefined && !this.tickScheduled) {
      this.tickScheduled = true;
      void resolvedPromise.then(this.tickThenBound);
    }
  }

  /** Hands the staged loads to the accumulator and applies its decisions. */
  private drain(): void {
    const n = this.staged;
    if (n === 0) return;
    this.staged = 0;
    const stage = this.stage;
    const keys = this.stageKeys;
    const stageA = this.stageA;
    const stageB = this.stageB;
    try {
      this.acc.ingest(this.stageIdSource, 0, stage, n);
    } catch (err) {
      for (let i = 0; i < n; i++) {
        settleWaiter(stageA[i], stageB[i], err, true);
        stageA[i] = stageB[i] = keys[i] = this.stageIds[i] = undefined;
      }
      return;
    }
    let sealed = false;
    for (let i = 0; i < n; i++) {
      if (this.place(stage[i * STAGE_STRIDE], keys[i] as K, stageA[i], stageB[i])) sealed = true;
      stageA[i] = stageB[i] = keys[i] = this.stageIds[i] = undefined;
    }
    if (sealed) this.schedulePump();
  }

  /** Applies one decision: rejects the waiter, or records it in its slot. True when a batch was sealed. */
  private place(d: number, key: K, a: unknown, b: unknown): boolean {
    if (d < 0) {
      const full = d === REJECT_QUEUE_FULL;
      const error = full
        ? new TierCacheError(ErrorCode.BATCH_QUEUE_FULL, 'the batch queue is full (maxQueued or maxQueuedBytes reached)')
        : new TierCacheError(ErrorCode.BATCH_ITEM_TOO_LARGE, 'the item is larger than maxBatchBytes (oversize: reject) or maxQueuedBytes');
      settleWaiter(a, b, error, true);
      return false;
    }
    let sealed = false;
    if ((d & SEALED_BEFORE) !== 0) {
      this.mirrorSeal();
      sealed = true;
    }
    const batch = this.open ?? this.openBatch();
    const slot = d >>> SLOT_SHIFT;
    if ((d & NEW_SLOT) !== 0) {
      batch.keys[slot] = key;
      if (batch.deadCount !== 0) batch.revive(slot);
    }
    const w = batch.waiters++;
    batch.waitA[w] = a;
    batch.waitB[w] = b;
    batch.waitSlot[w] = slot;
    if (b === null) {
      const waiter = a as SignalWaiter;
      waiter.batch = batch;
      waiter.index = w;
      waiter.slot = slot;
    }
    if ((d & SEALED_AFTER) !== 0) {
      this.mirrorSeal();
      sealed = true;
    }
    return sealed;
  }

  private openBatch(): BatchState<K> {
    const batch = new BatchState<K>(this.nextSeq++, this.batchHint);
    this.open = batch;
    if (this.maxWaitMs !== undefined && !this.closed) {
      batch.openedAt = performance.now();
      if (this.windowTimer === null) {
        this.windowBatch = batch;
        this.windowTimer = setTimeout(this.windowBound, this.maxWaitMs);
      }
    }
    return batch;
  }

  private mirrorSeal(): void {
    this.ready.push(this.open as BatchState<K>);
    this.open = null;
  }

  private sealOpen(reason: SealReasonValue): void {
    if (this.acc.seal(reason)) this.mirrorSeal();
  }

  // ---- triggers ----------------------------------------------------------

  private onTick(): void {
    this.tickScheduled = false;
    this.drain();
    this.sealOpen(SealReason.tick);
    this.pump();
  }

  private onWindow(): void {
    this.windowTimer = null;
    this.drain();
    const open = this.open;
    if (open === null) return;
    const left = open === this.windowBatch ? 0 : open.openedAt + (this.maxWaitMs as number) - performance.now();
    if (left <= 0) {
      this.sealOpen(SealReason.time);
      this.pump();
    } else {
      // The batch this timer was armed for was sealed early; wait out the rest of the current one's window.
      this.windowBatch = open;
      this.windowTimer = setTimeout(this.windowBound, left);
    }
  }

  private clearWindow(): void {
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    this.windowTimer = null;
    this.windowBatch = null;
  }

  // ---- running batches ---------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    void resolvedPromise.then(this.pumpBound);
  }

  /** Starts sealed batches while the accumulator grants in-flight slots. */
  private pump(): void {
    this.drain();
    while (this.readyHead < this.ready.length) {
      const live = this.acc.startNext();
      if (live < 0) break;
      const batch = this.ready[this.readyHead];
      this.ready[this.readyHead++] = undefined as unknown as BatchState<K>;
      if (this.readyHead > 64 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      if (live === 0) batch.markSettled();
      else this.run(batch);
    }
    this.settleCloseIfIdle();
  }

  private run(batch: BatchState<K>): void {
    batch.state = 'running';
    this.batchHint = Math.min(Math.max(batch.waiters, 8), 4096);
    this.running.add(batch);
    const { keys, indexOfSlot } = batch.liveKeys();
    let result: unknown;
    try {
      result = (0, this.execute)(keys);
    } catch (err) {
      void resolvedPromise.then(() => this.onFailure(batch, keys.length, err));
      return;
    }
    Promise.resolve(result).then(
      (values) => this.onResults(batch, keys, indexOfSlot, values),
      (err: unknown) => this.onFailure(batch, keys.length, err),
    );
  }

  private finishRun(batch: BatchState<K>): boolean {
    this.drain();
    this.acc.complete();
    this.running.delete(batch);
    const abandoned = batch.abandoned;
    batch.markSettled();
    return !abandoned;
  }

  private onFailure(batch: BatchState<K>, count: number, err: unknown): void {
    if (this.finishRun(batch)) {
      this.failedBatches++;
      const reason = err instanceof Error ? err.message : describe(err);
      const error = new TierCacheError(ErrorCode.BATCH_EXECUTE_FAILED, `execute failed for a batch of ${count} keys: ${reason}`, { cause: err });
      this.failWaiters(batch, () => error);
    }
    this.pump();
  }

  private onResults(batch: BatchState<K>, keys: K[], indexOfSlot: Int32Array | null, values: unknown): void {
    if (this.finishRun(batch)) {
      try {
        this.distribute(batch, keys, indexOfSlot, values);
      } catch (err) {
        // keyOf threw while matching a returned Map: nobody may be left hanging.
        this.failedBatches++;
        const error = new TierCacheError(ErrorCode.BATCH_INVALID_RESULT, `could not match the results of execute: ${describe(err instanceof Error ? err.message : err)}`, { cause: err });
        this.failWaiters(batch, () => error);
      }
    }
    this.pump();
  }

  private distribute(batch: BatchState<K>, keys: K[], indexOfSlot: Int32Array | null, values: unknown): void {
    let bySlot: ArrayLike<unknown>;
    if (Array.isArray(values)) {
      if (values.length !== keys.length) {
        this.failedBatches++;
        const error = new TierCacheError(
          ErrorCode.BATCH_INVALID_RESULT,
          `execute returned ${values.length} results for ${keys.length} keys; return one result per key in key order, or a Map`,
        );
        this.failWaiters(batch, () => error);
        return;
      }
      bySlot = values;
    } else if (values instanceof Map) {
      bySlot = this.resultsFromMap(keys, values);
    } else {
      this.failedBatches++;
      const error = new TierCacheError(
        ErrorCode.BATCH_INVALID_RESULT,
        `execute must resolve to an array or a Map, got ${describe(values)}`,
      );
      this.failWaiters(batch, () => error);
      return;
    }
    const A = batch.waitA;
    const B = batch.waitB;
    const S = batch.waitSlot;
    for (let w = 0; w < batch.waiters; w++) {
      const a = A[w];
      if (a === undefined) continue;
      const slot = S[w];
      const value = bySlot[indexOfSlot === null ? slot : indexOfSlot[slot]];
      settleWaiter(a, B[w], value, value instanceof Error);
    }
  }

  private resultsFromMap(keys: K[], map: Map<unknown, unknown>): unknown[] {
    const out = new Array<unknown>(keys.length);
    const keyOf = this.keyOf;
    let lookup: Map<unknown, unknown> = map;
    if (keyOf !== undefined) {
      lookup = new Map();
      for (const [k, v] of map) {
        let id: unknown;
        try {
          id = keyOf(k as K);
        } catch {
          continue;
        }
        lookup.set(id, v);
      }
    }
    for (let i = 0; i < keys.length; i++) {
      const probe = keyOf === undefined ? keys[i] : keyOf(keys[i]);
      out[i] = lookup.has(probe)
        ? lookup.get(probe)
        : new TierCacheError(ErrorCode.BATCH_NOT_RETURNED, `execute returned no result for key ${describe(keys[i])}`);
    }
    return out;
  }

  /** Rejects every waiter still in `batch` with `make()` (loadMany positions get it as their result). */
  private failWaiters(batch: BatchState<K>, make: () => Error): void {
    const A = batch.waitA;
    const B = batch.waitB;
    for (let w = 0; w < batch.waiters; w++) {
      const a = A[w];
      if (a === undefined) continue;
      A[w] = undefined;
      settleWaiter(a, B[w], make(), true);
    }
  }

  // ---- abort and close -----------------------------------------------------

  private onAbort(waiter: SignalWaiter): void {
    this.drain();
    if (waiter.done) return;
    const batch = waiter.batch as BatchState<K> | null;
    if (batch !== null) {
      if (batch.state === 'queued' && this.acc.release(batch.seq, waiter.slot)) batch.markDead(waiter.slot);
      batch.waitA[waiter.index] = undefined;
    }
    this.aborted++;
    waiter.settle(abortError(waiter.signal), true);
  }

  /** Resolves close() once nothing is open, queued, staged or running. */
  private settleCloseIfIdle(): boolean {
    if (this.closeResolve === null) return false;
    if (this.open !== null || this.readyHead < this.ready.length || this.running.size > 0 || this.staged > 0) return false;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    const resolve = this.closeResolve;
    this.closeResolve = null;
    resolve();
    return true;
  }

  private giveUp(timeoutMs: number): void {
    this.closeTimer = null;
    const error = (): TierCacheError =>
      new TierCacheError(ErrorCode.TIMEOUT, `close() stopped waiting for execute after ${timeoutMs} ms`);
    this.acc.clear();
    const pending = [...this.ready.slice(this.readyHead), ...this.running];
    if (this.open !== null) pending.push(this.open);
    this.open = null;
    this.ready = [];
    this.readyHead = 0;
    for (const batch of pending) {
      this.failWaiters(batch, error);
      if (batch.state === 'running') {
        batch.abandoned = true;
      } else {
        batch.markSettled();
      }
    }
    this.running.clear();
    const resolve = this.closeResolve;
    this.closeResolve = null;
    resolve?.();
  }
}
