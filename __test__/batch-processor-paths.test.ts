import test from 'ava';
import { BatchProcessor, type TierCacheError } from '../ts/index.js';
import { mulberry32 } from './helpers/random.js';

// Seeded mixes of load(), load() with a signal, loadMany() and aborts, in
// one synchronous run or across ticks, under random caps: every caller must
// get the result of its own key (or a refusal), and every batch must respect
// the triggers. This drives the processor's less common paths: batches split
// in the middle of a run of staged loads, loadMany keys spread over several
// batches with refusals among them, duplicates and aborts that leave the
// identity fast path.

const rng = mulberry32;

const REFUSALS = new Set(['ERR_BATCH_QUEUE_FULL', 'ERR_BATCH_ITEM_TOO_LARGE', 'ERR_ABORTED']);

interface Outcome {
  key: string;
  ok: boolean;
  value: unknown;
}

async function runSeed(seed: number): Promise<{ batches: string[][]; outcomes: Outcome[]; stats: ReturnType<BatchProcessor<string, string>['stats']>; maxBatchSize: number; maxBatchBytes: number; dedupe: boolean }> {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const maxBatchSize = pick([1, 2, 3, 5, 40, 1000]);
  const maxBatchBytes = pick([Infinity, Infinity, 12, 30]);
  const dedupe = r() < 0.85;
  const batches: string[][] = [];
  const bp = new BatchProcessor<string, string>({
    execute: async (keys) => {
      batches.push([...keys]);
      if (r() < 0.3) await new Promise((resolve) => setImmediate(resolve));
      return keys.map((k) => (k.endsWith('!') ? new Error(`bad ${k}`) : `v:${k}`));
    },
    maxBatchSize,
    maxBatchBytes,
    maxQueued: pick([Infinity, 7, 30, 300]),
    maxInFlight: pick([Infinity, 1, 2]),
    dedupe,
    oversize: pick(['alone', 'reject'] as const),
    sizeOf: (k) => (k.startsWith('big') ? 20 : k.length),
  });
  const outcomes: Outcome[] = [];
  const pending: Promise<void>[] = [];
  const track = (key: string, p: Promise<unknown>): void => {
    const outcome: Outcome = { key, ok: false, value: undefined };
    outcomes.push(outcome);
    pending.push(
      p.then(
        (value) => {
          outcome.ok = true;
          outcome.value = value;
        },
        (err: unknown) => {
          outcome.value = err;
        },
      ),
    );
  };
  const key = (): string => (r() < 0.05 ? `big${Math.floor(r() * 2)}` : `k${Math.floor(r() * 12)}${r() < 0.1 ? '!' : ''}`);
  for (let run = 0; run < 6; run++) {
    const controllers: AbortController[] = [];
    const loads = Math.floor(r() * 400);
    for (let i = 0; i < loads; i++) {
      const dice = r();
      if (dice < 0.75) {
        const k = key();
        track(k, bp.load(k));
      } else if (dice < 0.87) {
        const ac = controllers.length > 0 && r() < 0.5 ? pick(controllers) : new AbortController();
        controllers.push(ac);
        const k = key();
        track(k, bp.load(k, { signal: ac.signal }));
      } else {
        const keys = Array.from({ length: Math.floor(r() * 30) }, key);
        const many = bp.loadMany(keys);
        const slots = keys.map((k) => {
          const outcome: Outcome = { key: k, ok: false, value: undefined };
          outcomes.push(outcome);
          return outcome;
        });
        pending.push(
          many.then((results) => {
            if (results.length !== keys.length) throw new Error(`seed ${seed}: loadMany returned ${results.length} results for ${keys.length} keys`);
            results.forEach((value, i) => {
              slots[i].ok = !(value instanceof Error);
              slots[i].value = value;
            });
          }),
        );
      }
      if (r() < 0.01) await Promise.resolve();
    }
    for (const ac of controllers) if (r() < 0.3) ac.abort();
    if (r() < 0.5) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  await bp.close();
  return { batches, outcomes, stats: bp.stats(), maxBatchSize, maxBatchBytes, dedupe };
}

test('every caller gets its own key’s result or a refusal, over seeded mixes of loads, loadMany and aborts', async (t) => {
  let answered = 0;
  let refused = 0;
  let splitRuns = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const { batches, outcomes, stats, maxBatchSize, maxBatchBytes, dedupe } = await runSeed(seed);
    const sent = new Set<string>();
    for (const batch of batches) {
      if (dedupe) t.is(new Set(batch).size, batch.length, `seed ${seed}: a batch repeats a key: ${batch.join(',')}`);
      t.true(batch.length <= maxBatchSize, `seed ${seed}: batch of ${batch.length} > ${maxBatchSize}`);
      const bytes = batch.reduce((sum, k) => sum + (k.startsWith('big') ? 20 : k.length), 0);
      t.true(bytes <= maxBatchBytes || batch.length === 1, `seed ${seed}: batch of ${bytes} bytes > ${maxBatchBytes}`);
      for (const k of batch) sent.add(k);
    }
    if (batches.length > 6) splitRuns++;
    for (const o of outcomes) {
      if (o.ok) {
        t.is(o.value, `v:${o.key}`, `seed ${seed}: a caller of ${o.key} got ${String(o.value)}`);
        t.true(sent.has(o.key), `seed ${seed}: ${o.key} resolved without being sent`);
        answered++;
      } else {
        const err = o.value as TierCacheError;
        if (err.message === `bad ${o.key}`) {
          answered++;
        } else {
          t.true(REFUSALS.has(err.code), `seed ${seed}: a caller of ${o.key} failed with ${err.code ?? err.message}`);
          refused++;
        }
      }
    }
    t.is(stats.queued, 0, `seed ${seed}`);
    t.is(stats.inFlight, 0, `seed ${seed}`);
  }
  t.true(answered > 0 && refused > 0 && splitRuns > 0, `answered ${answered}, refused ${refused}, runs split over batches ${splitRuns}`);
});
