/**
 * The worker pool behind Codec.encodeAsync/decodeAsync: a piscina pool,
 * created on first use, with explicit limits. Each task carries its own copy
 * of the input (transferred, not cloned twice) and gets its output transferred
 * back. A worker that dies rejects only the tasks it was running.
 */
import { plural } from '../common/plural.js';
import { Piscina } from 'piscina';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { ResolvedOffload } from './options.js';
import type { WorkerResult, WorkerTask } from './protocol.js';

interface Waiting {
  task: WorkerTask;
  resolve: (result: WorkerResult) => void;
  reject: (err: unknown) => void;
}

/**
 * A lazily started piscina pool with its own queue, admission control and
 * graceful close. Tasks wait in this class's FIFO and are handed to piscina
 * only when a thread is free: piscina's queue stays empty, so when a worker
 * dies piscina rejects just the task it was running, and the next submission
 * starts a replacement worker (with minThreads 0 piscina would not restart one
 * for tasks already queued inside it).
 */
export class OffloadPool {
  private pool: Piscina | null = null;
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /**
   * @param filename worker module (worker.ts under tsx, worker.js in dist)
   * @param options threads, idle timeout and queue limit
   * @param workerData data every worker starts with (the engine settings)
   */
  constructor(
    private readonly filename: string,
    private readonly options: ResolvedOffload,
    private readonly workerData: unknown,
  ) {}

  /** Tasks submitted and not yet settled (waiting or running). */
  get pending(): number {
    return this.running + this.waiting.length - this.waitingHead;
  }

  /** Worker threads currently alive. */
  get threads(): number {
    return this.pool === null ? 0 : this.pool.threads.length;
  }

  /** Configured thread limit. */
  get maxThreads(): number {
    return this.options.threads;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /** Runs one task on a worker. Rejects with ERR_CODEC_QUEUE_FULL, ERR_CODEC_WORKER or ERR_CLOSED. */
  run(task: WorkerTask): Promise<WorkerResult> {
    if (this.closing !== null) return Promise.reject(new TierCacheError(ErrorCode.CLOSED, 'the codec is closed'));
    const { threads, maxQueue } = this.options;
    if (this.running < threads) return this.submit(task);
    if (this.waiting.length - this.waitingHead >= maxQueue) {
      return Promise.reject(
        new TierCacheError(
          ErrorCode.CODEC_QUEUE_FULL,
          `codec offload queue is full (${plural(threads, 'thread')} busy and ${plural(maxQueue, 'task')} waiting; options.offload.maxQueue)`,
        ),
      );
    }
    return new Promise<WorkerResult>((resolve, reject) => this.waiting.push({ task, resolve, reject }));
  }

  /**
   * Waits for every submitted task to settle (up to `timeoutMs`, after which
   * the remaining ones are rejected with ERR_CLOSED), then stops the workers.
   * Idempotent.
   */
  close(timeoutMs: number): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown(timeoutMs);
    return this.closing;
  }

  private async submit(task: WorkerTask): Promise<WorkerResult> {
    const pool = this.pool ?? this.start();
    this.running++;
    try {
      return (await pool.run(task, { transferList: [task.bytes.buffer as ArrayBuffer] })) as WorkerResult;
    } catch (err) {
      throw this.mapError(err);
    } finally {
      this.running--;
      this.next();
    }
  }

  /** Hands the oldest waiting task to the thread that just became free. */
  private next(): void {
    if (this.waitingHead < this.waiting.length && (this.pool !== null || this.closing === null)) {
      const entry = this.waiting[this.waitingHead];
      this.waiting[this.waitingHead++] = undefined as never;
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
      this.submit(entry.task).then(entry.resolve, entry.reject);
      return;
    }
    if (this.pending === 0 && this.drained !== null) this.drained();
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    const pool = this.pool;
    this.pool = null;
    const left = this.waiting.splice(this.waitingHead);
    this.waitingHead = 0;
    this.waiting.length = 0;
    for (const entry of left) entry.reject(new TierCacheError(ErrorCode.CLOSED, 'the codec was closed before this task started'));
    if (pool !== null) await pool.destroy();
  }

  private start(): Piscina {
    const { threads, idleTimeoutMs } = this.options;
    this.pool = new Piscina({
      filename: this.filename,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: idleTimeoutMs,
      // This class queues; piscina only holds tasks while a replacement worker starts.
      maxQueue: threads,
      concurrentTasksPerWorker: 1,
      workerData: this.workerData,
    });
    return this.pool;
  }

  private mapError(err: unknown): TierCacheError {
    const message = err instanceof Error ? err.message : String(err);
    if (this.closing !== null) {
      return new TierCacheError(ErrorCode.CLOSED, `the codec was closed before this task finished: ${message}`, { cause: err });
    }
    return new TierCacheError(ErrorCode.CODEC_WORKER, `the codec worker running this task failed: ${message}`, { cause: err });
  }
}
