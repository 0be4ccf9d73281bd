import test from 'ava';
import type { Accumulator, AccumulatorLimits, KeyId } from '../ts/batch/accumulator.js';
import { createAccumulator, createBatchProcessor } from '../ts/batch/internal.js';
import { NEW_SLOT, SEALED_AFTER, SEALED_BEFORE, SLOT_SHIFT, STAGE_STRIDE, SealReason, type SealReasonValue } from '../ts/batch/protocol.js';
import type { TierCacheError } from '../ts/index.js';
import { mulberry32 } from './helpers/random.js';

const rng = mulberry32;

const KEY_POOL: KeyId[] = ['a', 'b', 'c', 'd', 'e', '1', 1, 2, 0, -0, Number.NaN, '', 'é', '😀', '\ud83d', 'user:12345', 3.5, undefined];

function randomLimits(r: () => number): AccumulatorLimits {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  return {
    maxBatchSize: 1 + Math.floor(r() * 8),
    maxBatchBytes: pick([Infinity, 10, 25, 60]),
    maxQueued: pick([Infinity, 1, 5, 12, 30]),
    maxQueuedBytes: pick([Infinity, 20, 50, 200]),
    maxInFlight: pick([Infinity, 1, 2, 3]),
    dedupe: r() < 0.8,
    rejectOversize: r() < 0.5,
  };
}

interface Waiter {
  seq: number;
  slot: number;
}

/** Mirrors the batches from the decisions, to know which waiters may be released. */
class Model {
  openSeq = 0;
  openExists = false;
  queued: number[] = [];
  waiters: Waiter[] = [];
  inFlight = 0;

  apply(decision: number): void {
    if (decision < 0) return;
    if ((decision & SEALED_BEFORE) !== 0) this.sealOpen();
    this.openExists = true;
    this.waiters.push({ seq: this.openSeq, slot: decision >>> SLOT_SHIFT });
    if ((decision & SEALED_AFTER) !== 0) this.sealOpen();
  }

  sealOpen(): void {
    this.queued.push(this.openSeq++);
    this.openExists = false;
  }

  start(): void {
    const seq = this.queued.shift() as number;
    this.waiters = this.waiters.filter((w) => w.seq !== seq);
  }

  clear(): void {
    const dropped = new Set(this.queued);
    dropped.add(this.openSeq);
    this.waiters = this.waiters.filter((w) => !dropped.has(w.seq));
    this.queued = [];
    if (this.openExists) this.openSeq++;
    this.openExists = false;
  }
}

function runSequence(seed: number, ops: number): void {
  const r = rng(seed);
  const limits = randomLimits(r);
  const native = createAccumulator(limits, 'native');
  const js = createAccumulator(limits, 'js');
  const model = new Model();
  const where = (op: string) => `seed ${seed}, ${op}, limits ${JSON.stringify(limits)}`;
  const both = <T>(op: string, f: (acc: Accumulator) => T): T => {
    const a = f(native);
    const b = f(js);
    if (!Object.is(a, b)) throw new Error(`${where(op)}: native ${String(a)} vs js ${String(b)}`);
    return a;
  };
  for (let step = 0; step < ops; step++) {
    const dice = r();
    if (dice < 0.55) {
      const count = 1 + Math.floor(r() * 12);
      const ids: KeyId[] = [];
      const stageN = new Float64Array(count * STAGE_STRIDE);
      for (let i = 0; i < count; i++) {
        ids.push(KEY_POOL[Math.floor(r() * KEY_POOL.length)]);
        stageN[i * STAGE_STRIDE + 2] = r() < 0.1 ? 100 : Math.floor(r() * 15);
      }
      const stageJ = stageN.slice();
      native.ingest(ids, 0, stageN, count);
      js.ingest(ids, 0, stageJ, count);
      for (let i = 0; i < count; i++) {
        const a = stageN[i * STAGE_STRIDE];
        const b = stageJ[i * STAGE_STRIDE];
        if (a !== b) throw new Error(`${where(`ingest step ${step} item ${i} key ${String(ids[i])}`)}: native ${a} vs js ${b}`);
        model.apply(a);
      }
    } else if (dice < 0.65) {
      const reason = Math.floor(r() * 7) as SealReasonValue;
      const sealed = both('seal', (acc) => acc.seal(reason));
      if (sealed !== model.openExists) throw new Error(`${where('seal')}: sealed ${sealed}, model open ${model.openExists}`);
      if (sealed) model.sealOpen();
    } else if (dice < 0.8) {
      const live = both('startNext', (acc) => acc.startNext());
      if (live >= 0) {
        model.start();
        if (live > 0) model.inFlight++;
      }
    } else if (dice < 0.9) {
      if (model.inFlight > 0) {
        both('complete', (acc) => acc.complete());
        model.inFlight--;
      }
    } else if (dice < 0.98) {
      if (model.waiters.length > 0) {
        const i = Math.floor(r() * model.waiters.length);
        const w = model.waiters[i];
        model.waiters.splice(i, 1);
        both(`release ${w.seq}/${w.slot}`, (acc) => acc.release(w.seq, w.slot));
      }
    } else {
      both('clear', (acc) => acc.clear());
      model.clear();
    }
    const sn = native.stats();
    const sj = js.stats();
    for (const field of Object.keys(sn) as Array<keyof typeof sn>) {
      if (sn[field] !== sj[field]) throw new Error(`${where(`stats after step ${step}`)}: ${field} native ${sn[field]} vs js ${sj[field]}`);
    }
  }
}

