/**
 * The coherence bus: the one subscriber connection of a TierCache.
 *
 * - publish mode: SUBSCRIBE `tiercache:<ns>`; messages (messages.ts) come
 *   from the write scripts themselves, with versions and per-stream
 *   sequence numbers (a skipped number = lost messages = flush L1);
 * - tracking mode: server-assisted invalidation, `CLIENT TRACKING ON
 *   REDIRECT <own id> BCAST PREFIX {ns: PREFIX {ns}#` on this same
 *   connection, then SUBSCRIBE `__redis__:invalidate`; Redis itself reports
 *   every change of the namespace's keys, by anyone (no versions, no
 *   sequence numbers);
 * - both: the two at once.
 *
 * Liveness: L1 is trusted only while the bus is subscribed and a PING sent
 * less than maxStalenessMs ago has been answered. Redis answers a PING on
 * this connection after every message published before it, so a trusted L1
 * has applied every invalidation acknowledged more than maxStalenessMs ago.
 * Any (re)subscription flushes L1 first: what happened while we were away is
 * unknown. The connection is re-created (with backoff, rotating over cluster
 * nodes) whenever it ends.
 */
import type { Redis } from 'ioredis';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { monotonicMs } from './clock.js';
import type { KeyLayout } from './keys.js';
import { parseMessage } from './messages.js';
import { dropClient, ioredis } from './redis-module.js';
import { withDeadline } from './redis-errors.js';
import { SequenceTracker } from './sequence-tracker.js';
import type { RedisOptions } from 'ioredis';

/** How invalidations reach an instance. */
export type CoherenceMode = 'publish' | 'tracking' | 'both';

/** Why L1 was flushed by the bus. */
export type FlushReason = 'connect' | 'reconnect' | 'gap' | 'flushall';

/** What the bus tells its TierCache. */
export interface BusHandlers {
  /** `key` changed at `version` (Infinity: unknown, tracking). */
  key(key: string, version: number): void;
  /** deleteByTag(tag) at `version` (Infinity: unknown, tracking). */
  tag(tag: string, version: number): void;
  /** clear() at `version` (Infinity: unknown, tracking). */
  clear(version: number): void;
  /** Invalidations may have been lost: drop L1. */
  flush(reason: FlushReason): void;
  /** L1 may (true) or may not (false) be served without asking Redis. */
  trust(trusted: boolean): void;
  error(error: Error): void;
}

/** Bus settings. */
export interface BusOptions {
  mode: CoherenceMode;
  heartbeatMs: number;
  maxStalenessMs: number;
  instanceId: string;
  layout: KeyLayout;
  /** Where to connect; tried in turn. */
  targets: () => Array<{ options: RedisOptions }>;
}

const INVALIDATE_CHANNEL = '__redis__:invalidate';
const MAX_BACKOFF_MS = 1000;

export class Bus {
  #client: Redis | null = null;
  #trusted = false;
  /** Monotonic ms until which L1 is trusted (0 while untrusted): the hot path compares against it. */
  trustedUntil = 0;
  #closed = false;
  #everConnected = false;
  #attempt = 0;
  #pinging = false;
  #lastPong = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  #trustTimer: NodeJS.Timeout | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  readonly #tracker = new SequenceTracker();
  readonly #ownPrefix: string;
  /** Test hook: messages for which it returns true are dropped on arrival (simulated loss). */
  dropFilter: ((text: string) => boolean) | null = null;
  /** Counters. */
  readonly counts = { messages: 0, gaps: 0, reconnects: 0, malformed: 0 };

  constructor(
    private readonly options: BusOptions,
    private readonly handlers: BusHandlers,
  ) {
    this.#ownPrefix = `${options.instanceId}.`;
  }

  /** Connects in the background. */
  start(): void {
    this.#connect();
  }

  /** Whether L1 may be served without asking Redis. */
  get trusted(): boolean {
    return this.#trusted;
  }

  /** Whether the subscriber is connected and subscribed. */
  get connected(): boolean {
    return this.#client !== null && this.#heartbeat !== null;
  }

