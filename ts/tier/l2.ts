/**
 * L2: the Redis tier. Concurrent reads are coalesced into MGETs by a
 * BatchProcessor (grouped per hash slot on a cluster); writes are coalesced
 * the same way into one pipeline of scripts per batch. Each batch is one
 * CommandChannel.run, so it has one deadline and one breaker verdict.
 */
import type { ChainableCommander } from 'ioredis';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { BatchProcessor } from '../batch/processor.js';
import { slotOf } from './cluster-slot.js';
import type { CommandChannel, Conn } from './connections.js';
import type { DecodedRead } from './entry-codec.js';
import type { KeyLayout } from './keys.js';
import { encodeHead, type MessageOp } from './messages.js';
import { toL2Error } from './redis-errors.js';
import { isCluster } from './redis-module.js';
import { ALLOC, CAS, LOCK, META, PURGE, UNLOCK, WRITE } from './scripts.js';

/** One key as read from Redis, with the namespace's counter and clear marker read in the same batch. */
export interface ReadResult {
  /** The stored bytes, or null when absent. */
  bytes: Buffer | null;
  /** The version counter when the batch was read (basis of a load that follows); NaN when not asked for. */
  counter: number;
  /** The version of the last clear(). */
  clear: number;
  /**
   * The decoded reply, set by the first reader: the BatchProcessor hands
   * every caller of one key in a batch this same result.
   */
  decoded?: DecodedRead | Promise<DecodedRead>;
}

/** Result of a set/delete script. */
export interface WriteResult {
  /** The version of this write, or 0 when a newer one was already stored (cluster). */
  version: number;
  /** Whether the key held a live value before (delete). */
  live: boolean;
  /** With version 0: the newer version found. */
  newer: number;
}

/** Result of a loader commit. */
export type CasResult = { kind: 'stored'; version: number } | { kind: 'conflict'; current: number } | { kind: 'fenced' };

type Op =
  | { type: 'write'; key: string; envelope: Buffer; px: number; publish: boolean }
  | { type: 'cas'; key: string; envelope: Buffer; px: number; expected: number; basis: number; token: number }
  | { type: 'meta'; scope: 'tag' | 'clear'; name: string; publish: boolean }
  | { type: 'lock'; key: string; px: number }
  | { type: 'unlock'; key: string; token: number };

/** How many scripts are in flight or queued at most (backpressure: further writes reject). */
const MAX_QUEUED_WRITES = 100_000;
const MAX_READ_BATCH = 512;

function needsVersion(op: Op): boolean {
  return op.type === 'write' || op.type === 'cas' || op.type === 'lock';
}

export class L2 {
  readonly #reads: BatchProcessor<string, ReadResult>;
  readonly #writes: BatchProcessor<Op, unknown>;
  /** Read batches in flight (sent at once or by the BatchProcessor). */
  #running = 0;
  /** Reads were handed to the BatchProcessor and its batch has not started yet. */
  #queued = false;
  /** Write batches in flight (sent at once or by the BatchProcessor). */
  #writing = 0;
  /** Writes were handed to the BatchProcessor and its batch has not started yet. */
  #writeQueued = false;
  /** Set by close(): called when the last batch in flight ends. */
  #drained: (() => void) | null = null;

