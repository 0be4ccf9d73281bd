/**
 * ioredis, loaded on first use: importing tiercache does not load it; only
 * creating a TierCache with an L2 from a URL or options does (a user-supplied
 * client is recognised by shape, without loading the module).
 */
import type { Cluster, Redis } from 'ioredis';

type IORedis = typeof import('ioredis');

let loaded: IORedis | undefined;

/** The ioredis module. */
export function ioredis(): IORedis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('ioredis') as IORedis;
  return loaded;
}

/** Whether `value` is an ioredis Cluster client. */
export function isCluster(value: unknown): value is Cluster {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isCluster?: unknown }).isCluster === true &&
    typeof (value as { nodes?: unknown }).nodes === 'function'
  );
}

/** Whether `value` is an ioredis (standalone) Redis client. */
export function isRedis(value: unknown): value is Redis {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isCluster?: unknown }).isCluster === false &&
    typeof (value as { duplicate?: unknown }).duplicate === 'function' &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function'
  );
}

/** A command client: standalone or cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Drops a client TierCache created. A client whose connection has already
 * ended is left alone: ioredis's disconnect() would arm a 2 s timer waiting
 * for a socket that is already gone to close, keeping the process alive
 * after close().
 */
export function dropClient(client: Redis | Cluster): void {
  if (client.status === 'end') return;
  client.disconnect();
}
