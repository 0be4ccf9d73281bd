/**
 * Running a soak script (helpers/*-soak.ts) in its own process with
 * --expose-gc, so it can force GC and own its memory, and reading what it
 * reports.
 */
import type { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expectedImplementation } from './implementation.js';

const run = promisify(execFile);

/** Runs helpers/`script` for `ops` operations and returns the JSON it writes on stdout. */
export async function runSoak<T>(script: string, ops: number): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import=tsx', '--expose-gc', path.join(__dirname, script), String(ops)], {
    env: process.env,
    maxBuffer: 16 * 2 ** 20,
    timeout: 600_000,
  });
  return JSON.parse(stdout) as T;
}

/** The samples taken after warm-up: from a quarter of the run on. */
export function afterWarmUp<S extends { op: number }>(samples: S[]): S[] {
  return samples.filter((s) => s.op >= samples[samples.length - 1].op / 4);
}

/** Bytes as MiB, for assertion messages. */
export const mb = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MiB`;

/** What every soak script reports: the implementation it ran on and the cache's counters. */
export interface SoakReport {
  implementation: string;
  stats: { sets: number; evictions: number; expirations: number; hits: number };
}

/** The soak ran on the implementation TIERCACHE_IMPL asks for, and every path (eviction, expiration, hit) ran often. */
export function checkSoakRan(t: ExecutionContext, soak: SoakReport): void {
  t.is(soak.implementation, expectedImplementation());
  t.true(soak.stats.evictions > 10_000 && soak.stats.expirations > 10_000 && soak.stats.hits > 10_000, 'every path ran');
}
