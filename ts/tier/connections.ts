/**
 * The command connections of one TierCache: a small ConnectionPool of
 * ioredis clients it creates (standalone or Cluster), or the one client the
 * user supplied, used as given and never closed. Every call goes through
 * `run`, which bounds it by commandTimeoutMs and feeds the circuit breaker.
 * The subscriber is separate (bus.ts): one per TierCache.
 *
 * The pool owns the connections' lifecycle (creating `size` of them,
 * validating, replacing broken ones, draining); commands are multiplexed
 * over the live ones round-robin rather than borrowed one at a time, since
 * an ioredis connection pipelines concurrent commands by itself and a
 * borrow would serialize them (and cost an acquire per batch).
 */
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { ConnectionPool } from '../pool/connection-pool.js';
import type { MetricsOption } from '../metrics/index.js';
import type { CircuitBreaker } from './breaker.js';
import { monotonicMs } from './clock.js';
import { slotOf } from './cluster-slot.js';
import { Deadlines } from './deadlines.js';
import { isConnectivityError, toL2Error, withDeadline } from './redis-errors.js';
import { dropClient, ioredis, isCluster, type RedisClient } from './redis-module.js';
import { SCRIPTS } from './scripts.js';

/** One command client and its invalidation message streams (one per connection, per cluster node). */
export class Conn {
  readonly #seqs = new Map<string, number>();
  scriptsLoaded = false;

  constructor(
    readonly client: RedisClient,
    /** Sender stream id: `<instance id>.<connection serial>`. */
    readonly stream: string,
  ) {}

  get cluster(): boolean {
    return isCluster(this.client);
  }

  /** The stream and next sequence number for a message about `redisKey` (per node on a cluster). */
  nextMessage(redisKey: string): { stream: string; seq: number } {
    let stream = this.stream;
    if (isCluster(this.client)) {
      const node = this.client.slots[slotOf(redisKey)]?.[0] ?? '?';
      stream = `${this.stream}@${node}`;
    }
    const seq = (this.#seqs.get(stream) ?? 0) + 1;
    this.#seqs.set(stream, seq);
    return { stream, seq };
  }

  /** Loads every script into the server(s) this client talks to. */
  async loadScripts(): Promise<void> {
    const targets: Redis[] = isCluster(this.client) ? this.client.nodes('master') : [this.client];
    await Promise.all(targets.flatMap((node) => SCRIPTS.map((s) => node.script('LOAD', s.source))));
    this.scriptsLoaded = true;
  }
}

/** How TierCache reaches Redis for commands. */
export interface CommandChannel {
  readonly cluster: boolean;
  /** Concurrent batches worth running (the pool size, or 8 on a shared client). */
  readonly parallelism: number;
  /** Runs `fn` on a connection within commandTimeoutMs and the breaker; failures are ERR_TIER_* errors. */
  run<T>(what: string, fn: (conn: Conn) => Promise<T>): Promise<T>;
  /** Options for the subscriber connection, and the nodes it may use (cluster: every node, in turn). */
  subscriberTargets(): Array<{ options: RedisOptions }>;
  close(): Promise<void>;
}

/** The Redis part of the `l2` option, resolved. */
export type RedisSource =
  | { kind: 'url'; url: string; options: RedisOptions }
  | { kind: 'options'; options: RedisOptions }
  | { kind: 'client'; client: RedisClient }
  | { kind: 'cluster'; nodes: ClusterNode[]; options: ClusterOptions };

/** Settings shared by both channels. */
export interface ChannelSettings {
  instanceId: string;
  commandTimeoutMs: number;
  poolSize: number;
  breaker: CircuitBreaker;
  metrics: MetricsOption | undefined;
  name: string | undefined;
  onError: (error: Error) => void;
}

/** Options every command connection we create gets: fail fast, never queue, never reconnect (the pool replaces it). */
const COMMAND_OVERRIDES: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
  autoResubscribe: false,
};

let serial = 0;

function breakerOpen(what: string): TierCacheError {
  return new TierCacheError(ErrorCode.TIER_L2_UNAVAILABLE, `${what}: the Redis circuit breaker is open (failing fast)`);
}

/**
 * The breaker's verdict on a call that ended (`error` undefined: a value) and
 * the ERR_TIER_* error its caller gets: connectivity failures (timeouts,
 * refused or dropped connections) count against Redis, error replies do not.
 */
function judge(breaker: CircuitBreaker, what: string, error: unknown): TierCacheError | undefined {
  if (error === undefined) {
    breaker.success();
    return undefined;
  }
  const mapped = toL2Error(error, what);
  if (isConnectivityError(mapped)) breaker.failure();
  else breaker.success();
  return mapped;
}

