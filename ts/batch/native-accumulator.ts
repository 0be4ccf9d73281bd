/**
 * The native accumulator: wraps `NativeBatchAccumulator` from the addon. The
 * hot calls go through `batchFastPaths()` (raw Node-API functions taking the
 * accumulator's handle), one `ingest` per chunk of up to `stageCapacity`
 * loads, and a few calls per batch; see docs/batch.md for the measured costs.
 */
import type { NativeBinding } from '../native/index.js';
import type { Accumulator, AccumulatorLimits, AccumulatorStats, KeyId } from './accumulator.js';
import { KEY_NONE, KEY_NUMBER, STAGE_STRIDE, STATS_FIELDS, type SealReasonValue } from './protocol.js';

type FastPaths = ReturnType<NativeBinding['batchFastPaths']>;
type Owner = InstanceType<NativeBinding['NativeBatchAccumulator']>;

const fastPathsByBinding = new WeakMap<NativeBinding, FastPaths>();

function fastPathsOf(binding: NativeBinding): FastPaths {
  let fast = fastPathsByBinding.get(binding);
  if (fast === undefined) {
    fast = binding.batchFastPaths();
    fastPathsByBinding.set(binding, fast);
  }
  return fast;
}

/** Loads staged per crossing: large enough to amortise the call, small enough to bound rejection latency. */
const NATIVE_STAGE_CAPACITY = 256;

/** The accumulator backed by tiercache-core (see the module docs). */
export class NativeAccumulator implements Accumulator {
  readonly stageCapacity = NATIVE_STAGE_CAPACITY;
  private readonly owner: Owner;
  private readonly handle: number;
  private readonly fast: FastPaths;
  private readonly dedupe: boolean;

  constructor(binding: NativeBinding, limits: AccumulatorLimits) {
    this.owner = new binding.NativeBatchAccumulator(
      limits.maxBatchSize,
      limits.maxBatchBytes,
      limits.maxQueued,
      limits.maxQueuedBytes,
      limits.maxInFlight,
      limits.dedupe,
      limits.rejectOversize,
    );
    this.handle = this.owner.handle;
    this.fast = fastPathsOf(binding);
    this.dedupe = limits.dedupe;
  }

  ingest(ids: readonly KeyId[], from: number, stage: Float64Array, count: number): void {
    // Text keys cross as one joined string (one UTF-16 copy per chunk) with
    // their lengths in the stage; number keys cross in the stage itself.
    let text = '';
    if (this.dedupe) {
      for (let i = 0; i < count; i++) {
        const id = ids[from + i];
        const at = i * STAGE_STRIDE;
        if (typeof id === 'string') {
          stage[at] = id.length;
          text += id;
        } else if (typeof id === 'number') {
          stage[at] = KEY_NUMBER;
          stage[at + 1] = id;
        } else {
          stage[at] = KEY_NONE;
        }
      }
    } else {
      for (let i = 0; i < count; i++) stage[i * STAGE_STRIDE] = KEY_NONE;
    }
    this.fast.ingest(this.handle, text, stage, count);
  }

  seal(reason: SealReasonValue): boolean {
    return this.fast.seal(this.handle, reason);
  }

  startNext(): number {
    return this.fast.startNext(this.handle);
  }

  complete(): void {
    this.fast.complete(this.handle);
  }

  release(seq: number, slot: number): boolean {
    return this.owner.release(seq, slot);
  }

  clear(): number {
    return this.owner.clear();
  }

  stats(): AccumulatorStats {
    const values = this.owner.stats();
    const out = {} as Record<string, number>;
    for (let i = 0; i < STATS_FIELDS.length; i++) out[STATS_FIELDS[i]] = values[i];
    return out as AccumulatorStats;
  }
}
