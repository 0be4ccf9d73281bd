/**
 * Piscina worker of the codec: runs the same engine as the calling thread.
 * Loaded as worker.ts under tsx (tests; workers inherit --import=tsx) and as
 * worker.js from dist/. Errors are returned as data because structured clone
 * drops the `code` of a TierCacheError.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { CodecEngine, type EngineSettings } from './engine.js';
import { Op, type WorkerResult, type WorkerTask } from './protocol.js';

const engine = new CodecEngine((workerData as { settings: EngineSettings }).settings);

/** A result whose output buffer is transferred back instead of copied. */
class Moved {
  constructor(
    private readonly value: WorkerResult,
    private readonly buffers: ArrayBuffer[],
  ) {}

  get [transferableSymbol](): ArrayBuffer[] {
    return this.buffers;
  }

  get [valueSymbol](): WorkerResult {
    return this.value;
  }
}

/** Encodes or decodes one value. */
export default function run(task: WorkerTask): unknown {
  const start = performance.now();
  try {
    const out = task.op === Op.ENCODE ? engine.encode(task.bytes) : engine.decode(task.bytes);
    const ns = (performance.now() - start) * 1e6;
    // Pooled or oversized backing stores cannot or should not travel whole: copy to an exact one.
    const own = out.byteOffset === 0 && out.buffer.byteLength === out.length ? out : new Uint8Array(out);
    const result: WorkerResult = { ok: true, bytes: own, outcome: engine.outcome, ns };
    return move(new Moved(result, [own.buffer as ArrayBuffer]) as never);
  } catch (err) {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    return {
      ok: false,
      name: typeof e.name === 'string' ? e.name : 'Error',
      code: typeof e.code === 'string' ? e.code : null,
      message: typeof e.message === 'string' ? e.message : String(err),
      ns: (performance.now() - start) * 1e6,
    } satisfies WorkerResult;
  }
}