  constructor(
    private readonly channel: CommandChannel,
    private readonly layout: KeyLayout,
    private readonly publish: boolean,
    batchName: string | undefined,
  ) {
    this.#reads = new BatchProcessor<string, ReadResult>({
      execute: (keys) => this.#executeReads(keys),
      maxBatchSize: MAX_READ_BATCH,
      maxInFlight: channel.parallelism,
      metrics: false,
      name: batchName,
    });
    this.#writes = new BatchProcessor<Op, unknown>({
      execute: (ops) => this.#executeWrites(ops),
      dedupe: false,
      maxBatchSize: MAX_READ_BATCH,
      maxInFlight: channel.parallelism,
      maxQueued: MAX_QUEUED_WRITES,
      metrics: false,
      name: batchName,
    });
  }

  /**
   * Reads one key (and the counter, unless `counter` is false: only a load
   * needs it). Rejects with an ERR_TIER_* error. When no other read is
   * in flight or queued, the MGET is sent at once (nothing to coalesce with:
   * waiting for the end of the tick would only add latency); reads that
   * arrive while one is in flight are coalesced through the BatchProcessor
   * into one MGET per tick.
   */
  read(key: string, counter = true): Promise<ReadResult> {
    if (this.#idle()) return this.#executeReads([key], counter).then(first);
    this.#queued = true;
    return this.#reads.load(key).catch(unwrap);
  }

  /** Reads many keys; each position holds its result or its ERR_TIER_* error. Sent at once when idle, as read(). */
  async readMany(keys: readonly string[], counter = true): Promise<Array<ReadResult | TierCacheError>> {
    if (keys.length <= MAX_READ_BATCH && this.#idle()) {
      try {
        return await this.#executeReads(keys, counter);
      } catch (err) {
        return new Array<TierCacheError>(keys.length).fill(err as TierCacheError);
      }
    }
    this.#queued = true;
    const results = await this.#reads.loadMany(keys);
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r instanceof Error) results[i] = unwrapError(r);
    }
    return results as Array<ReadResult | TierCacheError>;
  }

  /** No read in flight and none waiting in the BatchProcessor: a new read has nothing to coalesce with. */
  #idle(): boolean {
    return this.#running === 0 && !this.#queued && this.#drained === null;
  }

  /** The versions of the last deleteByTag of each tag (0 for never). One MGET: tag markers share the `{ns}` slot. */
  async readTags(tags: readonly string[]): Promise<Map<string, number>> {
    const replies = await this.channel.run('read tags', (conn) => conn.client.mget(tags.map((t) => this.layout.tag(t))));
    const out = new Map<string, number>();
    for (let i = 0; i < tags.length; i++) out.set(tags[i], Number(replies[i] ?? 0));
    return out;
  }

  /** set(): stores the envelope with a new version (and publishes, in publish mode). */
  write(key: string, envelope: Buffer, px: number): Promise<WriteResult> {
    return this.#submit({ type: 'write', key, envelope, px, publish: this.publish }) as Promise<WriteResult>;
  }

  /** Loader commit: compare-and-set on the version observed before loading (and the lock token, if any). */
  cas(key: string, envelope: Buffer, px: number, expected: number, basis: number, token: number): Promise<CasResult> {
    return this.#submit({ type: 'cas', key, envelope, px, expected, basis, token }) as Promise<CasResult>;
  }

  /** clear() or deleteByTag(): bumps the marker to a new version (and publishes). Returns the version. */
  meta(scope: 'tag' | 'clear', name: string): Promise<number> {
    return this.#submit({ type: 'meta', scope, name, publish: this.publish }) as Promise<number>;
  }

  /** Takes `key`'s lock for `px` ms: the fencing token, or 0 when another instance holds it. */
  lock(key: string, px: number): Promise<number> {
    return this.#submit({ type: 'lock', key, px }) as Promise<number>;
  }

  /** Releases `key`'s lock if it is still ours. */
  unlock(key: string, token: number): Promise<unknown> {
    return this.#submit({ type: 'unlock', key, token });
  }

  /**
   * Runs one script: sent at once (one EVALSHA) when no write is in flight
   * or queued, else pipelined with the writes of this tick through the
   * BatchProcessor. Either way its message's sequence number is taken as it
   * is sent, so each connection's messages stay in order.
   */
  #submit(op: Op): Promise<unknown> {
    if (this.#writing === 0 && !this.#writeQueued && this.#drained === null) return this.#executeWrites([op]).then(single);
    this.#writeQueued = true;
    return this.#writes.load(op).catch(unwrap);
  }

  /** After clear(): unlinks every envelope older than `clearVersion`, SCAN step by SCAN step. Returns how many. */
  async purge(clearVersion: number): Promise<number> {
    let removed = 0;
    const pattern = this.layout.dataPattern;
    const nodes = await this.channel.run('purge', async (conn) =>
      isCluster(conn.client) ? conn.client.nodes('master').map((_, i) => i) : [0],
    );
    for (const nodeIndex of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await this.channel.run('purge scan', (conn) => {
          const node = isCluster(conn.client) ? conn.client.nodes('master')[nodeIndex] : conn.client;
          if (node === undefined) return Promise.resolve(['0', []] as [string, string[]]);
          return node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        });
        cursor = next;
        if (keys.length > 0) {
          const results = await this.channel.run('purge', (conn) =>
            Promise.all(keys.map((k) => conn.client.evalsha(PURGE.sha, 1, k, clearVersion) as Promise<number>)),
          );
          for (const r of results) removed += r;
        }
      } while (cursor !== '0');
    }
    return removed;
  }

  /** Finishes queued reads and writes, then stops. */
  async close(): Promise<void> {
    // From now on reads and writes go to the closed BatchProcessors (which refuse them); those sent at once finish first (each has its deadline).
    const sentAtOnce = new Promise<void>((resolve) => (this.#drained = resolve));
    if (this.#running === 0 && this.#writing === 0) this.#drained!();
    await Promise.all([sentAtOnce, this.#reads.close({ timeoutMs: 5000 }), this.#writes.close({ timeoutMs: 5000 })]);
  }

  /**
   * One batch of reads: an MGET of the keys with the clear marker, and the
   * counter unless `counter` is false (per slot on a cluster). A batch of
   * the BatchProcessor may serve loads, so it always reads the counter.
   */
  #executeReads(keys: readonly string[], counter = true): Promise<ReadResult[]> {
    this.#queued = false;
    this.#running++;
    return this.channel.run('read', this.#mget(keys, counter)).then(
      (results) => {
        this.#ran();
        return results;
      },
      (err: unknown) => {
        this.#ran();
        throw err;
      },
    );
  }

  #ran(): void {
    if (--this.#running === 0 && this.#writing === 0 && this.#drained !== null) this.#drained();
  }

  #mget(keys: readonly string[], withCounter: boolean): (conn: Conn) => Promise<ReadResult[]> {
    const layout = this.layout;
    return async (conn) => {
      const n = keys.length;
      let values: Array<Buffer | null>;
      let counterBytes: Buffer | null = null;
      let clearBytes: Buffer | null;
      if (!isCluster(conn.client)) {
        const args = new Array<string>(withCounter ? n + 2 : n + 1);
        for (let i = 0; i < n; i++) args[i] = layout.data(keys[i]);
        args[n] = layout.clear;
        if (withCounter) args[n + 1] = layout.counter;
        values = await conn.client.mgetBuffer(args);
        clearBytes = values[n];
        if (withCounter) counterBytes = values[n + 1];
      } else {
        const client = conn.client;
        const redisKeys = keys.map((k) => layout.data(k));
        const groups = new Map<number, number[]>();
        for (let i = 0; i < redisKeys.length; i++) {
          const slot = slotOf(redisKeys[i]);
          let group = groups.get(slot);
          if (group === undefined) groups.set(slot, (group = []));
          group.push(i);
        }
        values = new Array<Buffer | null>(n);
        const metaPromise = client.mgetBuffer(layout.clear, layout.counter);
        await Promise.all(
          [...groups.values()].map(async (indexes) => {
            const replies = await client.mgetBuffer(indexes.map((i) => redisKeys[i]));
            for (let j = 0; j < indexes.length; j++) values[indexes[j]] = replies[j];
          }),
        );
        [clearBytes, counterBytes] = await metaPromise;
      }
      const counter = !withCounter ? Number.NaN : counterBytes === null ? 0 : Number(counterBytes.toString('latin1'));
      const clear = clearBytes === null ? 0 : Number(clearBytes.toString('latin1'));
      const out = new Array<ReadResult>(n);
      for (let i = 0; i < n; i++) out[i] = { bytes: values[i] ?? null, counter, clear, decoded: undefined };
      return out;
    };
  }

  #executeWrites(ops: Op[]): Promise<unknown[]> {
    this.#writeQueued = false;
    this.#writing++;
    return this.channel.run('write', this.#scripts(ops)).then(
      (results) => {
        this.#wrote();
        return results;
      },
      (err: unknown) => {
        this.#wrote();
        throw err;
      },
    );
  }

  #wrote(): void {
    if (--this.#writing === 0 && this.#running === 0 && this.#drained !== null) this.#drained();
  }

  #scripts(ops: Op[]): (conn: Conn) => Promise<unknown[]> {
    return async (conn) => {
      let results = await this.#runOps(conn, ops);
      // A pipeline reports a lost connection per command rather than
      // rejecting: fail the batch so the breaker and the pool see it.
      const lost = results.find((r) => r instanceof Error && r.name !== 'ReplyError');
      if (lost !== undefined) throw lost;
      const noScript = results.some((r) => r instanceof Error && /NOSCRIPT/.test(r.message));
      if (noScript) {
        // The server lost its script cache (a restart behind a reconnecting
        // client): load and rerun the failed ops. Their first sequence
        // numbers were never published, so receivers see a gap and flush:
        // conservative, and only after a server restart.
        await conn.loadScripts();
        const retry = ops.map((_, i) => i).filter((i) => results[i] instanceof Error && /NOSCRIPT/.test((results[i] as Error).message));
        const rerun = await this.#runOps(
          conn,
          retry.map((i) => ops[i]),
        );
        results = [...results];
        retry.forEach((i, j) => (results[i] = rerun[j]));
      }
      return results.map((r, i) => (r instanceof Error ? toL2Error(r, ops[i].type) : decode(ops[i], r)));
    };
  }

  async #runOps(conn: Conn, ops: Op[]): Promise<unknown[]> {
    if (!isCluster(conn.client) && ops.length === 1) {
      const [sha, ...args] = this.#args(conn, ops[0], null);
      return (conn.client.evalsha(sha, ...(args as [number, ...Array<string | Buffer | number>])) as Promise<unknown>).then(
        (v) => [v],
        (e: unknown) => [e],
      );
    }
    if (!isCluster(conn.client)) {
      const pipeline = conn.client.pipeline();
      for (const op of ops) this.#add(pipeline, conn, op, null);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([err, value]) => err ?? value);
    }
    // Cluster: versions first (one script on the counter's node), then each
    // script on its key's node. Sequence numbers are taken as the scripts
    // are sent, so each node's messages stay in order.
    const client = conn.client;
    const wanted = ops.filter(needsVersion).length;
    let next = 0;
    if (wanted > 0) {
      const last = Number(await client.evalsha(ALLOC.sha, 1, this.layout.counter, wanted));
      next = last - wanted + 1;
    }
    const promises = ops.map((op) => {
      const version = needsVersion(op) ? next++ : null;
      const [sha, ...args] = this.#args(conn, op, version);
      return (client.evalsha(sha, ...(args as [number, ...Array<string | Buffer | number>])) as Promise<unknown>).then(
        (v) => v,
        (e: unknown) => e as Error,
      );
    });
    return Promise.all(promises);
  }

  #add(pipeline: ChainableCommander, conn: Conn, op: Op, version: number | null): void {
    const [sha, ...args] = this.#args(conn, op, version);
    pipeline.evalsha(sha, ...(args as [number, ...Array<string | Buffer | number>]));
  }

  /** EVALSHA arguments of `op`. With `version` null the script takes its version from the counter (standalone). */
  #args(conn: Conn, op: Op, version: number | null): [string, number, ...Array<string | Buffer | number>] {
    const l = this.layout;
    const standalone = version === null;
    switch (op.type) {
      case 'write': {
        const data = l.data(op.key);
        const head = op.publish ? this.#head(conn, 'k', data) : '';
        const keys = standalone ? [data, l.counter] : [data];
        return [WRITE.sha, keys.length, ...keys, op.envelope, op.px, standalone ? '' : version, op.publish ? l.channel : '', head, op.key];
      }
      case 'cas': {
        const data = l.data(op.key);
        const keys = standalone ? [data, l.lock(op.key), l.counter] : [data, l.lock(op.key)];
        const token = op.token === 0 ? '' : String(op.token);
        return [CAS.sha, keys.length, ...keys, op.envelope, op.px, standalone ? '' : version, op.expected, op.basis, token];
      }
      case 'meta': {
        const marker = op.scope === 'tag' ? l.tag(op.name) : l.clear;
        const head = op.publish ? this.#head(conn, op.scope === 'tag' ? 't' : 'c', marker) : '';
        return [META.sha, 2, l.counter, marker, op.publish ? l.channel : '', head, op.name];
      }
      case 'lock': {
        const keys = standalone ? [l.lock(op.key), l.counter] : [l.lock(op.key)];
        return [LOCK.sha, keys.length, ...keys, op.px, standalone ? '' : version];
      }
      case 'unlock':
        return [UNLOCK.sha, 1, l.lock(op.key), String(op.token)];
    }
  }

  #head(conn: Conn, op: MessageOp, redisKey: string): string {
    const { stream, seq } = conn.nextMessage(redisKey);
    return encodeHead(op, stream, seq);
  }
}

