/**
 * TierCache: L1 in process, L2 on Redis, kept coherent between instances.
 * This file orchestrates; the parts each live in their own module:
 * l1*.ts (in-process stores), l2.ts (Redis batches and scripts),
 * connections.ts (pool, deadlines, breaker), bus.ts (invalidations,
 * heartbeats), fences.ts (in-flight fencing), meta-versions.ts (clear and
 * tag versions), entry-codec.ts (envelopes), loader.ts (hard timeouts).
 * The protocol is described in docs/coherence.md, the API in docs/tier.md.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { checkFunction, checkInteger, describe } from '../common/validate.js';
import { Attr, instanceAttributes, resolveMetricsOption, type Registration } from '../metrics/index.js';
import { CircuitBreaker } from './breaker.js';
import { Bus, type FlushReason } from './bus.js';
import { monotonicMs, sleep, wallClock, type TierClock } from './clock.js';
import { PooledChannel, SharedChannel, type CommandChannel } from './connections.js';
import type { Entry } from './entry.js';
import { EntryCodec, type DecodedRead, type PreparedWrite } from './entry-codec.js';
import { observedVersion } from './envelope.js';
import type { InvalidateEvent, StaleReason, TierCacheEvents } from './events.js';
import { Fences, type Fence } from './fences.js';
import { checkKeys, checkTag, keyError, KeyLayout, MAX_KEY_LENGTH } from './keys.js';
import type { L1Store } from './l1.js';
import { OffheapStore } from './l1-offheap-store.js';
import { ValueStore } from './l1-value-store.js';
import { L2, type ReadResult } from './l2.js';
import { runWithHardTimeout, type LoaderContext } from './loader.js';
import { MetaVersions, Validity } from './meta-versions.js';
import {
  resolveLoadOptions,
  resolveSetOptions,
  resolveTierOptions,
  type CallOptions,
  type LoadCallOptions,
  type ResolvedOptions,
  type TierCacheOptions,
  type TierLoadOptions,
  type TierSetOptions,
} from './options.js';
import { isConnectivityError } from './redis-errors.js';
import type { Encoded } from './serializer.js';
import { reportTier, zeroStats, type TierCacheStats } from './stats.js';

/** A loader of one key. */
export type Loader<V> = (key: string, context: LoaderContext) => V | PromiseLike<V>;
/** A loader of many keys: an array in key order, or a Map by key (missing keys are not cached). */
export type BatchLoader<V> = (
  keys: string[],
  context: LoaderContext,
) => PromiseLike<ReadonlyArray<V | undefined> | ReadonlyMap<string, V>> | ReadonlyArray<V | undefined> | ReadonlyMap<string, V>;

// Verdicts on an L1 entry.
const FRESH = 0;
const STALE = 1; // past its TTL, within grace: servable only when the loader or Redis fails
const REVALIDATE = 2; // not trusted now (bus down, tag versions unknown): ask Redis, serve only as stale
const DEAD = 3; // invalidated or past grace: removed, never served

const MAX_REFRESH_MEMO = 10_000;

/** A load in progress for one key: callers of getOrSet join it. */
interface Flight {
  readonly promise: Promise<unknown>;
  /** The best stale value known (from L1 or L2), served on soft/hard timeout or loader failure. */
  stale: Entry | undefined;
}

/** One key inside a load. */
interface KeyLoad {
  readonly key: string;
  readonly flight: Flight;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly fence: Fence;
  /** Version of the key in Redis when read (0 absent, -1 foreign or unknown): the CAS expectation. */
  observed: number;
  /** Counter value before loading: the basis of the loaded value. */
  basis: number;
  l2ok: boolean;
  readAt: number;
  done: boolean;
  /** For refresh-ahead: the version being refreshed (an L2 value must be newer). */
  refreshing: number;
}

function closedError(): TierCacheError {
  return new TierCacheError(ErrorCode.CLOSED, 'the TierCache is closed');
}

function checkKey(key: unknown, name = 'key'): string {
  const error = keyError(key, name);
  if (error !== null) throw error;
  return key as string;
}

/**
 * A two-tier cache: see docs/tier.md.
 *
 * @example
 * const cache = createCache({ namespace: 'users', l2: { redis: 'redis://127.0.0.1:6379' }, ttlMs: 60_000 });
 * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id));
 */
export class TierCache<V = unknown> extends EventEmitter<TierCacheEvents> {
  /** This instance's id in invalidation messages. */
  readonly instanceId: string;
  /** The namespace. */
  readonly namespace: string;

  readonly #o: ResolvedOptions;
  readonly #clock: TierClock;
  readonly #layout: KeyLayout;
  readonly #l1: L1Store | null;
  readonly #l2: L2 | null;
  readonly #channel: CommandChannel | null;
  readonly #bus: Bus | null;
  readonly #breaker: CircuitBreaker;
  readonly #codec: EntryCodec;
  readonly #fences = new Fences();
  /** Whether reads coalesced onto one reply share its decoded value (not with the offheap L1: it hands out a private copy per call). */
  readonly #shareDecoded: boolean;
  readonly #meta = new MetaVersions();
  readonly #flights = new Map<string, Flight>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #refreshFailed = new Map<string, number>();
  readonly #stats = zeroStats();
  readonly #registration: Registration | null;
  readonly #closing = new AbortController();
  /** L1 entries may be served without asking Redis. */
  #trusted: boolean;
  #localVersion = 0;
  #closePromise: Promise<void> | null = null;
  /** Test hooks (see internals()). */
  readonly #hooks: TierHooks = { afterRead: null };