/** Starts `fn` on `conn`: a synchronous throw becomes its rejection. */
function start<T>(fn: (conn: Conn) => Promise<T>, conn: Conn): Promise<T> {
  try {
    return fn(conn);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

function createClient(source: RedisSource, commandTimeoutMs: number, instanceId: string): RedisClient {
  const { Redis, Cluster } = ioredis();
  const connectTimeout = Math.max(1000, commandTimeoutMs * 20);
  const connectionName = `tiercache:cmd:${instanceId}`;
  if (source.kind === 'cluster') {
    return new Cluster(source.nodes, {
      ...source.options,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryDelayOnFailover: 20,
      retryDelayOnClusterDown: 20,
      redisOptions: { connectionName, ...source.options.redisOptions, maxRetriesPerRequest: 0, connectTimeout },
    });
  }
  if (source.kind === 'url') return new Redis(source.url, { connectTimeout, connectionName, ...source.options, ...COMMAND_OVERRIDES });
  const options = source.kind === 'options' ? source.options : {};
  return new Redis({ connectTimeout, connectionName, ...options, ...COMMAND_OVERRIDES });
}

/** Connections TierCache creates: a ConnectionPool of `poolSize` clients, replaced when they break. */
export class PooledChannel implements CommandChannel {
  readonly cluster: boolean;
  readonly parallelism: number;
  readonly #pool: ConnectionPool<Conn>;
  readonly #settings: ChannelSettings;
  readonly #deadlines = new Deadlines();
  readonly #source: RedisSource;
  readonly #clients = new Set<RedisClient>();
  /** Connected clients commands go to, round-robin. */
  readonly #live: Conn[] = [];
  #next = 0;

  constructor(source: RedisSource, settings: ChannelSettings) {
    this.#source = source;
    this.#settings = settings;
    this.cluster = source.kind === 'cluster';
    this.parallelism = settings.poolSize * 4;
    this.#pool = new ConnectionPool<Conn>({
      create: async ({ signal }) => {
        const client = createClient(source, settings.commandTimeoutMs, settings.instanceId);
        client.on('error', () => {}); // failures surface through commands and validation
        const abort = (): void => dropClient(client);
        signal.addEventListener('abort', abort);
        try {
          await client.connect();
          const conn = new Conn(client, `${settings.instanceId}.${++serial}`);
          await conn.loadScripts();
          this.#clients.add(client);
          this.#live.push(conn);
          client.once('end', () => {
            this.#clients.delete(client);
            this.#retire(conn);
          });
          return conn;
        } catch (err) {
          dropClient(client);
          throw err;
        } finally {
          signal.removeEventListener('abort', abort);
        }
      },
      destroy: (conn) => {
        this.#drop(conn);
        dropClient(conn.client);
      },
      validate: (conn) => conn.client.status === 'ready',
      validationBypassMs: 0,
      healthCheckIntervalMs: 5000,
      min: settings.poolSize,
      max: settings.poolSize,
      acquireTimeoutMs: settings.commandTimeoutMs,
      createTimeoutMs: Math.max(1000, settings.commandTimeoutMs * 20),
      destroyTimeoutMs: 2000,
      idleTimeoutMs: 0,
      createRetry: { initialDelayMs: 25, maxDelayMs: 1000 },
      metrics: settings.metrics,
      name: settings.name,
    });
    this.#pool.on('error', () => {}); // create failures are expected while Redis is down; commands report them
  }

  run<T>(what: string, fn: (conn: Conn) => Promise<T>): Promise<T> {
    const { breaker, commandTimeoutMs } = this.#settings;
    if (!breaker.allow()) return Promise.reject(breakerOpen(what));
    const conn = this.#pick();
    // None connected yet (cold start, or all being replaced): wait for the pool, within the deadline.
    if (conn === undefined) return this.#runCold(what, fn);
    return this.#deadlines.track(start(fn, conn), commandTimeoutMs, what, this.#ended, conn);
  }

  async #runCold<T>(what: string, fn: (conn: Conn) => Promise<T>): Promise<T> {
    const started = monotonicMs();
    let conn: Conn;
    try {
      conn = await this.#pool.acquire();
      this.#pool.release(conn);
    } catch (err) {
      throw judge(this.#settings.breaker, what, err);
    }
    const remaining = Math.max(1, this.#settings.commandTimeoutMs - (monotonicMs() - started));
    return this.#deadlines.track(start(fn, conn), remaining, what, this.#ended, conn);
  }

  /** A call on `conn` ended: the breaker's verdict; a connection whose command timed out (it may still have it pending) or that is gone is replaced, an error reply leaves it in service. */
  readonly #ended = (error: unknown, conn: unknown, what: string): unknown => {
    if (error !== undefined && (error as { name?: string }).name !== 'ReplyError') this.#retire(conn as Conn);
    return judge(this.#settings.breaker, what, error);
  };

  #pick(): Conn | undefined {
    const live = this.#live;
    for (let i = 0; i < live.length; i++) {
      const conn = live[this.#next++ % live.length];
      if (conn.client.status === 'ready') return conn;
    }
    return undefined;
  }

  #drop(conn: Conn): void {
    const i = this.#live.indexOf(conn);
    if (i >= 0) this.#live.splice(i, 1);
  }

  #retire(conn: Conn): void {
    this.#drop(conn);
    this.#pool.invalidate(conn);
  }

  subscriberTargets(): Array<{ options: RedisOptions }> {
    return subscriberTargetsOf(this.#source, [...this.#clients]);
  }

  async close(): Promise<void> {
    await this.#pool.drain({ timeoutMs: 2000 });
    this.#deadlines.close();
  }
}