function decode(op: Op, reply: unknown): unknown {
  switch (op.type) {
    case 'write': {
      const [version, second] = reply as [number, number];
      return version === 0 ? { version: 0, live: false, newer: second } : { version, live: second === 1, newer: 0 };
    }
    case 'cas': {
      const [version, second] = reply as [number, number];
      if (version > 0) return { kind: 'stored', version } satisfies CasResult;
      return (version === -1 ? { kind: 'fenced' } : { kind: 'conflict', current: second }) satisfies CasResult;
    }
    default:
      return Number(reply);
  }
}

/** BatchProcessor wraps execute failures in ERR_BATCH_EXECUTE_FAILED; callers want the Redis error. */
function unwrapError(err: Error): TierCacheError {
  let e: unknown = err;
  while (e instanceof TierCacheError && e.code.startsWith('ERR_BATCH_') && e.cause !== undefined) e = e.cause;
  if (e instanceof TierCacheError && e.code.startsWith('ERR_TIER_')) return e;
  if (e instanceof TierCacheError && (e.code === ErrorCode.CLOSED || e.code === ErrorCode.BATCH_QUEUE_FULL)) {
    return new TierCacheError(ErrorCode.TIER_L2_UNAVAILABLE, `Redis call refused: ${e.message}`, { cause: e });
  }
  return toL2Error(e, 'redis');
}

function first(results: ReadResult[]): ReadResult {
  return results[0];
}

/** The result of a batch of one op: its value, or the ERR_TIER_* error it failed with. */
function single(results: unknown[]): unknown {
  const r = results[0];
  if (r instanceof Error) throw r;
  return r;
}

function unwrap(err: unknown): never {
  throw unwrapError(err as Error);
}