  /** Test hook: drops the subscriber connection as a network failure would. */
  dropConnection(): void {
    if (this.#client !== null) dropClient(this.#client);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#setTrusted(false);
    this.#stopTimers();
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = null;
    if (client !== null) {
      await withDeadline(client.quit().then(() => undefined), 1000, 'subscriber quit').catch(() => dropClient(client));
    }
  }

  #connect(): void {
    if (this.#closed) return;
    const targets = this.options.targets();
    if (targets.length === 0) {
      this.#scheduleReconnect();
      return;
    }
    const target = targets[this.#attempt % targets.length];
    const { Redis } = ioredis();
    const client = new Redis({
      ...target.options,
      lazyConnect: true,
      autoResubscribe: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      retryStrategy: () => null,
      connectTimeout: Math.max(1000, this.options.maxStalenessMs),
      connectionName: `tiercache:sub:${this.options.layout.namespace}:${this.options.instanceId}`,
    });
    this.#client = client;
    client.on('error', () => {}); // connection errors end the client; 'end' reconnects
    client.on('messageBuffer', (channel: Buffer, message: unknown) => this.#onMessage(client, channel, message));
    client.once('end', () => this.#onEnd(client));
    const limit = Math.max(2000, this.options.maxStalenessMs * 2);
    const setup = async (): Promise<void> => {
      await client.connect();
      const channels: string[] = [];
      if (this.options.mode !== 'publish') {
        const id = String(await client.client('ID'));
        const { dataPrefix, metaPrefix } = this.options.layout;
        await client.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', dataPrefix, 'PREFIX', metaPrefix);
        channels.push(INVALIDATE_CHANNEL);
      }
      if (this.options.mode !== 'tracking') channels.push(this.options.layout.channel);
      await client.subscribe(...channels);
    };
    withDeadline(setup(), limit, 'subscriber setup').then(
      () => {
        if (this.#client !== client) return;
        this.#attempt = 0;
        this.#tracker.reset();
        // Subscribed: from here on every invalidation reaches us. What L1
        // holds from before may have missed some, so it goes.
        this.handlers.flush(this.#everConnected ? 'reconnect' : 'connect');
        if (this.#everConnected) this.counts.reconnects++;
        this.#everConnected = true;
        this.#lastPong = monotonicMs();
        this.#heartbeat = setInterval(() => this.#beat(client), this.options.heartbeatMs);
        this.#heartbeat.unref();
        this.#beat(client);
      },
      (err: unknown) => {
        if (this.#client !== client) return;
        this.handlers.error(new TierCacheError(ErrorCode.TIER_COHERENCE, `subscriber setup failed: ${(err as Error).message}`, { cause: err }));
        this.#attempt++;
        dropClient(client);
      },
    );
  }

  #beat(client: Redis): void {
    if (this.#client !== client) return;
    const now = monotonicMs();
    if (now - this.#lastPong > Math.max(5000, this.options.heartbeatMs * 10)) {
      // Nothing heard for long: the connection may be half-open. Start over.
      this.handlers.error(new TierCacheError(ErrorCode.TIER_COHERENCE, 'subscriber heartbeat lost: reconnecting'));
      dropClient(client);
      return;
    }
    if (this.#pinging) return;
    this.#pinging = true;
    const sentAt = now;
    client.ping().then(
      () => {
        this.#pinging = false;
        if (this.#client !== client) return;
        this.#lastPong = monotonicMs();
        this.#confirm(sentAt);
      },
      () => {
        this.#pinging = false;
      },
    );
  }

  /** Everything published before `sentAt` has been applied: trust L1 until sentAt + maxStalenessMs. */
  #confirm(sentAt: number): void {
    const remaining = sentAt + this.options.maxStalenessMs - monotonicMs();
    if (remaining <= 0) return;
    this.trustedUntil = sentAt + this.options.maxStalenessMs;
    if (this.#trustTimer !== null) clearTimeout(this.#trustTimer);
    this.#trustTimer = setTimeout(() => {
      this.#trustTimer = null;
      this.#setTrusted(false);
    }, remaining);
    this.#trustTimer.unref();
    this.#setTrusted(true);
  }

  #setTrusted(trusted: boolean): void {
    if (!trusted) this.trustedUntil = 0;
    if (this.#trusted === trusted) return;
    this.#trusted = trusted;
    this.handlers.trust(trusted);
  }

  #onEnd(client: Redis): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#stopTimers();
    this.#setTrusted(false);
    this.#scheduleReconnect();
  }

  #stopTimers(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#trustTimer !== null) clearTimeout(this.#trustTimer);
    this.#heartbeat = null;
    this.#trustTimer = null;
    this.#pinging = false;
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = Math.min(MAX_BACKOFF_MS, 25 * 2 ** Math.min(this.#attempt, 6));
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#connect();
    }, delay);
    this.#reconnectTimer.unref();
  }

  #onMessage(client: Redis, channelBytes: Buffer, message: unknown): void {
    if (this.#client !== client) return;
    const channel = channelBytes.toString();
    if (channel === INVALIDATE_CHANNEL) {
      this.#onTracking(message as Buffer[] | Buffer | null);
      return;
    }
    if (channel !== this.options.layout.channel || !Buffer.isBuffer(message)) return;
    const text = message.toString('utf8');
    if (this.dropFilter?.(text) === true) return;
    this.counts.messages++;
    const m = parseMessage(text);
    if (m === null) {
      this.counts.malformed++;
      return;
    }
    if (!this.#tracker.observe(m.stream, m.seq)) {
      this.counts.gaps++;
      this.handlers.flush('gap');
    }
    if (m.stream.startsWith(this.#ownPrefix)) return; // applied locally when written
    switch (m.op) {
      case 'k':
        this.handlers.key(m.payload, m.version);
        break;
      case 't':
        this.handlers.tag(m.payload, m.version);
        break;
      case 'c':
        this.handlers.clear(m.version);
        break;
      default:
        break;
    }
  }

  #onTracking(message: Buffer[] | Buffer | null): void {
    if (message === null) {
      this.handlers.flush('flushall'); // FLUSHALL / FLUSHDB
      return;
    }
    const keys = Array.isArray(message) ? message : [message];
    for (const raw of keys) {
      const text = raw.toString('utf8');
      if (this.dropFilter?.(text) === true) continue;
      this.counts.messages++;
      const k = this.options.layout.classify(text);
      if (k.kind === 'data') this.handlers.key(k.key, Number.POSITIVE_INFINITY);
      else if (k.kind === 'tag') this.handlers.tag(k.tag, Number.POSITIVE_INFINITY);
      else if (k.kind === 'clear') this.handlers.clear(Number.POSITIVE_INFINITY);
    }
  }
}