/** A client supplied by the user: used as given (its options, its reconnects) and never closed by TierCache. */
export class SharedChannel implements CommandChannel {
  readonly cluster: boolean;
  readonly parallelism = 8;
  readonly #conn: Conn;
  readonly #settings: ChannelSettings;
  readonly #deadlines = new Deadlines();
  #loading: Promise<void> | null = null;

  constructor(client: RedisClient, settings: ChannelSettings) {
    this.#settings = settings;
    this.cluster = isCluster(client);
    this.#conn = new Conn(client, `${settings.instanceId}.${++serial}`);
  }

  run<T>(what: string, fn: (conn: Conn) => Promise<T>): Promise<T> {
    const { breaker, commandTimeoutMs } = this.#settings;
    if (!breaker.allow()) return Promise.reject(breakerOpen(what));
    if (!this.#conn.scriptsLoaded) return this.#runLoadingScripts(what, fn);
    return this.#deadlines.track(start(fn, this.#conn), commandTimeoutMs, what, this.#ended, null);
  }

  async #runLoadingScripts<T>(what: string, fn: (conn: Conn) => Promise<T>): Promise<T> {
    const { commandTimeoutMs } = this.#settings;
    this.#loading ??= this.#conn.loadScripts().finally(() => (this.#loading = null));
    try {
      await withDeadline(this.#loading, commandTimeoutMs, `${what} (SCRIPT LOAD)`);
    } catch (err) {
      throw judge(this.#settings.breaker, what, err);
    }
    return this.#deadlines.track(start(fn, this.#conn), commandTimeoutMs, what, this.#ended, null);
  }

  readonly #ended = (error: unknown, _context: unknown, what: string): unknown => judge(this.#settings.breaker, what, error);

  subscriberTargets(): Array<{ options: RedisOptions }> {
    return subscriberTargetsOf({ kind: 'client', client: this.#conn.client }, [this.#conn.client]);
  }

  async close(): Promise<void> {
    // The user's client stays open: they created it, they close it.
    this.#deadlines.close();
  }
}

function nodeOptions(node: Redis): RedisOptions {
  const o = node.options;
  return { host: o.host, port: o.port, username: o.username, password: o.password, tls: o.tls, db: o.db };
}

/** Where the subscriber may connect: the same server (standalone), or any cluster node (messages reach every node). */
function subscriberTargetsOf(source: RedisSource, clients: RedisClient[]): Array<{ options: RedisOptions }> {
  if (source.kind === 'url') return [{ options: { ...parseUrlOptions(source.url), ...source.options } }];
  if (source.kind === 'options') return [{ options: { ...source.options } }];
  const targets: Array<{ options: RedisOptions }> = [];
  for (const client of clients) {
    if (isCluster(client)) {
      for (const node of client.nodes('all')) targets.push({ options: nodeOptions(node) });
    } else {
      targets.push({ options: { ...(client as Redis).options } });
    }
  }
  if (targets.length === 0 && source.kind === 'cluster') {
    for (const node of source.nodes) {
      if (typeof node === 'object') targets.push({ options: { ...source.options.redisOptions, host: node.host, port: node.port } });
      else if (typeof node === 'number') targets.push({ options: { ...source.options.redisOptions, port: node } });
      else targets.push({ options: { ...source.options.redisOptions, ...parseUrlOptions(node) } });
    }
  }
  return targets;
}

/** Host, port, credentials and db of a redis:// or rediss:// URL (or "host:port"). */
export function parseUrlOptions(url: string): RedisOptions {
  if (!/^rediss?:\/\//.test(url)) {
    const [host, port] = url.split(':');
    return { host, port: port === undefined ? 6379 : Number(port) };
  }
  const u = new URL(url);
  const options: RedisOptions = { host: u.hostname || '127.0.0.1', port: u.port === '' ? 6379 : Number(u.port) };
  if (u.username !== '') options.username = decodeURIComponent(u.username);
  if (u.password !== '') options.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '') options.db = Number(db);
  if (u.protocol === 'rediss:') options.tls = {};
  return options;
}

export type { Cluster };
