/**
 * One app instance of the multi-process runs (tier-multiprocess, tier-chaos,
 * bench/tier-scale): a TierCache on a shared redis-server doing random
 * reads, writes and deletes from a few concurrent loops until a deadline,
 * recording every operation with wall-clock start and end times (one
 * machine, so the times of all processes compare). Writes its log as JSON to
 * the path given and exits 0; an unhandled rejection makes it exit 1.
 *
 * Run: node --import tsx tier-process.ts '<json config>'
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TierCache, type CoherenceMode } from '../../ts/index.js';
import { Random } from './random.js';

/** What the parent passes. */
export interface ProcessConfig {
  id: number;
  port: number;
  namespace: string;
  mode: CoherenceMode;
  keys: number;
  loops: number;
  /** How long the run lasts once the parent says go. */
  runMs: number;
  out: string;
  commandTimeoutMs: number;
  heartbeatMs: number;
  maxStalenessMs: number;
  seed: number;
}

/** One recorded operation. */
export interface OpRecord {
  p: number;
  t: 'w' | 'd' | 'r';
  k: string;
  /** Written value, or the value read (null: a miss). */
  v: string | null;
  s: number;
  e: number;
  ok: boolean;
  /** A read served as stale (Redis unavailable) during the call. */
  deg?: boolean;
}

/** What the process reports at the end. */
export interface ProcessReport {
  id: number;
  ops: OpRecord[];
  unhandled: string[];
  errors: number;
  coherentAtEnd: boolean;
  stats: ReturnType<TierCache['stats']>;
  /** L1 flushes by the bus: reason and wall-clock time. */
  flushes: Array<{ reason: string; at: number }>;
}

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as ProcessConfig;
  const unhandled: string[] = [];
  process.on('unhandledRejection', (reason) => unhandled.push(String((reason as Error)?.stack ?? reason)));
  const cache = new TierCache<string>({
    namespace: config.namespace,
    metrics: false,
    ttlMs: 600_000,
    staleMs: 600_000,
    l1: { maxEntries: 10_000 },
    l2: { redis: `redis://127.0.0.1:${config.port}`, commandTimeoutMs: config.commandTimeoutMs },
    coherence: { mode: config.mode, heartbeatMs: config.heartbeatMs, maxStalenessMs: config.maxStalenessMs },
  });
  let errors = 0;
  cache.on('error', () => errors++);
  const staleCount = new Map<string, number>();
  cache.on('stale', (e) => staleCount.set(e.key, (staleCount.get(e.key) ?? 0) + 1));
  const flushes: Array<{ reason: string; at: number }> = [];
  cache.on('invalidate', (e) => {
    if (e.scope === 'flush') flushes.push({ reason: e.reason ?? '?', at: Date.now() });
  });
  const ops: OpRecord[] = [];
  // Ready: tell the parent, then wait for its "go" (the same start time for every process).
  await cache.ready(30_000).catch(() => {});
  process.stdout.write('ready\n');
  const go = await new Promise<{ startAt: number; stopAt: number }>((resolve) => {
    let buffer = '';
    process.stdin.on('data', (d: Buffer) => {
      buffer += d.toString();
      const nl = buffer.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buffer.slice(0, nl)) as { startAt: number; stopAt: number });
    });
  });
  process.stdin.pause();
  const config_ = { ...config, startAt: go.startAt, stopAt: go.stopAt };
  await sleep(Math.max(0, config_.startAt - Date.now()));
  let serial = 0;
  const loop = async (index: number): Promise<void> => {
    const rnd = new Random(config.seed * 1000 + index);
    while (Date.now() < config_.stopAt) {
      const k = `k${rnd.below(config.keys)}`;
      const roll = rnd.below(100);
      const s = now();
      if (roll < 35) {
        const v = `${config.id}:${index}:${++serial}`;
        let ok = true;
        try {
          await cache.set(k, v);
        } catch {
          ok = false;
        }
        ops.push({ p: config.id, t: 'w', k, v, s, e: now(), ok });
      } else if (roll < 42) {
        let ok = true;
        try {
          await cache.delete(k);
        } catch {
          ok = false;
        }
        ops.push({ p: config.id, t: 'd', k, v: null, s, e: now(), ok });
      } else {
        const before = staleCount.get(k) ?? 0;
        let v: string | undefined;
        let ok = true;
        try {
          v = await cache.get(k);
        } catch {
          ok = false;
        }
        ops.push({ p: config.id, t: 'r', k, v: v ?? null, s, e: now(), ok, deg: (staleCount.get(k) ?? 0) !== before });
      }
      if (rnd.below(4) === 0) await sleep(1);
    }
  };
  await Promise.all(Array.from({ length: config.loops }, (_, i) => loop(i)));
  // Coherence must come back by itself once Redis is healthy.
  const deadline = Date.now() + 10_000;
  while (!TierCache.internals(cache as TierCache<unknown>).trusted && Date.now() < deadline) await sleep(20);
  const report: ProcessReport = {
    id: config.id,
    ops,
    unhandled,
    errors,
    coherentAtEnd: TierCache.internals(cache as TierCache<unknown>).trusted,
    stats: cache.stats(),
    flushes,
  };
  await cache.close();
  writeFileSync(config.out, JSON.stringify(report));
  process.exitCode = unhandled.length === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`tier-process failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(2);
});
