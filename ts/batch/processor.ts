/**
 * BatchProcessor: accumulates concurrent loads, sends them to `execute` in
 * batches and hands every caller its own result. JavaScript holds the
 * promises, timers and results; the accumulator (native or its JS twin)
 * makes every slot, dedupe, byte, trigger and bound decision.
 */
import { plural } from '../common/plural.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { checkInteger, checkNumber, checkOptionalBoolean, checkOptionalSignal, checkOptionsObject, checkKnownKeys, describe } from '../common/validate.js';
import { implementation, requireNativeBinding, type Implementation } from '../native/index.js';
import { nowNs, type Registration } from '../metrics/index.js';
import type { Accumulator, KeyId } from './accumulator.js';
import { BatchState } from './batch-state.js';
import { JsAccumulator } from './js-accumulator.js';
import { NativeAccumulator } from './native-accumulator.js';
import { resolveOptions, type BatchProcessorOptions, type ResolvedOptions } from './options.js';
import { NEW_SLOT, REJECT_QUEUE_FULL, SEALED_AFTER, SEALED_BEFORE, SLOT_SHIFT, STAGE_STRIDE, SealReason, type SealReasonValue } from './protocol.js';
import { BatchRecorder, collectBatch } from './metrics.js';
import { distribute, failWaiters, resultsByKey } from './results.js';
import type { BatchStats } from './stats.js';
import { MANY, ManyGroup, ManySegment, SignalGroup, SignalWaiter, settleWaiter } from './waiters.js';

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
const SEALS = SEALED_BEFORE | SEALED_AFTER;
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

