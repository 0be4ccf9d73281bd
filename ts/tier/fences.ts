/**
 * In-flight fencing. Every L2 read and every load opens a fence on its key;
 * an invalidation of that key (local write, remote message) marks the open
 * fences with its version, and a flush marks all of them. When the read or
 * load finishes, its result fills L1 only if no invalidation newer than the
 * data it is based on arrived meanwhile: an old value read or loaded before
 * the invalidation is returned to its caller but never committed as fresh.
 */

interface FenceRecord {
  refs: number;
  /** Highest invalidation version seen while open (Infinity: version unknown). */
  invalidated: number;
}

/** An open fence. */
export interface Fence {
  readonly key: string;
  readonly record: FenceRecord;
  readonly epoch: number;
}

export class Fences {
  readonly #open = new Map<string, FenceRecord>();
  #epoch = 0;

  /** Opens a fence on `key`. Close it with {@link close}. */
  open(key: string): Fence {
    let record = this.#open.get(key);
    if (record === undefined) {
      record = { refs: 0, invalidated: -1 };
      this.#open.set(key, record);
    }
    record.refs++;
    return { key, record, epoch: this.#epoch };
  }

  /** Whether data based on `version` may fill L1 (no newer invalidation, no flush since the fence opened). */
  permits(fence: Fence, version: number): boolean {
    return fence.epoch === this.#epoch && fence.record.invalidated <= version;
  }

  /** Closes a fence. */
  close(fence: Fence): void {
    if (--fence.record.refs === 0 && this.#open.get(fence.key) === fence.record) this.#open.delete(fence.key);
  }

  /** An invalidation of `key` at `version` (Infinity when unknown). */
  invalidate(key: string, version: number): void {
    const record = this.#open.get(key);
    if (record !== undefined && version > record.invalidated) record.invalidated = version;
  }

  /** Fences everything open (a flush: clear, gap, reconnect). */
  invalidateAll(): void {
    this.#epoch++;
  }

  /** Keys with open fences (tests, stats). */
  get openKeys(): number {
    return this.#open.size;
  }
}
