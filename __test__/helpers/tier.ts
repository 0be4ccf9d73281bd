/**
 * Helpers for the TierCache suites: caches on a test's redis-server with
 * test-friendly settings, waits with hang guards (real time only guards
 * against hangs; nothing asserts a duration), and a guard that fails the
 * test on any unhandled rejection.
 */
import type { ExecutionContext } from 'ava';
import { ManualClock, TierCache, type TierCacheOptions } from '../../ts/index.js';

import { HANG_GUARD_MS } from './wait.js';

export { HANG_GUARD_MS, waitFor } from './wait.js';

/** Resolves after `ms` real milliseconds (only to let real I/O happen; never asserted on). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The rejections seen by each guarded test running now (one process listener for all of them). */
const guarded = new Set<unknown[]>();
const onRejection = (reason: unknown): void => {
  for (const seen of guarded) seen.push(reason);
};

/** Fails the test on any unhandled rejection while it runs. */
export function guardUnhandledRejections(t: ExecutionContext): void {
  const seen: unknown[] = [];
  if (guarded.size === 0) process.on('unhandledRejection', onRejection);
  guarded.add(seen);
  t.teardown(() => {
    guarded.delete(seen);
    if (guarded.size === 0) process.off('unhandledRejection', onRejection);
    if (seen.length > 0) t.fail(`unhandled rejection(s): ${seen.map((r) => String((r as Error)?.stack ?? r)).join('\n')}`);
  });
}

let namespaceSerial = 0;

/** A namespace no other test of this process uses (tests share a server per file). */
export function freshNamespace(prefix = 't'): string {
  return `${prefix}${process.pid}-${++namespaceSerial}`;
}

/** Options of a TierCache on `port`: generous command deadline (only catches hangs on a loaded machine), no metrics. */
export function tierOptions(port: number, extra: TierCacheOptions = {}): TierCacheOptions {
  const { l2, ...rest } = extra;
  return {
    metrics: false,
    ...rest,
    l2: { redis: `redis://127.0.0.1:${port}`, commandTimeoutMs: 2000, ...(l2 === false ? {} : l2) },
  };
}

/** Creates a TierCache, closed at teardown. */
export function tier<V = unknown>(t: ExecutionContext, options: TierCacheOptions): TierCache<V> {
  const cache = new TierCache<V>(options);
  cache.on('error', () => {}); // asserted through stats and events where it matters
  t.teardown(() => cache.close());
  return cache;
}

/** Waits until the cache's command pool answers and its coherence bus is live (L1 trusted). */
export async function coherent(cache: TierCache<unknown>): Promise<void> {
  await cache.ready(HANG_GUARD_MS);
}

export { ManualClock };

/** Kills the subscriber connection of `cache` on the server (CLIENT KILL by its connection name), as a network failure would. */
export async function killSubscriber(port: number, cache: TierCache<unknown>): Promise<void> {
  const { rawCommand } = await import('./redis-server.js');
  const list = await rawCommand(port, ['CLIENT', 'LIST', 'TYPE', 'pubsub']);
  const line = list.split('\n').find((l) => l.includes(`name=tiercache:sub:${cache.namespace}:${cache.instanceId}`));
  const id = line?.match(/id=(\d+)/)?.[1];
  if (id === undefined) throw new Error('subscriber connection not found');
  await rawCommand(port, ['CLIENT', 'KILL', 'ID', id]);
}