function refusalError(decision: number): TierCacheError {
  return decision === REJECT_QUEUE_FULL
    ? new TierCacheError(ErrorCode.BATCH_QUEUE_FULL, 'the batch queue is full (maxQueued or maxQueuedBytes reached)')
    : new TierCacheError(ErrorCode.BATCH_ITEM_TOO_LARGE, 'the item is larger than maxBatchBytes (oversize: reject) or maxQueuedBytes');
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
  /** Whether waiters carry an identity besides their key (keyOf set, dedupe on). */
  private readonly withIds: boolean;
  private readonly acc: Accumulator;
  /** Batch size and execute duration histograms; null without a metrics registry. */
  private readonly recorder: BatchRecorder | null;
  private readonly registration: Registration | null;

  /**
   * Scratch shared with the accumulator: the staged loads' sizes in, their
   * decisions out. The staged loads themselves are the undecided tail of
   * `open` (`staged === open.waiters - open.decided`).
   */
  private readonly stage: Float64Array;
  private readonly stageCapacity: number;
  private staged = 0;
  /** A microtask is queued that hands staged loads over, queues the tick seal and starts sealed batches. */
  private scheduled = false;
  private tickQueued = false;
  /** Initial capacity of a batch's arrays: the waiters of the last batch run. */
  private batchHint = 16;

  // The mirror of the accumulator's batches. `open` receives loads; its
  // `seq` is -1 until the accumulator accepted one of them.
  private open: BatchState<K> | null = null;
  private nextSeq = 0;
  private ready: BatchState<K>[] = [];
  private readyHead = 0;
  private readonly running = new Set<BatchState<K>>();

  private readonly clock: Clock;
  private windowTimer: TimerHandle | null = null;
  private windowBatch: BatchState<K> | null = null;

  private closed = false;
  private closePromise: Promise<void> | null = null;
  private closeResolve: (() => void) | null = null;
  private closeTimer: TimerHandle | null = null;

  private readonly signalGroups = new WeakMap<AbortSignal, SignalGroup>();
  private aborted = 0;
  private rejectedClosed = 0;
  private failedBatches = 0;

  private readonly microtaskBound = (): void => this.onMicrotask();
  private readonly tickBound = (): void => this.onTick();
  private readonly windowBound = (): void => this.onWindow();
  private readonly abortBound = (waiter: SignalWaiter): void => this.onAbort(waiter);

  constructor(options: BatchProcessorOptions<K, V>) {
    const resolved = resolveOptions<K, V>(options);
    this.execute = resolved.execute;
    this.maxWaitMs = resolved.maxWaitMs;
    this.clock = resolved.clock;
    this.keyOf = resolved.keyOf;
    this.sizeOf = resolved.sizeOf;
    this.dedupe = resolved.limits.dedupe;
    this.withIds = this.keyOf !== undefined && this.dedupe;
    this.implementation = forcedImplementation ?? implementation;
    this.acc = createAccumulator(this.implementation, resolved as ResolvedOptions<unknown, unknown>);
    this.stageCapacity = this.acc.stageCapacity;
    this.stage = new Float64Array(Math.max(this.stageCapacity, MANY_CHUNK) * STAGE_STRIDE);
    if (resolved.registry === null) {
      this.recorder = null;
      this.registration = null;
    } else {
      // The recorder, not the processor, is registered (held weakly): a dropped processor is collected.
      this.recorder = new BatchRecorder(() => this.stats());
      this.registration = resolved.registry.register(this.recorder, collectBatch, resolved.attributes);
    }
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
    const id = this.dedupe ? this.identify(key, -1) : undefined;
    const size = this.sizeOf === undefined ? 0 : this.measure(key, -1);
    if (this.closed) {
      this.rejectedClosed++;
      return Promise.reject(closedError());
    }
    const promise = new Promise<V>(capture as (resolve: (value: V) => void, reject: (reason: unknown) => void) => void);
    if (signal === undefined) {
      this.stageLoad(key, id, size, capturedResolve, capturedReject);
    } else if (signal.aborted) {
      this.aborted++;
      capturedReject(abortError(signal));
    } else {
      const group = this.signalGroups.get(signal) ?? new SignalGroup(signal, this.signalGroups, this.abortBound);
      this.stageLoad(key, id, size, new SignalWaiter(capturedResolve, capturedReject, group), null);
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
    if (this.withIds) {
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
    for (let from = 0; from < n; from += MANY_CHUNK) {
      const count = Math.min(MANY_CHUNK, n - from);
      if (sizes !== null) for (let i = 0; i < count; i++) stage[i * STAGE_STRIDE + 2] = sizes[from + i];
      try {
        this.acc.ingest(source, from, stage, count);
      } catch (err) {
        for (let i = 0; i < count; i++) group.put(from + i, err);
        continue;
      }
      this.placeMany(group, keys, from, count);
    }
    this.schedule();
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
      for (const batch of this.dropQueued()) {
        failWaiters(batch, closedError);
        batch.markSettled();
      }
    }
    // pump() may already have settled the close (nothing was open or running).
    if (this.closeResolve !== null && !this.settleCloseIfIdle()) {
      this.closeTimer = this.clock.setTimer(() => this.giveUp(timeoutMs), timeoutMs, true);
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

  /** The dedupe identity of `key` (dedupe on); `index` is its position in loadMany's keys, -1 for load(). */
  private identify(key: K, index: number): KeyId {
    const keyOf = this.keyOf;
    if (keyOf === undefined) {
      if (typeof key === 'string') return key;
      if (typeof key === 'number') {
        if (!Number.isNaN(key)) return key;
        throw new RangeError(`${argName(index)} must not be NaN (a failed number conversion?); a key is a string or a number`);
      }
      throw new TypeError(`${argName(index)} must be a string or a number, got ${describe(key)}; set options.keyOf to identify other keys`);
    }
    const id = keyOf(key);
    if (typeof id === 'string' || (typeof id === 'number' && !Number.isNaN(id))) return id;
    if (typeof id === 'number') throw new RangeError(`options.keyOf returned NaN for ${argName(index)}; return a string or a number other than NaN`);
    throw new TypeError(`options.keyOf must return a string or a number, got ${describe(id)} for ${argName(index)}`);
  }

  private measure(key: K, index: number): number {
    const size = (this.sizeOf as (key: K) => number)(key);
    if (Number.isInteger(size) && size >= 0 && size <= Number.MAX_SAFE_INTEGER) return size;
    return checkInteger(size, `options.sizeOf(${argName(index)})`, 0);
  }

  /** Appends an undecided waiter to the open batch; the accumulator decides it by the end of this synchronous run. */
  private stageLoad(key: K, id: KeyId, size: number, a: unknown, b: unknown): void {
    const batch = this.open ?? (this.open = new BatchState<K>(this.batchHint, this.withIds));
    // A signal waiter must learn its slot when decided.
    if (b === null) batch.materialize(batch.decided);
    const w = batch.waiters++;
    batch.waitA[w] = a;
    batch.waitB[w] = b;
    batch.waitKeys[w] = key;
    if (batch.waitIds !== null) batch.waitIds[w] = id;
    if (this.sizeOf !== undefined) this.stage[this.staged * STAGE_STRIDE + 2] = size;
    if (++this.staged === this.stageCapacity) this.drain();
    this.schedule();
  }

  /**
   * Queues the microtask that hands staged loads over (decisions, and so
   * queue-full rejections, apply by the end of this synchronous run at the
   * latest), queues the tick seal and starts sealed batches. Not
   * queueMicrotask: Node wraps each of those in an AsyncResource.
   */
  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      void resolvedPromise.then(this.microtaskBound);
    }
  }

  private onMicrotask(): void {
    this.scheduled = false;
    this.drain();
    // Without a window, the open batch is sealed at the end of the tick in
    // which it opened: after every promise callback of that tick.
    if (this.maxWaitMs === undefined && !this.tickQueued) {
      this.tickQueued = true;
      process.nextTick(this.tickBound);
    }
    if (this.readyHead < this.ready.length) this.pump();
  }

  /** Hands the staged loads to the accumulator and applies its decisions to the mirror. */
  private drain(): void {
    const n = this.staged;
    if (n === 0) return;
    this.staged = 0;
    let batch = this.open as BatchState<K>;
    let w = batch.decided;
    try {
      this.acc.ingest(batch.waitIds ?? (batch.waitKeys as KeyId[]), w, this.stage, n);
    } catch (err) {
      // Nothing was applied: every staged load fails with the error.
      for (; w < batch.waiters; w++) {
        const a = batch.waitA[w];
        const b = batch.waitB[w];
        batch.waitA[w] = batch.waitB[w] = batch.waitKeys[w] = undefined;
        settleWaiter(a, b, err, true);
      }
      batch.waiters = batch.decided;
      return;
    }
    const stage = this.stage;
    for (let i = 0; i < n; i++, w++) {
      const d = stage[i * STAGE_STRIDE];
      if (d < 0) {
        batch.materialize(w);
        const a = batch.waitA[w];
        const b = batch.waitB[w];
        batch.waitA[w] = batch.waitB[w] = undefined;
        batch.waitSlot[w] = -1;
        settleWaiter(a, b, refusalError(d), true);
        continue;
      }
      if ((d & SEALED_BEFORE) !== 0) {
        const next = batch.splitOff(w, this.batchHint);
        this.mirrorSeal(batch, next);
        batch = next;
        w = 0;
      }
      if (batch.identity && (d & ~SEALS) === ((w << SLOT_SHIFT) | NEW_SLOT)) {
        // The common case: a new key in the next slot.
        batch.positions = w + 1;
        if (w === 0) this.opened(batch);
      } else {
        batch.materialize(w);
        this.accept(batch, w, d);
      }
      if ((d & SEALED_AFTER) !== 0) {
        const next = w + 1 < batch.waiters ? batch.splitOff(w + 1, this.batchHint) : null;
        this.mirrorSeal(batch, next);
        if (next === null) return;
        batch = next;
        w = -1;
      }
    }
    batch.decided = batch.waiters;
  }

  /** Applies an accepted decision `d` to waiter `w` of `batch`. */
  private accept(batch: BatchState<K>, w: number, d: number): void {
    const slot = d >>> SLOT_SHIFT;
    if ((d & NEW_SLOT) !== 0) {
      if (slot === batch.positions) {
        if (batch.positions++ === 0) this.opened(batch);
      } else if (batch.deadCount !== 0) {
        batch.revive(slot);
      }
      batch.keys[slot] = batch.waitKeys[w] as K;
    }
    batch.waitSlot[w] = slot;
    if (batch.waitB[w] === null) {
      const waiter = batch.waitA[w] as SignalWaiter;
      waiter.batch = batch;
      waiter.index = w;
      waiter.slot = slot;
    }
  }

  /** Applies the decisions of `count` keys of a loadMany (positions `from..`), one segment per batch. */
  private placeMany(group: ManyGroup, keys: readonly K[], from: number, count: number): void {
    const stage = this.stage;
    let batch = this.open;
    let segment: ManySegment | null = null;
    for (let i = 0; i < count; i++) {
      const d = stage[i * STAGE_STRIDE];
      const at = from + i;
      if (d < 0) {
        group.put(at, refusalError(d));
        continue;
      }
      if ((d & SEALED_BEFORE) !== 0) {
        this.mirrorSeal(batch as BatchState<K>, null);
        batch = null;
        segment = null;
      }
      if (batch === null) batch = this.open = new BatchState<K>(this.batchHint, this.withIds);
      if (segment === null) {
        batch.materialize(batch.decided);
        segment = new ManySegment(group, at);
        const w = batch.waiters++;
        batch.waitA[w] = segment;
        batch.waitB[w] = MANY;
        batch.waitSlot[w] = -1;
        batch.decided = batch.waiters;
      }
      const slot = d >>> SLOT_SHIFT;
      if ((d & NEW_SLOT) !== 0) {
        if (slot === batch.positions) {
          if (batch.positions++ === 0) this.opened(batch);
        } else if (batch.deadCount !== 0) {
          batch.revive(slot);
        }
        batch.keys[slot] = keys[at];
      }
      segment.add(at, slot);
      if ((d & SEALED_AFTER) !== 0) {
        this.mirrorSeal(batch, null);
        batch = null;
        segment = null;
      }
    }
  }

  /** The accumulator accepted the first load of `batch`. */
  private opened(batch: BatchState<K>): void {
    batch.seq = this.nextSeq++;
    if (this.maxWaitMs !== undefined && !this.closed) {
      batch.openedAt = this.clock.now();
      if (this.windowTimer === null) {
        this.windowBatch = batch;
        this.windowTimer = this.clock.setTimer(this.windowBound, this.maxWaitMs, true);
      }
    }
  }

  /** The accumulator sealed `batch`; `next` (its split-off tail, or null) becomes the open one. */
  private mirrorSeal(batch: BatchState<K>, next: BatchState<K> | null): void {
    batch.decided = batch.waiters;
    this.ready.push(batch);
    this.open = next;
  }

  private sealOpen(reason: SealReasonValue): void {
    const open = this.open;
    if (open !== null && open.seq >= 0 && this.acc.seal(reason)) this.mirrorSeal(open, null);
  }

  // ---- triggers ----------------------------------------------------------

  private onTick(): void {
    this.tickQueued = false;
    this.drain();
    this.sealOpen(SealReason.tick);
    this.pump();
  }

  private onWindow(): void {
    this.windowTimer = null;
    this.drain();
    const open = this.open;
    if (open === null || open.seq < 0) return;
    const left = open === this.windowBatch ? 0 : open.openedAt + (this.maxWaitMs as number) - this.clock.now();
    if (left <= 0) {
      this.sealOpen(SealReason.time);
      this.pump();
    } else {
      // The batch this timer was armed for was sealed early; wait out the rest of the current one's window.
      this.windowBatch = open;
      this.windowTimer = this.clock.setTimer(this.windowBound, left, true);
    }
  }

  private clearWindow(): void {
    if (this.windowTimer !== null) this.clock.clearTimer(this.windowTimer);
    this.windowTimer = null;
    this.windowBatch = null;
  }

  // ---- running batches ---------------------------------------------------

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
    this.batchHint = Math.min(Math.max(batch.waiters, batch.positions, 8), 4096);
    this.running.add(batch);
    const live = batch.liveKeys();
    // Results are matched against our own copy: execute may keep or mutate its array.
    const keys = live === null ? batch.slotKeys() : live.keys;
    const indexOfSlot = live === null ? null : live.indexOfSlot;
    this.recorder?.sizes.record(keys.length);
    const startedAt = this.recorder === null ? 0 : nowNs();
    let result: unknown;
    try {
      result = (0, this.execute)(keys.slice());
    } catch (err) {
      void resolvedPromise.then(() => this.onFailure(batch, keys.length, err, startedAt));
      return;
    }
    Promise.resolve(result).then(
      (values) => this.onResults(batch, keys, indexOfSlot, values, startedAt),
      (err: unknown) => this.onFailure(batch, keys.length, err, startedAt),
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

  /** Records how long an execute call took (ok when `code` is null). */
  private recordExecute(startedAt: number, code: string | null): void {
    const r = this.recorder;
    if (r === null) return;
    const ns = nowNs() - startedAt;
    if (code === null) r.executeOk.record(ns);
    else r.failed(code, ns);
  }

  private onFailure(batch: BatchState<K>, count: number, err: unknown, startedAt: number): void {
    if (this.finishRun(batch)) {
      this.recordExecute(startedAt, ErrorCode.BATCH_EXECUTE_FAILED);
      this.failedBatches++;
      const reason = err instanceof Error ? err.message : describe(err);
      const error = new TierCacheError(ErrorCode.BATCH_EXECUTE_FAILED, `execute failed for a batch of ${plural(count, 'key')}: ${reason}`, { cause: err });
      failWaiters(batch, () => error);
    }
    this.pump();
  }

  private onResults(batch: BatchState<K>, keys: K[], indexOfSlot: Int32Array | null, values: unknown, startedAt: number): void {
    if (this.finishRun(batch)) {
      let bySlot: ArrayLike<unknown> | TierCacheError;
      try {
        bySlot = resultsByKey(keys, values, this.keyOf);
      } catch (err) {
        // keyOf threw while matching a returned Map: nobody may be left hanging.
        bySlot = new TierCacheError(ErrorCode.BATCH_INVALID_RESULT, `could not match the results of execute: ${describe(err instanceof Error ? err.message : err)}`, { cause: err });
      }
      this.recordExecute(startedAt, bySlot instanceof TierCacheError ? bySlot.code : null);
      if (bySlot instanceof TierCacheError) {
        this.failedBatches++;
        const error = bySlot;
        failWaiters(batch, () => error);
      } else {
        distribute(batch, bySlot, indexOfSlot);
      }
    }
    this.pump();
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

  /** Takes the open batch and every sealed batch not started out of the mirror. */
  private dropQueued(): BatchState<K>[] {
    const dropped = this.ready.slice(this.readyHead);
    if (this.open !== null) dropped.push(this.open);
    this.open = null;
    this.ready = [];
    this.readyHead = 0;
    return dropped;
  }

  /** Resolves close() once nothing is open, queued, staged or running. */
  private settleCloseIfIdle(): boolean {
    if (this.closeResolve === null) return false;
    const open = this.open;
    if ((open !== null && open.seq >= 0) || this.readyHead < this.ready.length || this.running.size > 0 || this.staged > 0) return false;
    if (this.closeTimer !== null) this.clock.clearTimer(this.closeTimer);
    this.closeTimer = null;
    const resolve = this.closeResolve;
    this.closeResolve = null;
    this.registration?.unregister();
    resolve();
    return true;
  }

  private giveUp(timeoutMs: number): void {
    this.closeTimer = null;
    const error = (): TierCacheError => new TierCacheError(ErrorCode.TIMEOUT, `close() stopped waiting for execute after ${timeoutMs} ms`);
    this.acc.clear();
    const pending = [...this.dropQueued(), ...this.running];
    for (const batch of pending) {
      failWaiters(batch, error);
      if (batch.state === 'running') {
        batch.abandoned = true;
      } else {
        batch.markSettled();
      }
    }
    this.running.clear();
    const resolve = this.closeResolve;
    this.closeResolve = null;
    this.registration?.unregister();
    resolve?.();
  }
}
