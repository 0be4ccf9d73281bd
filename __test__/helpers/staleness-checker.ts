/**
 * The staleness checker of the multi-process runs. Ground truth is real-time
 * order on one machine: an operation O is newer than a write W when O was
 * invoked after W returned. A read that returns W's value is stale by
 * (read start - the earliest acknowledgement of an operation newer than W,
 * acknowledged before the read started); the checker asserts none exceeds
 * the bound. Values of writes that failed (timed out) may have taken effect
 * at any later time, so reads of them are not judged; misses never are.
 * Reads served as stale while Redis was unreachable (fail-safe) are reported
 * apart.
 */
import type { OpRecord } from './tier-process.js';

/** What the checker found. */
export interface CheckResult {
  reads: number;
  judged: number;
  violations: Array<{ read: OpRecord; staleness: number; newer: OpRecord }>;
  /** Largest staleness of a judged, non-degraded read (ms). */
  maxStalenessMs: number;
  degradedReads: number;
  maxDegradedStalenessMs: number;
  phantoms: OpRecord[];
  writes: number;
  failedWrites: number;
  /** Longest operation (ms): the no-hang check. */
  maxOpMs: number;
}

export function checkStaleness(ops: readonly OpRecord[], boundMs: number): CheckResult {
  const byKey = new Map<string, OpRecord[]>();
  const writeOf = new Map<string, OpRecord>();
  let maxOpMs = 0;
  for (const op of ops) {
    maxOpMs = Math.max(maxOpMs, op.e - op.s);
    if (op.t === 'r') continue;
    let list = byKey.get(op.k);
    if (list === undefined) byKey.set(op.k, (list = []));
    list.push(op);
    if (op.t === 'w') writeOf.set(op.v!, op);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.e - b.e);
  const result: CheckResult = {
    reads: 0,
    judged: 0,
    violations: [],
    maxStalenessMs: 0,
    degradedReads: 0,
    maxDegradedStalenessMs: 0,
    phantoms: [],
    writes: writeOf.size,
    failedWrites: [...writeOf.values()].filter((w) => !w.ok).length,
    maxOpMs,
  };
  for (const read of ops) {
    if (read.t !== 'r') continue;
    result.reads++;
    if (read.v === null || !read.ok) continue;
    const w = writeOf.get(read.v);
    if (w === undefined || w.k !== read.k) {
      result.phantoms.push(read);
      continue;
    }
    if (!w.ok) continue;
    let staleness = 0;
    let newer: OpRecord | undefined;
    for (const o of byKey.get(read.k) ?? []) {
      if (o.e >= read.s) break; // sorted by acknowledgement
      if (o.ok && o.s > w.e) {
        staleness = read.s - o.e;
        newer = o;
        break; // the earliest acknowledged newer operation gives the largest staleness
      }
    }
    if (read.deg === true) {
      result.degradedReads++;
      result.maxDegradedStalenessMs = Math.max(result.maxDegradedStalenessMs, staleness);
      continue;
    }
    result.judged++;
    result.maxStalenessMs = Math.max(result.maxStalenessMs, staleness);
    if (staleness > boundMs && newer !== undefined) result.violations.push({ read, staleness, newer });
  }
  return result;
}
