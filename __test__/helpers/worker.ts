import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** A real worker thread running the TypeScript file `script` (relative to __test__/helpers). */
export function tsWorker(script: string, data: Record<string, unknown>): Worker {
  return new Worker(path.join(__dirname, 'ts-worker.cjs'), {
    workerData: { ...data, script: path.join(__dirname, script) },
  });
}