test('native and JS accumulators make identical decisions over 3000 seeded random sequences', (t) => {
  const sequences = 3000;
  for (let seed = 1; seed <= sequences; seed++) runSequence(seed, 80);
  t.pass(`${sequences} sequences agreed`);
});

test('the differential driver notices a disagreement (it can fail)', (t) => {
  const limits: AccumulatorLimits = { maxBatchSize: 2, maxBatchBytes: Infinity, maxQueued: Infinity, maxQueuedBytes: Infinity, maxInFlight: Infinity, dedupe: true, rejectOversize: false };
  const a = createAccumulator(limits, 'native');
  const b = createAccumulator({ ...limits, maxBatchSize: 3 }, 'js');
  const sa = new Float64Array([0, 0, 0, 0, 0, 0]);
  const sb = sa.slice();
  a.ingest(['x', 'y'], 0, sa, 2);
  b.ingest(['x', 'y'], 0, sb, 2);
  t.not(sa[3], sb[3], 'different limits give different decisions, which the comparison would report');
  t.is(sa[3], (1 << SLOT_SHIFT) | NEW_SLOT | SEALED_AFTER);
  t.is(a.seal(SealReason.tick), false);
  t.is(b.seal(SealReason.tick), true);
});

test('native and JS BatchProcessors send the same batches and give the same outcomes for seeded load sequences', async (t) => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = rng(seed * 7919);
    const limits = randomLimits(r);
    const options = {
      maxBatchSize: limits.maxBatchSize,
      maxBatchBytes: limits.maxBatchBytes,
      maxQueued: limits.maxQueued,
      maxQueuedBytes: limits.maxQueuedBytes,
      maxInFlight: limits.maxInFlight,
      dedupe: limits.dedupe,
      oversize: limits.rejectOversize ? ('reject' as const) : ('alone' as const),
      sizeOf: (k: string) => (k.startsWith('big') ? 100 : k.length),
    };
    const plan: string[][] = [];
    for (let tick = 0; tick < 4; tick++) {
      const loads: string[] = [];
      const n = Math.floor(r() * 20);
      for (let i = 0; i < n; i++) loads.push(r() < 0.1 ? `big${i % 2}` : `k${Math.floor(r() * 8)}`);
      plan.push(loads);
    }
    const runWith = async (impl: 'native' | 'js') => {
      const sent: string[][] = [];
      const bp = createBatchProcessor<string, string>(
        {
          ...options,
          execute: async (keys) => {
            sent.push([...keys]);
            return keys.map((k) => (k === 'k3' ? new Error('k3 fails') : `v:${k}`)) as Array<string | Error>;
          },
        },
        impl,
      );
      const outcomes: string[] = [];
      for (const loads of plan) {
        const settled = await Promise.allSettled(loads.map((k) => bp.load(k)));
        for (const s of settled) outcomes.push(s.status === 'fulfilled' ? s.value : ((s.reason as TierCacheError).code ?? (s.reason as Error).message));
      }
      const stats = bp.stats();
      await bp.close();
      return { sent, outcomes, stats: { ...stats, implementation: undefined } };
    };
    const native = await runWith('native');
    const js = await runWith('js');
    t.deepEqual(native, js, `seed ${seed}`);
  }
});
