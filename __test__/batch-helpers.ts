// Shared helpers of the batch tests (not a test file itself).
import { setImmediate as immediate } from 'node:timers/promises';
export { deferred } from './helpers/deferred.js';

/** Resolves after pending I/O callbacks have run: the next tick of the event loop and beyond. */
export function afterIo(): Promise<void> {
  return immediate();
}

/** Records every batch `execute` receives; answers with `answer(keys)`. */
export function recorder<K, V>(answer: (keys: K[]) => V[] | Map<K, V | Error> | Promise<V[] | Map<K, V | Error>>) {
  const batches: K[][] = [];
  const execute = (keys: K[]) => {
    batches.push([...keys]);
    return Promise.resolve(answer(keys));
  };
  return { batches, execute };
}

/** Tracks which of `promises` have settled. */
export function track<T>(promises: Promise<T>[]): { settled: () => number; outcomes: Array<{ ok: boolean; value: unknown } | undefined> } {
  const outcomes: Array<{ ok: boolean; value: unknown } | undefined> = promises.map(() => undefined);
  let settled = 0;
  promises.forEach((p, i) =>
    p.then(
      (value) => {
        outcomes[i] = { ok: true, value };
        settled++;
      },
      (value: unknown) => {
        outcomes[i] = { ok: false, value };
        settled++;
      },
    ),
  );
  return { settled: () => settled, outcomes };
}