  constructor(options?: TierCacheOptions) {
    super();
    const o = resolveTierOptions(options);
    this.#o = o;
    this.#clock = o.clock;
    this.namespace = o.namespace;
    this.instanceId = randomBytes(6).toString('hex');
    this.#layout = new KeyLayout(o.namespace);
    this.#breaker = new CircuitBreaker(
      o.l2?.breaker.failureThreshold ?? 3,
      o.l2?.breaker.openMs ?? 500,
      o.l2?.breaker.maxOpenMs ?? 5000,
      (state) => (this.#stats.breaker = state),
    );
    this.#codec = new EntryCodec(this.#layout, o.serializer, o.secret, o.codec, o.clock, o.jitter, o.random, {
      metrics: o.metrics,
      name: o.name,
    });
    this.#shareDecoded = o.l1 === null || o.l1.store !== 'offheap';
    if (o.l1 === null) this.#l1 = null;
    else if (o.l1.store === 'offheap') this.#l1 = new OffheapStore({ ...o.l1, metrics: o.metrics, name: o.name }, o.clock, o.serializer);
    else this.#l1 = new ValueStore({ ...o.l1, metrics: o.metrics, name: o.name }, o.clock);

    if (o.l2 === null) {
      this.#channel = null;
      this.#l2 = null;
    } else {
      const settings = {
        instanceId: this.instanceId,
        commandTimeoutMs: o.l2.commandTimeoutMs,
        poolSize: o.l2.poolSize,
        breaker: this.#breaker,
        metrics: o.metrics,
        name: o.name,
        onError: (error: Error) => this.#emitError(error),
      };
      this.#channel =
        o.l2.source.kind === 'client' ? new SharedChannel(o.l2.source.client, settings) : new PooledChannel(o.l2.source, settings);
      this.#l2 = new L2(this.#channel, this.#layout, o.coherence !== null && o.coherence.mode !== 'tracking', o.name);
    }
    // Without a bus, L1 is trusted (TTL-bounded); with one, only while it is live.
    this.#trusted = o.coherence === null;
    this.#stats.coherent = this.#trusted;
    if (o.coherence !== null && this.#channel !== null) {
      const channel = this.#channel;
      this.#bus = new Bus(
        {
          mode: o.coherence.mode,
          heartbeatMs: o.coherence.heartbeatMs,
          maxStalenessMs: o.coherence.maxStalenessMs,
          instanceId: this.instanceId,
          layout: this.#layout,
          targets: () => channel.subscriberTargets(),
        },
        {
          key: (key, version) => this.#onRemoteKey(key, version),
          tag: (tag, version) => this.#onRemoteTag(tag, version),
          clear: (version) => this.#onRemoteClear(version),
          flush: (reason) => this.#flush(reason),
          trust: (trusted) => {
            this.#trusted = trusted;
            this.#stats.coherent = trusted;
          },
          error: (error) => this.#emitError(error),
        },
      );
      this.#bus.start();
    } else {
      this.#bus = null;
    }
    const registry = resolveMetricsOption(o.metrics);
    if (registry === null) {
      this.#registration = null;
    } else {
      const source = { stats: this.#stats };
      this.#registration = registry.register(source, (s, sink) => reportTier(s.stats, sink), instanceAttributes(o.name, 'options.name', Attr.cacheName));
    }
  }

  // ---------------------------------------------------------------- reads

  /** The value of `key`, or undefined (a miss, or Redis unavailable with nothing servable). Never rejects for Redis trouble. */
  get(key: string): Promise<V | undefined> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return Promise.reject(keyError(key, 'key'));
    if (this.#closePromise !== null) return Promise.reject(closedError());
    const l1 = this.#l1;
    let entry: Entry | undefined;
    if (l1 !== null) {
      entry = l1.get(key);
      if (entry !== undefined && entry.tags === null && entry.basis >= this.#meta.clear && this.#clock.now() < entry.freshUntil && this.#l1Trusted()) {
        this.#stats.l1.hits++;
        return Promise.resolve(entry.value as V);
      }
    }
    return this.#getSlow(key, entry) as Promise<V | undefined>;
  }

  /** Values of `keys` in order (undefined where missing); L1 misses go to Redis in one coalesced MGET. */
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    checkKeys(keys, 'keys');
    this.#checkOpen();
    const out = new Array<V | undefined>(keys.length);
    const now = this.#clock.now();
    const missing: number[] = [];
    const candidates: Array<Entry | undefined> = new Array<Entry | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const entry = this.#l1?.get(keys[i]);
      const verdict = entry === undefined ? DEAD : this.#verdict(keys[i], entry, now);
      if (verdict === FRESH) {
        this.#stats.l1.hits++;
        out[i] = entry!.value as V;
      } else {
        this.#stats.l1.misses++;
        candidates[i] = verdict === DEAD ? undefined : entry;
        missing.push(i);
      }
    }
    if (missing.length === 0 || this.#l2 === null) return out;
    const n = missing.length;
    const wanted = new Array<string>(n);
    const fences = new Array<Fence>(n);
    for (let j = 0; j < n; j++) fences[j] = this.#fences.open((wanted[j] = keys[missing[j]]));
    try {
      const results = await this.#l2.readMany(wanted, false);
      const at = this.#clock.now();
      let reported: TierCacheError | null = null;
      let later: Array<Promise<void>> | null = null;
      for (let j = 0; j < n; j++) {
        const i = missing[j];
        const k = wanted[j];
        const r = results[j];
        if (r instanceof TierCacheError) {
          // A failed batch fails each of its keys with one error: reported once.
          this.#stats.l2.errors++;
          if (r !== reported) this.#reportL2Error((reported = r));
          const c = candidates[i];
          if (c !== undefined && at < c.staleUntil) out[i] = this.#serveStale(k, c, 'l2_unavailable') as V;
          continue;
        }
        const read = this.#decodeRead(k, r, fences[j], at);
        if (read instanceof Promise) {
          const c = candidates[i];
          later ??= [];
          later.push(
            read.then(
              (d) => this.#placeRead(out, i, d),
              (err: unknown) => {
                // Tag versions could not be fetched: as if the read had failed.
                this.#l2Error(err as TierCacheError);
                if (c !== undefined && this.#clock.now() < c.staleUntil) out[i] = this.#serveStale(k, c, 'l2_unavailable') as V;
              },
            ),
          );
        } else {
          this.#placeRead(out, i, read);
        }
      }
      if (later !== null) await Promise.all(later);
    } finally {
      for (let j = 0; j < n; j++) this.#fences.close(fences[j]);
    }
    return out;
  }

  /** getMany: a decoded L2 read into position `i` of `out` (fresh values only). */
  #placeRead(out: unknown[], i: number, read: DecodedL2): void {
    if (read.entry !== null && read.at < read.entry.freshUntil) {
      this.#stats.l2.hits++;
      out[i] = read.entry.value;
    } else {
      this.#stats.l2.misses++;
    }
  }

  /**
   * The value of `key`; on a miss, `loader` runs once per instance however
   * many callers wait (and, with `lock`, once across instances), and its
   * result is cached unless an invalidation raced it. A loader returning
   * undefined caches nothing. See docs/tier.md for timeouts and stale serving.
   */
  getOrSet(key: string, loader: Loader<V>, options?: TierLoadOptions): Promise<V>;
  getOrSet(key: string, loader: Loader<V | undefined>, options?: TierLoadOptions): Promise<V | undefined>;
  getOrSet(key: string, loader: Loader<V | undefined>, options?: TierLoadOptions): Promise<V | undefined> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return Promise.reject(keyError(key, 'key'));
    if (typeof loader !== 'function') return Promise.reject(new TypeError(`loader must be a function, got ${describe(loader)}`));
    if (this.#closePromise !== null) return Promise.reject(closedError());
    const l1 = this.#l1;
    let entry: Entry | undefined;
    if (l1 !== null) {
      entry = l1.get(key);
      if (entry !== undefined && options === undefined && entry.tags === null && entry.basis >= this.#meta.clear && this.#l1Trusted()) {
        const now = this.#clock.now();
        if (now < entry.freshUntil) {
          this.#stats.l1.hits++;
          if (this.#o.refreshAhead > 0) this.#maybeRefresh(key, entry, now, loader, undefined);
          return Promise.resolve(entry.value as V);
        }
      }
    }
    return this.#getOrSetSlow(key, loader, options, entry) as Promise<V | undefined>;
  }

  /**
   * Values of `keys`: hits from L1 and L2 (one MGET), the rest from one
   * `batchLoader(missingKeys)` call, whose results are cached (compare-and-set
   * each) and returned in key order.
   */
  async getOrSetMany(keys: readonly string[], batchLoader: BatchLoader<V>, options?: TierLoadOptions): Promise<Array<V | undefined>> {
    checkKeys(keys, 'keys');
    checkFunction(batchLoader, 'batchLoader');
    const o = resolveLoadOptions(options, this.#o);
    this.#checkOpen();
    const now = this.#clock.now();
    const out = new Array<V | undefined>(keys.length);
    const waits = new Map<string, Promise<unknown>>();
    const own: KeyLoad[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (waits.has(key)) continue;
      const entry = this.#l1?.get(key);
      const verdict = entry === undefined ? DEAD : this.#verdict(key, entry, now);
      if (verdict === FRESH) {
        this.#stats.l1.hits++;
        waits.set(key, Promise.resolve(entry!.value));
        continue;
      }
      this.#stats.l1.misses++;
      const existing = this.#flights.get(key);
      if (existing !== undefined) {
        waits.set(key, this.#awaitFlight(key, existing, o.softTimeoutMs));
        continue;
      }
      const load = this.#newLoad(key, verdict === DEAD ? undefined : entry, -1);
      own.push(load);
      waits.set(key, this.#awaitFlight(key, load.flight, o.softTimeoutMs));
    }
    if (own.length > 0) {
      this.#track(this.#runLoad(own, batchLoader as BatchLoader<unknown>, o, false));
    }
    const settled = await Promise.allSettled([...waits.values()]);
    const values = new Map<string, unknown>();
    let firstError: unknown;
    [...waits.keys()].forEach((key, j) => {
      const s = settled[j];
      if (s.status === 'fulfilled') values.set(key, s.value);
      else firstError ??= s.reason;
    });
    if (firstError !== undefined) throw firstError;
    for (let i = 0; i < keys.length; i++) out[i] = values.get(keys[i]) as V | undefined;
    return out;
  }

  /**
   * Warms `keys` the caller will need: like getOrSetMany, but resolves to
   * the number of keys now cached and reports loader failures on the `error`
   * event instead of rejecting.
   */
  async prefetch(keys: readonly string[], batchLoader: BatchLoader<V>, options?: TierLoadOptions): Promise<number> {
    checkKeys(keys, 'keys');
    checkFunction(batchLoader, 'batchLoader');
    resolveLoadOptions(options, this.#o);
    try {
      const values = await this.getOrSetMany(keys, batchLoader, options);
      return values.filter((v) => v !== undefined).length;
    } catch (err) {
      this.#emitError(err as Error);
      return 0;
    }
  }

  // --------------------------------------------------------------- writes

  /**
   * Stores `value`: Redis first (the write script also publishes the
   * invalidation), then this instance's L1. A failed Redis write drops the
   * local copy and rejects; nothing is published.
   */
  async set(key: string, value: V, options?: TierSetOptions): Promise<void> {
    checkKey(key);
    const o = resolveSetOptions(options, this.#o);
    this.#checkOpen();
    await this.#write(key, value, o);
  }

  /** Stores several entries (one pipeline); rejects with the first failure after all have settled. */
  async setMany(entries: ReadonlyArray<readonly [string, V]>, options?: TierSetOptions): Promise<void> {
    if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value] pairs, got ${describe(entries)}`);
    for (let i = 0; i < entries.length; i++) {
      const e: unknown = entries[i];
      if (!Array.isArray(e) || e.length !== 2) throw new TypeError(`entries[${i}] must be a [key, value] pair, got ${describe(e)}`);
      checkKey(e[0], `entries[${i}][0]`);
      if (e[1] === undefined) throw new TypeError(`entries[${i}][1] must not be undefined (undefined is never cached)`);
    }
    const o = resolveSetOptions(options, this.#o);
    this.#checkOpen();
    const results = await Promise.allSettled(entries.map(([k, v], i) => this.#write(k, v, o, `entries[${i}][1]`)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  /** Deletes `key` everywhere (a tombstone in Redis fences loads in flight); whether it held a value. */
  async delete(key: string): Promise<boolean> {
    checkKey(key);
    this.#checkOpen();
    return this.#remove(key);
  }

  /** Deletes several keys (one pipeline); how many held a value. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    checkKeys(keys, 'keys');
    this.#checkOpen();
    const results = await Promise.allSettled([...new Set(keys)].map((k) => this.#remove(k)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return results.filter((r) => r.status === 'fulfilled' && r.value).length;
  }

  /** Invalidates every entry carrying `tag`, on every instance (lazily: entries older than the tag's new version are dead). */
  async deleteByTag(tag: string): Promise<void> {
    checkTag(tag, 'tag');
    this.#checkOpen();
    const version = this.#l2 === null ? ++this.#localVersion : await this.#metaWrite('tag', tag);
    if (!this.#meta.noteTag(tag, version)) this.#flush('overflow');
    this.#emitInvalidate({ scope: 'tag', source: 'local', tag, version });
  }

  /** Drops every entry of this namespace (only), on every instance. */
  async clear(): Promise<void> {
    this.#checkOpen();
    if (this.#l2 === null) {
      this.#meta.noteClear(++this.#localVersion);
      this.#dropL1('clear');
      return;
    }
    const version = await this.#metaWrite('clear', '');
    this.#meta.noteClear(version);
    this.#dropL1('clear');
    this.#emitInvalidate({ scope: 'clear', source: 'local', version });
    // Older envelopes are dead already (their basis is below the clear
    // version); unlinking them only frees Redis memory, in the background.
    const l2 = this.#l2;
    this.#track(l2.purge(version));
  }

  /**
   * Resolves once Redis answers through the command pool and (with
   * coherence) the invalidation bus is live, so L1 is served; rejects with
   * ERR_TIMEOUT after `timeoutMs` (default 10,000). Calls made before that
   * work anyway, bounded by commandTimeoutMs: an app may await this before
   * taking traffic, to avoid cold misses.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    checkInteger(timeoutMs, 'timeoutMs', 0, 2 ** 31 - 1);
    this.#checkOpen();
    const deadline = monotonicMs() + timeoutMs;
    for (;;) {
      const channel = this.#channel;
      const l2ok = channel === null || (await channel.run('ping', (c) => c.client.ping()).then(() => true, () => false));
      if (l2ok && (this.#bus === null || this.#trusted)) return;
      if (this.#closePromise !== null) throw closedError();
      if (monotonicMs() >= deadline) {
        throw new TierCacheError(ErrorCode.TIMEOUT, `the TierCache was not ready within ${timeoutMs} ms (Redis ${l2ok ? 'answers but the invalidation bus is not live' : 'does not answer'})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Counters and current state. */
  stats(): TierCacheStats {
    return structuredClone(this.#stats);
  }

  /**
   * Stops: new calls reject with ERR_CLOSED, loaders in flight are aborted,
   * background work is awaited (bounded), and the connections TierCache
   * created are closed (a user-supplied client is left open).
   */
  close(): Promise<void> {
    this.#closePromise ??= this.#shutdown();
    return this.#closePromise;
  }

  // ------------------------------------------------------------ internals

  #checkOpen(): void {
    if (this.#closePromise !== null) throw closedError();
  }

  /**
   * Whether L1 may be served without asking Redis: always without a bus;
   * with one, only before the trust deadline of the last answered heartbeat,
   * compared on every hit so that a stalled event loop cannot stretch it.
   */
  #l1Trusted(): boolean {
    const bus = this.#bus;
    return bus === null || (this.#trusted && monotonicMs() < bus.trustedUntil);
  }

  /** The verdict on an L1 entry now; DEAD entries are removed. */
  #verdict(key: string, entry: Entry, now: number): number {
    const validity = this.#meta.check(entry);
    if (validity === Validity.invalid || now >= entry.staleUntil) {
      this.#l1?.delete(key);
      return DEAD;
    }
    if ((validity === Validity.unknown && this.#l2 !== null) || !this.#l1Trusted()) return REVALIDATE;
    return now < entry.freshUntil ? FRESH : STALE;
  }

  async #getSlow(key: string, entry: Entry | undefined): Promise<unknown> {
    checkKey(key);
    const verdict = entry === undefined ? DEAD : this.#verdict(key, entry, this.#clock.now());
    if (verdict === FRESH) {
      this.#stats.l1.hits++;
      return entry!.value;
    }
    this.#stats.l1.misses++;
    const l2 = this.#l2;
    if (l2 === null) return undefined;
    const fence = this.#fences.open(key);
    try {
      let r: ReadResult;
      try {
        r = await l2.read(key, false);
        if (this.#hooks.afterRead !== null) await this.#hooks.afterRead(key);
      } catch (err) {
        this.#l2Error(err as TierCacheError);
        if (entry !== undefined && verdict !== DEAD && this.#clock.now() < entry.staleUntil) {
          return this.#serveStale(key, entry, 'l2_unavailable');
        }
        return undefined;
      }
      let read = this.#decodeRead(key, r, fence, this.#clock.now());
      if (read instanceof Promise) {
        try {
          read = await read;
        } catch (err) {
          // Tag versions could not be fetched.
          this.#l2Error(err as TierCacheError);
          if (entry !== undefined && verdict !== DEAD && this.#clock.now() < entry.staleUntil) return this.#serveStale(key, entry, 'l2_unavailable');
          return undefined;
        }
      }
      if (read.entry !== null && read.at < read.entry.freshUntil) {
        this.#stats.l2.hits++;
        return read.entry.value;
      }
      this.#stats.l2.misses++;
      return undefined;
    } finally {
      this.#fences.close(fence);
    }
  }

  async #getOrSetSlow(key: string, loader: Loader<V | undefined>, options: TierLoadOptions | undefined, entry: Entry | undefined): Promise<unknown> {
    const o = resolveLoadOptions(options, this.#o);
    const now = this.#clock.now();
    const verdict = entry === undefined ? DEAD : this.#verdict(key, entry, now);
    if (verdict === FRESH) {
      this.#stats.l1.hits++;
      if (this.#o.refreshAhead > 0) this.#maybeRefresh(key, entry!, now, loader, options);
      return entry!.value;
    }
    this.#stats.l1.misses++;
    const existing = this.#flights.get(key);
    if (existing !== undefined) return this.#awaitFlight(key, existing, o.softTimeoutMs);
    const load = this.#newLoad(key, verdict === DEAD ? undefined : entry, -1);
    this.#track(this.#runLoad([load], singleLoader(loader), o, o.lock && this.#o.lock !== null));
    return this.#awaitFlight(key, load.flight, o.softTimeoutMs);
  }

  /** Starts a background refresh of a hot entry read in the last part of its TTL (once, coalesced). */
  #maybeRefresh(key: string, entry: Entry, now: number, loader: Loader<V | undefined>, options: TierLoadOptions | undefined): void {
    if (entry.freshUntil === Number.POSITIVE_INFINITY || this.#flights.has(key)) return;
    const refreshAt = entry.createdAt + (entry.freshUntil - entry.createdAt) * this.#o.refreshAhead;
    if (now < refreshAt || this.#refreshFailed.get(key) === entry.version) return;
    let o: LoadCallOptions;
    try {
      o = resolveLoadOptions(options, this.#o);
    } catch {
      return;
    }
    this.#stats.refreshes++;
    const load = this.#newLoad(key, entry, entry.version);
    const version = entry.version;
    load.flight.promise.catch((err: unknown) => {
      if (this.#refreshFailed.size >= MAX_REFRESH_MEMO) this.#refreshFailed.clear();
      this.#refreshFailed.set(key, version);
      this.#emitError(err as Error);
    });
    this.#track(this.#runLoad([load], singleLoader(loader), o, false));
  }

  /** Registers a flight for `key`. */
  #newLoad(key: string, stale: Entry | undefined, refreshing: number): KeyLoad {
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // callers attach their own handlers; nothing is left unhandled
    const flight: Flight = { promise, stale };
    this.#flights.set(key, flight);
    const fence = this.#fences.open(key);
    const load: KeyLoad = {
      key,
      flight,
      fence,
      observed: -1,
      basis: this.#l2 === null ? this.#localVersion : this.#meta.clear,
      l2ok: false,
      readAt: monotonicMs(),
      done: false,
      refreshing,
      resolve: (value) => {
        if (load.done) return;
        load.done = true;
        this.#endLoad(load);
        resolve(value);
      },
      reject: (error) => {
        if (load.done) return;
        load.done = true;
        this.#endLoad(load);
        reject(error);
      },
    };
    return load;
  }

  #endLoad(load: KeyLoad): void {
    if (this.#flights.get(load.key) === load.flight) this.#flights.delete(load.key);
    this.#fences.close(load.fence);
  }

  /** A caller's wait on a flight: past softTimeoutMs, a stale value if one is known. */
  #awaitFlight(key: string, flight: Flight, softTimeoutMs: number): Promise<unknown> {
    if (softTimeoutMs >= Number.MAX_SAFE_INTEGER) return flight.promise;
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = this.#clock.setTimer(
        () => {
          const stale = flight.stale;
          if (done || stale === undefined || this.#clock.now() >= stale.staleUntil || this.#meta.check(stale) === Validity.invalid) return;
          done = true;
          resolve(this.#serveStale(key, stale, 'soft_timeout'));
        },
        softTimeoutMs,
        true,
      );
      flight.promise.then(
        (value) => {
          this.#clock.clearTimer(timer);
          if (done) return;
          done = true;
          resolve(value);
        },
        (err: unknown) => {
          this.#clock.clearTimer(timer);
          if (done) return;
          done = true;
          reject(err);
        },
      );
    });
  }

  /** Runs loads: L2 (one MGET), the lock (single key), the loader (one call), commits. Never rejects. */
  async #runLoad(loads: KeyLoad[], batchLoader: BatchLoader<unknown>, o: LoadCallOptions, useLock: boolean): Promise<void> {
    try {
      await this.#readForLoads(loads);
      let token = 0;
      if (useLock && loads.length === 1 && !loads[0].done && loads[0].l2ok) token = await this.#lockOrWait(loads[0]);
      const pending = loads.filter((l) => !l.done);
      if (pending.length === 0) return;
      let values: unknown[];
      try {
        values = await this.#callLoader(
          pending.map((l) => l.key),
          batchLoader,
          o,
        );
        this.#stats.loads.ok++;
      } catch (err) {
        const timeout = (err as TierCacheError).code === ErrorCode.TIER_LOADER_TIMEOUT;
        if (timeout) this.#stats.loads.timeout++;
        else this.#stats.loads.error++;
        if (token !== 0) this.#unlock(pending[0].key, token);
        for (const l of pending) {
          const stale = this.#servable(l.flight.stale);
          if (stale !== undefined) {
            this.#emitError(err as Error);
            l.resolve(this.#serveStale(l.key, stale, timeout ? 'hard_timeout' : 'loader_error'));
          } else {
            l.reject(err);
          }
        }
        return;
      }
      await Promise.all(pending.map((l, i) => this.#commit(l, values[i], o, token)));
    } catch (err) {
      for (const l of loads) l.reject(err);
    }
  }

  /** Reads the loads' keys from Redis: fresh values resolve their loads; the rest learn the version to compare-and-set against. */
  async #readForLoads(loads: KeyLoad[]): Promise<void> {
    const l2 = this.#l2;
    if (l2 === null) return;
    const keys = loads.map((l) => l.key);
    let results: Array<ReadResult | TierCacheError>;
    try {
      results = await l2.readMany(keys);
    } catch (err) {
      this.#l2Error(err as TierCacheError);
      return;
    }
    const readAt = monotonicMs();
    const at = this.#clock.now();
    let reported: TierCacheError | null = null;
    let later: Array<Promise<void>> | null = null;
    for (let i = 0; i < loads.length; i++) {
      const load = loads[i];
      const r = results[i];
      if (r instanceof TierCacheError) {
        this.#stats.l2.errors++;
        if (r !== reported) this.#reportL2Error((reported = r));
        continue;
      }
      load.readAt = readAt;
      const read = this.#decodeRead(load.key, r, load.fence, at);
      if (read instanceof Promise) (later ??= []).push(read.then((d) => this.#absorbRead(load, d)));
      else this.#absorbRead(load, read);
    }
    if (later !== null) await Promise.all(later);
  }

  #absorbRead(load: KeyLoad, read: DecodedL2): void {
    const entry = read.entry;
    load.observed = read.observed;
    load.basis = read.counter;
    load.l2ok = true;
    if (entry === null) {
      this.#stats.l2.misses++;
      return;
    }
    const now = read.at;
    if (now < entry.freshUntil && entry.version > load.refreshing) {
      this.#stats.l2.hits++;
      load.resolve(entry.value);
      return;
    }
    this.#stats.l2.misses++;
    const current = load.flight.stale;
    if (now < entry.staleUntil && (current === undefined || entry.version >= current.version)) load.flight.stale = entry;
  }

  /** Single-key distributed lock: take it (returns the token), or wait for the holder's value, or serve stale. */
  async #lockOrWait(load: KeyLoad): Promise<number> {
    const l2 = this.#l2!;
    const lock = this.#o.lock!;
    let token: number;
    try {
      token = await l2.lock(load.key, lock.ttlMs);
    } catch (err) {
      this.#l2Error(err as TierCacheError);
      return 0;
    }
    if (token > 0) {
      this.#stats.locks.acquired++;
      // Double-check: the previous holder may have stored the value just now.
      await this.#rereadForLoad(load);
      if (load.done) this.#unlock(load.key, token);
      return load.done ? 0 : token;
    }
    this.#stats.locks.waited++;
    const stale = this.#servable(load.flight.stale);
    if (stale !== undefined) {
      load.resolve(this.#serveStale(load.key, stale, 'lock_wait'));
      return 0;
    }
    const deadline = this.#clock.now() + lock.waitMs;
    while (!load.done && this.#clock.now() < deadline) {
      const wait = sleep(this.#clock, Math.min(lock.retryMs, deadline - this.#clock.now()));
      const onClose = (): void => wait.cancel();
      this.#closing.signal.addEventListener('abort', onClose);
      await wait.promise;
      this.#closing.signal.removeEventListener('abort', onClose);
      if (this.#closing.signal.aborted) throw closedError();
      if (!(await this.#rereadForLoad(load))) break;
    }
    return 0; // no value in time: load without the lock (compare-and-set still guards Redis)
  }

  /** Reads the key again for a load; false when Redis failed. */
  async #rereadForLoad(load: KeyLoad): Promise<boolean> {
    try {
      const r = await this.#l2!.read(load.key);
      load.readAt = monotonicMs();
      const read = this.#decodeRead(load.key, r, load.fence, this.#clock.now());
      this.#absorbRead(load, read instanceof Promise ? await read : read);
      return true;
    } catch (err) {
      this.#l2Error(err as TierCacheError);
      return false;
    }
  }

  /** Calls the loader under the hard timeout and maps its result to one value per key. */
  async #callLoader(keys: string[], batchLoader: BatchLoader<unknown>, o: LoadCallOptions): Promise<unknown[]> {
    const result = await runWithHardTimeout(this.#clock, o.hardTimeoutMs, `load of ${keys.length === 1 ? JSON.stringify(keys[0].slice(0, 100)) : `${keys.length} keys`}`, this.#closing.signal, (ctx) =>
      batchLoader(keys, ctx),
    );
    if (result instanceof Map) return keys.map((k) => (result as ReadonlyMap<string, unknown>).get(k));
    if (Array.isArray(result) && result.length === keys.length) return result;
    throw new TypeError(`the batch loader must return an array of ${keys.length} values (one per key, in order) or a Map, got ${describe(result)}`);
  }

  /** Commits a loaded value: compare-and-set in Redis, then L1 if no invalidation raced the load. */
  async #commit(load: KeyLoad, value: unknown, o: CallOptions, token: number): Promise<void> {
    if (value === undefined) {
      if (token !== 0) this.#unlock(load.key, token);
      load.resolve(undefined);
      return;
    }
    let w: PreparedWrite;
    try {
      const prepared = this.#codec.prepare(load.key, value, o);
      w = prepared instanceof Promise ? await prepared : prepared;
    } catch (err) {
      if (token !== 0) this.#unlock(load.key, token);
      load.reject(err);
      return;
    }
    const l2 = this.#l2;
    let entry: Entry;
    if (l2 === null) {
      entry = { ...w.entry, version: ++this.#localVersion, basis: load.basis };
    } else if (!load.l2ok) {
      // Redis unreachable: cache locally only; the bus flushes it when it reconnects.
      entry = { ...w.entry, version: 0, basis: load.basis };
    } else if (monotonicMs() - load.readAt > this.#o.l2!.tombstoneMs) {
      // Longer than a tombstone lives: a delete during the load could be forgotten by Redis. Do not cache.
      if (token !== 0) this.#unlock(load.key, token);
      this.#stats.fenced++;
      load.resolve(value);
      return;
    } else {
      let r;
      try {
        r = await l2.cas(load.key, w.envelope, w.px, load.observed, load.basis, token);
      } catch (err) {
        this.#l2Error(err as TierCacheError);
        load.resolve(value);
        return;
      }
      if (r.kind !== 'stored') {
        this.#stats.conflicts++;
        this.#stats.fenced++;
        load.resolve(value);
        return;
      }
      entry = { ...w.entry, version: r.version, basis: load.basis };
    }
    this.#fill(load.key, entry, w.encoded, load.fence, load.observed);
    load.resolve(value);
  }

  #unlock(key: string, token: number): void {
    this.#track(this.#l2!.unlock(key, token).catch((err: unknown) => this.#l2Error(err as TierCacheError)));
  }

  /**
   * Decodes a read taken at `at` (TierCache clock) and fills L1 (fenced).
   * Invalid envelopes are misses, counted and reported; entries older than
   * the clear or tag versions are misses. Synchronous unless a large
   * compressed payload goes to a worker or tag versions must be fetched.
   */
  #decodeRead(key: string, r: ReadResult, fence: Fence, at: number): DecodedL2 | Promise<DecodedL2> {
    this.#meta.noteClear(r.clear);
    const bytes = r.bytes;
    if (bytes === null) return { entry: null, observed: 0, counter: r.counter, at };
    // Concurrent reads of one key coalesced into one batch share one reply:
    // decoded once, and (unless L1 promises a private copy per call) one value.
    let decoded = this.#shareDecoded ? r.decoded : undefined;
    if (decoded === undefined) {
      decoded = this.#codec.decode(key, bytes);
      if (this.#shareDecoded) r.decoded = decoded;
      if (decoded instanceof Promise) return decoded.then((d) => this.#readEntry(key, r, this.#counted(d), fence, at));
      this.#counted(decoded);
    } else if (decoded instanceof Promise) {
      return decoded.then((d) => this.#readEntry(key, r, d, fence, at));
    }
    return this.#readEntry(key, r, decoded, fence, at);
  }

  /** Counts and reports an invalid envelope (once per reply). */
  #counted(decoded: DecodedRead): DecodedRead {
    if (!decoded.ok) {
      if (decoded.error.code === ErrorCode.TIER_BAD_SIGNATURE) this.#stats.badSignatures++;
      else this.#stats.invalidEnvelopes++;
      this.#emitError(decoded.error);
    }
    return decoded;
  }

  #readEntry(key: string, r: ReadResult, decoded: DecodedRead, fence: Fence, at: number): DecodedL2 | Promise<DecodedL2> {
    const observed = observedVersion(r.bytes);
    if (!decoded.ok || decoded.tombstone) return { entry: null, observed, counter: r.counter, at };
    const entry = decoded.entry;
    if (entry.basis < this.#meta.clear || at >= entry.staleUntil) return { entry: null, observed, counter: r.counter, at };
    if (entry.tags !== null) {
      const known = this.#knownTagsAllow(entry);
      if (known === false) return { entry: null, observed, counter: r.counter, at };
      // Some tag versions are unknown here: fetch them (a failure rejects, as a failed read would).
      if (known === undefined) {
        return this.#tagsAllow(entry).then((ok) => {
          if (!ok) return { entry: null, observed, counter: r.counter, at };
          this.#fill(key, entry, decoded.encoded, fence, entry.version);
          return { entry, observed, counter: r.counter, at };
        });
      }
    }
    this.#fill(key, entry, decoded.encoded, fence, entry.version);
    return { entry, observed, counter: r.counter, at };
  }

  /** Whether none of the entry's tags was invalidated after its basis, as far as known here (undefined: some versions unknown). */
  #knownTagsAllow(entry: Entry): boolean | undefined {
    if (!this.#l1Trusted()) return undefined;
    let verdict: boolean | undefined = true;
    for (const tag of entry.tags!) {
      const v = this.#meta.tagVersion(tag);
      if (v === undefined) verdict = undefined;
      else if (entry.basis < v) return false;
    }
    return verdict;
  }

  /** Whether none of the entry's tags was invalidated after its basis (fetching unknown tag versions from Redis). */
  async #tagsAllow(entry: Entry): Promise<boolean> {
    let unknown: string[] | null = null;
    for (const tag of entry.tags!) {
      const v = this.#l1Trusted() ? this.#meta.tagVersion(tag) : undefined;
      if (v === undefined) (unknown ??= []).push(tag);
      else if (entry.basis < v) return false;
    }
    if (unknown === null) return true;
    const versions = await this.#l2!.readTags(unknown);
    let ok = true;
    for (const [tag, v] of versions) {
      if (!this.#meta.noteTag(tag, v)) this.#flush('overflow');
      if (entry.basis < v) ok = false;
    }
    return ok;
  }

  /** Puts an entry into L1 unless an invalidation newer than `basedOn` arrived while it was being read or loaded. */
  #fill(key: string, entry: Entry, encoded: Encoded | null, fence: Fence, basedOn: number): void {
    const l1 = this.#l1;
    if (l1 === null) return;
    if (!this.#fences.permits(fence, basedOn) || this.#meta.check(entry) === Validity.invalid) {
      this.#stats.fenced++;
      return;
    }
    l1.set(key, entry, encoded);
  }

  async #write(key: string, value: unknown, o: CallOptions, name = 'value'): Promise<void> {
    const prepared = this.#codec.prepare(key, value, o, name);
    const w = prepared instanceof Promise ? await prepared : prepared;
    const l2 = this.#l2;
    if (l2 === null) {
      const version = ++this.#localVersion;
      this.#fences.invalidate(key, version);
      this.#l1!.set(key, { ...w.entry, version, basis: version }, w.encoded);
      return;
    }
    const fence = this.#fences.open(key);
    try {
      let r;
      try {
        r = await l2.write(key, w.envelope, w.px);
      } catch (err) {
        this.#dropLocal(key);
        this.#l2Error(err as TierCacheError);
        throw err;
      }
      if (this.#bus !== null) this.#stats.invalidations.sent++;
      if (r.version === 0) {
        this.#dropLocal(key); // a newer write won (cluster): its message will come
        return;
      }
      this.#fences.invalidate(key, r.version);
      this.#fill(key, { ...w.entry, version: r.version, basis: r.version }, w.encoded, fence, r.version);
    } finally {
      this.#fences.close(fence);
    }
  }

  async #remove(key: string): Promise<boolean> {
    const l2 = this.#l2;
    if (l2 === null) {
      const existed = this.#l1!.get(key) !== undefined;
      this.#l1!.delete(key);
      this.#fences.invalidate(key, ++this.#localVersion);
      return existed;
    }
    let r;
    try {
      r = await l2.write(key, this.#codec.tombstone(key), this.#o.l2!.tombstoneMs);
    } catch (err) {
      this.#dropLocal(key);
      this.#l2Error(err as TierCacheError);
      throw err;
    }
    if (this.#bus !== null) this.#stats.invalidations.sent++;
    this.#l1?.delete(key);
    this.#fences.invalidate(key, r.version === 0 ? Number.POSITIVE_INFINITY : r.version);
    this.#emitInvalidate({ scope: 'key', source: 'local', key, version: r.version });
    return r.live;
  }

  async #metaWrite(scope: 'tag' | 'clear', name: string): Promise<number> {
    try {
      const version = await this.#l2!.meta(scope, name);
      if (this.#bus !== null) this.#stats.invalidations.sent++;
      return version;
    } catch (err) {
      this.#l2Error(err as TierCacheError);
      throw err;
    }
  }

  #dropLocal(key: string): void {
    this.#l1?.delete(key);
    this.#fences.invalidate(key, Number.POSITIVE_INFINITY);
  }

  #dropL1(reason: 'clear' | FlushReason | 'overflow'): void {
    this.#l1?.clear();
    this.#fences.invalidateAll();
    if (reason !== 'clear') this.#meta.resetTags();
    this.#refreshFailed.clear();
    if (reason !== 'connect') this.#stats.flushes[reason === 'clear' ? 'clear' : reason]++;
  }

  #flush(reason: FlushReason | 'overflow'): void {
    this.#dropL1(reason);
    this.#emitInvalidate({ scope: 'flush', source: 'remote', reason });
  }

  #onRemoteKey(key: string, version: number): void {
    this.#stats.invalidations.received++;
    const l1 = this.#l1;
    if (l1 !== null) {
      const held = l1.peekVersion(key);
      // Version order wins: an older (or out-of-order) message never removes newer data.
      if (held !== undefined && !(held > version)) l1.delete(key);
    }
    this.#fences.invalidate(key, version);
    this.#emitInvalidate({ scope: 'key', source: 'remote', key, ...(Number.isFinite(version) ? { version } : {}) });
  }

  #onRemoteTag(tag: string, version: number): void {
    this.#stats.invalidations.received++;
    if (version === Number.POSITIVE_INFINITY) this.#meta.tagChanged(tag);
    else if (!this.#meta.noteTag(tag, version)) this.#flush('overflow');
    this.#emitInvalidate({ scope: 'tag', source: 'remote', tag, ...(Number.isFinite(version) ? { version } : {}) });
  }

  #onRemoteClear(version: number): void {
    this.#stats.invalidations.received++;
    if (Number.isFinite(version)) this.#meta.noteClear(version);
    this.#dropL1('clear');
    this.#emitInvalidate({ scope: 'clear', source: 'remote', ...(Number.isFinite(version) ? { version } : {}) });
  }

  #servable(entry: Entry | undefined): Entry | undefined {
    if (entry === undefined) return undefined;
    if (this.#clock.now() >= entry.staleUntil || this.#meta.check(entry) === Validity.invalid) return undefined;
    return entry;
  }

  #serveStale(key: string, entry: Entry, reason: StaleReason): unknown {
    this.#stats.l1.stale++;
    this.#stats.staleServed[reason]++;
    if (this.listenerCount('stale') > 0) this.emit('stale', { key, reason });
    return entry.value;
  }

  #l2Error(err: TierCacheError): void {
    this.#stats.l2.errors++;
    this.#reportL2Error(err);
  }

  #reportL2Error(err: TierCacheError): void {
    // Fail-fast refusals of the open breaker are counted, not reported one by one.
    if (err instanceof TierCacheError && isConnectivityError(err) && this.#breaker.state === 'open' && /breaker is open/.test(err.message)) return;
    this.#emitError(err);
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #emitInvalidate(event: InvalidateEvent): void {
    if (this.listenerCount('invalidate') > 0) this.emit('invalidate', event);
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch((err: unknown) => this.#emitError(err as Error));
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort(closedError());
    for (const flight of this.#flights.values()) flight.promise.catch(() => {});
    const settle = Promise.allSettled([...this.#background]);
    const bound = sleep(wallClock, 5000);
    await Promise.race([settle, bound.promise]);
    bound.cancel();
    await this.#bus?.close();
    await this.#l2?.close();
    await this.#channel?.close();
    await this.#codec.close();
    this.#l1?.close();
    this.#registration?.unregister();
  }

  /** Internal (tests): the parts behind this cache. */
  static internals(cache: TierCache<unknown>): TierInternals {
    return {
      bus: cache.#bus,
      fences: cache.#fences,
      breaker: cache.#breaker,
      get trusted() {
        return cache.#trusted;
      },
      l1: cache.#l1,
      hooks: cache.#hooks,
      get flights() {
        return cache.#flights.size;
      },
    };
  }
}

/** Test hooks. */
export interface TierHooks {
  /** Awaited after a single-key L2 read returns and before it is decoded and fills L1 (to hold a reply back). */
  afterRead: ((key: string) => Promise<void>) | null;
}

/** What TierCache.internals exposes to tests. */
export interface TierInternals {
  bus: Bus | null;
  fences: Fences;
  breaker: CircuitBreaker;
  readonly trusted: boolean;
  l1: L1Store | null;
  hooks: TierHooks;
  readonly flights: number;
}

interface DecodedL2 {
  entry: Entry | null;
  observed: number;
  counter: number;
  /** When it was read (TierCache clock). */
  at: number;
}

function singleLoader<V>(loader: Loader<V>): BatchLoader<unknown> {
  return async (keys, ctx) => [await loader(keys[0], ctx)];
}

/** Creates a TierCache: the same as `new TierCache(options)`. */
export function createCache<V = unknown>(options?: TierCacheOptions): TierCache<V> {
  return new TierCache<V>(options);
}
