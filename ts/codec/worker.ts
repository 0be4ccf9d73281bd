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
  const input = task.bytes.buffer instanceof ArrayBuffer ? task.bytes.buffer : null;
  try {
    const out = task.op === Op.ENCODE ? engine.encode(task.bytes) : engine.decode(task.bytes);
    const ns = (performance.now() - start) * 1e6;
    // Pooled or oversized backing stores cannot or should not travel whole: copy to an exact one.
    const own = out.byteOffset === 0 && out.buffer.byteLength === out.length ? out : new Uint8Array(out);
    const result: WorkerResult = { ok: true, bytes: own, outcome: engine.outcome, ns, input };
    const transfer = [own.buffer as ArrayBuffer];
    if (input !== null) transfer.push(input);
    return move(new Moved(result, transfer) as never);
  } catch (err) {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    const result: WorkerResult = {
      ok: false,
      name: typeof e.name === 'string' ? e.name : 'Error',
      code: typeof e.code === 'string' ? e.code : null,
      message: typeof e.message === 'string' ? e.message : String(err),
      ns: (performance.now() - start) * 1e6,
      input,
    };
    return input === null ? result : move(new Moved(result, [input]) as never);
  }
}
