/**
 * The core every httpCache front end shares (the node:http wrapper, the
 * Express-style middleware, the Fastify plugin): it decides, per request,
 * whether to serve from the store, join an identical request in flight, or
 * run the handler (`next`) with its response captured, and then what to
 * store and what to send. docs/http.md explains the rules.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Codec } from '../codec/codec.js';
import { ErrorCode, type TierCacheError } from '../common/errors.js';
import type { Registration } from '../metrics/registry.js';
import { negotiate, type Coding } from './accept-encoding.js';
import { parseCacheControl, deltaSeconds, type Directives } from './cache-control.js';
import { capture, type Captured } from './capture.js';
import { lifetimeOf, storeTtlMs, usability, Usability } from './freshness.js';
import { HeaderReads, trackHeaders } from './header-tracker.js';
import { canonicalHost, canonicalUrl, primaryKey, variantKey } from './key.js';
import { resolveHttpCacheOptions, type ResolvedHttpCacheOptions } from './options.js';
import { decodeRecord, encodeRecord, Kind, type ResponseRecord, type StoredRecord } from './record.js';
import { compressible, encodeAs, storedForm, zstdFrame } from './representations.js';
import { HttpCacheCounters, type HttpCacheStats, type Result } from './stats.js';
import { finishSynthetic, syntheticExchange } from './synthetic.js';

/** Runs the origin for a request/response pair no client waits on (a background refresh). */
export type Reissue = (req: IncomingMessage, res: ServerResponse) => void;

/** A handler call in flight that identical requests wait on. */
interface Flight {
  promise: Promise<ResponseRecord | null>;
  resolve: (record: ResponseRecord | null) => void;
  settled: boolean;
}

/** Per-request state. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  head: boolean;
  host: string;
  /** Canonical path and query, relative to the front end's mount point (what `req.url` becomes). */
  url: string;
  /** Canonical path and query from the root (keys, routes, refresh requests). */
  fullUrl: string;
  primary: string;
  /** Key the response is looked up and stored under (primary, or a variant). */
  key: string;
  /** Vary names known from the store at lookup time. */
  vary: string[];
  route: string;
  requestCC: Directives;
  authorized: boolean;
  /** Conditional headers, taken off the request the handler sees. */
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  acceptEncoding: string | undefined;
  /** The handler's request headers (without the tracking proxy). */
  headers: NodeJS.Dict<string | string[]>;
  /** Called before the cache answers a request without its handler (Fastify hijacks the reply). */
  onServe?: () => void;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-encoding',
  'etag',
  'age',
  'vary',
  'set-cookie',
]);
/** Longest key stored (stores take 16384; derived keys add a few characters). */
const MAX_STORE_KEY = 16_000;
const HEADERS_304 = new Set(['cache-control', 'content-location', 'date', 'expires', 'last-modified']);

/** Marks synthetic requests of background refreshes. */
const background = new WeakMap<IncomingMessage, { key: string; flight: Flight }>();

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function taggedEtag(etag: string, coding: Coding): string {
  if (coding === 'identity') return etag;
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${coding}"` : etag;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Weak comparison of If-None-Match against every representation of a response (they share content). */
function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  const base = opaque(etag);
  const family = base.endsWith('"') ? base.slice(0, -1) : base;
  for (const raw of ifNoneMatch.split(',')) {
    const t = opaque(raw.trim());
    if (t === base || (t.startsWith(family + '-') && t.endsWith('"') && ['zstd', 'br', 'gzip'].includes(t.slice(family.length + 1, -1)))) {
      return true;
    }
  }
  return false;
}

function flatten(name: string, value: number | string | string[] | undefined, out: Array<[string, string]>): void {
  if (value === undefined) return;
  if (Array.isArray(value)) for (const v of value) out.push([name, v]);
  else out.push([name, String(value)]);
}

function varyNames(value: unknown): string[] | null {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(',') : String(value);
  const names: string[] = [];
  for (const part of text.split(',')) {
    const n = part.trim().toLowerCase();
    if (n === '*') return null;
    if (n.length > 0 && n !== 'accept-encoding') names.push(n);
  }
  return names;
}

function newFlight(): Flight {
  let resolve!: (r: ResponseRecord | null) => void;
  const promise = new Promise<ResponseRecord | null>((r) => (resolve = r));
  const flight: Flight = { promise, resolve: (r) => {
    if (flight.settled) return;
    flight.settled = true;
    resolve(r);
  }, settled: false };
  return flight;
}

/** The shared core; see the module documentation. */
export class HttpCacheCore {
  readonly options: ResolvedHttpCacheOptions;
  private readonly codec: Codec | null;
  private readonly counters: HttpCacheCounters;
  private readonly flights = new Map<string, Flight>();
  private readonly deriving = new Map<string, Promise<Buffer>>();
  private readonly pass = new Map<string, number>();
  private readonly registration: Registration | null;
  private readonly pending = new Set<Promise<unknown>>();
  /** Parsed records by the stored bytes they came from (stored values are never mutated). */
  private readonly parsed = new WeakMap<object, StoredRecord>();
  /** Route labels by path, for the default route function. */
  private readonly routes = new Map<string, string>();
  private closed = false;

  constructor(options: unknown) {
    this.options = resolveHttpCacheOptions(options);
    const o = this.options;
    this.codec = o.compression === null ? null : zstdCodec(o.compression.zstdLevel, o.registry);
    this.counters = new HttpCacheCounters(o.maxRoutes);
    this.registration = o.registry === null ? null : o.registry.register(this.counters, (c, sink) => c.report(sink), o.attributes);
  }

  /** Counters since creation. */
  stats(): HttpCacheStats {
    return this.counters.snapshot();
  }

  /**
   * Handles one request. `next` runs the origin with `req`/`res`; `reissue`
   * runs it for a synthetic pair (background refreshes; null when the front
   * end cannot). `mountPath` is the prefix a framework stripped from req.url.
   */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void, reissue: Reissue | null, mountPath = '', onServe?: () => void): void {
    let ran = false;
    const once = (): void => {
      if (ran) return;
      ran = true;
      next();
    };
    try {
      const job = background.get(req);
      if (job !== undefined) {
        const ex = this.exchange(req, res, mountPath, true);
        if (ex === null) {
          job.flight.resolve(null);
          once();
          return;
        }
        ex.key = job.key;
        this.fetch(ex, once, 'background', null, job.flight);
        return;
      }
      const ex = this.closed ? null : this.exchange(req, res, mountPath, false);
      if (ex === null) {
        this.bypass(req, res, mountPath, once);
        return;
      }
      ex.onServe = onServe;
      this.lookup(ex, once, reissue).catch((err: unknown) => this.lookupFailed(err, ex, once));
    } catch (err) {
      this.options.onError(err, req);
      if (!res.headersSent) once();
    }
  }

  /** Removes the stored response of `url` on `host` (every variant and representation becomes unreachable). */
  async purge(host: string, url: string): Promise<void> {
    const h = canonicalHost(host);
    const u = canonicalUrl(url, this.options.ignore, this.options.maxUrlLength);
    if (h === null || u === null) throw new RangeError(`cannot purge ${JSON.stringify(host)} ${JSON.stringify(url)}: not a valid host and path`);
    await this.options.store.delete(primaryKey(h, u.url));
  }

  /** Waits for background work, closes the codec and the cache it created, unregisters metrics. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    for (const flight of this.flights.values()) flight.resolve(null);
    this.flights.clear();
    this.registration?.unregister();
    await this.codec?.close();
    await this.options.ownsCache?.close();
  }

  /** A bug or a throwing option callback on the lookup path: report it, and let the handler answer if nothing was sent. */
  private lookupFailed(err: unknown, ex: Exchange, next: () => void): void {
    this.options.onError(err, ex.req);
    if (!ex.res.headersSent) next();
  }

  /** Requests the cache does not handle: counted, marked, passed to the handler as they are. */
  private bypass(req: IncomingMessage, res: ServerResponse, mountPath: string, next: () => void): void {
    const route = this.safeRoute(req, mountPath + (typeof req.url === 'string' ? req.url : ''));
    this.counters.count(route, 'bypass');
    this.counters.originCall(route);
    if (!res.headersSent) res.setHeader('Cache-Status', `${this.options.cacheStatusName}; fwd=bypass`);
    next();
  }

  private safeRoute(req: IncomingMessage, path: string): string {
    const o = this.options;
    // The default route depends on the path alone: remember it (bounded).
    const memo = o.routeIsDefault ? this.routes.get(path) : undefined;
    if (memo !== undefined) return memo;
    let route: string;
    try {
      const r = o.route(req, path);
      route = typeof r === 'string' && r.length > 0 ? r.slice(0, 200) : 'other';
    } catch {
      route = 'other';
    }
    if (o.routeIsDefault) {
      if (this.routes.size >= 10_000) this.routes.clear();
      this.routes.set(path, route);
    }
    return route;
  }

  /** Builds the exchange, or null when the request must pass through uncached. */
  private exchange(req: IncomingMessage, res: ServerResponse, mountPath: string, refresh: boolean): Exchange | null {
    const o = this.options;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return null;
    const host = canonicalHost(req.headers.host);
    if (host === null) return null;
    const canonical = canonicalUrl(req.url, o.ignore, o.maxUrlLength);
    if (canonical === null) return null;
    const fullUrl = mountPath + canonical.url;
    const authorized = req.headers.authorization !== undefined;
    if (authorized && o.authorization === 'bypass') return null;
    if (req.headers.upgrade !== undefined) return null;
    const primary = primaryKey(host, fullUrl);
    if (primary.length > MAX_STORE_KEY) return null;
    let requestCC = parseCacheControl(o.honorRequestDirectives && !refresh ? req.headers['cache-control'] : undefined);
    if (o.honorRequestDirectives && !refresh && requestCC.size === 0 && /no-cache/i.test(header(req, 'pragma') ?? '')) {
      requestCC = new Map([['no-cache', true]]);
    }
    return {
      req,
      res,
      head: method === 'HEAD',
      host,
      url: canonical.url,
      fullUrl,
      primary,
      key: primary,
      vary: [],
      route: this.safeRoute(req, fullUrl),
      requestCC,
      authorized,
      ifNoneMatch: header(req, 'if-none-match'),
      ifModifiedSince: header(req, 'if-modified-since'),
      acceptEncoding: header(req, 'accept-encoding'),
      headers: req.headers,
    };
  }

  private async read(key: string): Promise<ReturnType<typeof decodeRecord>> {
    try {
      const bytes = await this.options.store.get(key);
      if (bytes === undefined) return undefined;
      // A TierCache L1 hands back the very Buffer that was stored: parse each one once.
      let record = this.parsed.get(bytes);
      if (record === undefined) {
        record = decodeRecord(bytes);
        if (record !== undefined) this.parsed.set(bytes, record);
      }
      // Stored as zstd by an instance that has zstd, and this one cannot
      // decode it for other clients: a miss, replaced by what this one stores.
      if (record?.kind === Kind.RESPONSE && record.coding === 'zstd' && this.codec === null) return undefined;
      return record;
    } catch (err) {
      // A failing store is a miss, never an error for the client.
      this.options.onError(err, undefined);
      return undefined;
    }
  }

  private async lookup(ex: Exchange, next: () => void, reissue: Reissue | null): Promise<void> {
    const o = this.options;
    const cc = ex.requestCC;
    const noCache = cc.has('no-cache') || deltaSeconds(cc, 'max-age') === 0;
    let record: ResponseRecord | undefined;
    let varyMiss = false;
    if (!noCache) {
      const first = await this.read(ex.primary);
      if (first?.kind === Kind.VARY) {
        ex.vary = first.vary;
        ex.key = variantKey(ex.primary, first.vary, ex.headers);
        const second = ex.key.length > MAX_STORE_KEY ? undefined : await this.read(ex.key);
        if (second?.kind === Kind.RESPONSE) record = second;
        else varyMiss = true;
      } else if (first?.kind === Kind.RESPONSE && first.vary.length === 0) {
        record = first;
      }
    }
    if (record !== undefined && ex.authorized && !record.shareable) record = undefined;
    let stale: ResponseRecord | null = null;
    if (record !== undefined) {
      const age = o.now() - record.storedAt;
      const maxAge = deltaSeconds(cc, 'max-age');
      const use = maxAge !== undefined && age > maxAge ? Usability.EXPIRED : usability(record.lifetime, age);
      if (use === Usability.FRESH) {
        this.counters.count(ex.route, 'hit');
        await this.respond(ex, record, `hit; ttl=${Math.floor((record.lifetime.freshMs - age) / 1000)}`, null);
        return;
      }
      if (use === Usability.STALE_REVALIDATE && maxAge === undefined) {
        this.counters.count(ex.route, 'stale');
        this.revalidate(ex, reissue);
        await this.respond(ex, record, `hit; ttl=${Math.floor((record.lifetime.freshMs - age) / 1000)}; detail=stale-while-revalidate`, null);
        return;
      }
      if (age - record.lifetime.freshMs < record.lifetime.sieMs) stale = record;
    }
    if (cc.has('only-if-cached')) {
      this.counters.count(ex.route, 'miss');
      ex.onServe?.();
      ex.res.writeHead(504, { 'Cache-Status': `${o.cacheStatusName}; fwd=miss; detail=only-if-cached`, 'Content-Length': '0' });
      ex.res.end();
      return;
    }
    const fwd = noCache ? 'request' : stale !== null || record !== undefined ? 'stale' : varyMiss ? 'vary-miss' : 'uri-miss';
    const passUntil = this.pass.get(ex.key);
    if (noCache || (passUntil !== undefined && passUntil > o.now())) {
      this.fetch(ex, next, 'respond', stale, null, fwd);
      return;
    }
    const inFlight = this.flights.get(ex.key);
    if (inFlight !== undefined) {
      const leader = await inFlight.promise;
      if (leader !== null && this.belongs(ex, leader)) {
        this.counters.count(ex.route, 'collapsed');
        await this.respond(ex, leader, `fwd=${fwd}; collapsed`, null);
        return;
      }
      this.fetch(ex, next, 'respond', stale, null, fwd);
      return;
    }
    const flight = this.openFlight(ex.key);
    this.fetch(ex, next, 'respond', stale, flight, fwd);
  }

  /** Registers a handler call identical requests can wait on (at most coalesceTimeoutMs). */
  private openFlight(key: string): Flight {
    const flight = newFlight();
    this.flights.set(key, flight);
    const timer = setTimeout(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
      flight.resolve(null);
    }, this.options.coalesceTimeoutMs);
    timer.unref();
    void flight.promise.then(() => {
      clearTimeout(timer);
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    return flight;
  }

  /** Whether the response another request fetched may answer this one. */
  private belongs(ex: Exchange, record: ResponseRecord): boolean {
    if (ex.authorized && !record.shareable) return false;
    const mine = record.vary.length === 0 ? ex.primary : variantKey(ex.primary, record.vary, ex.headers);
    return mine === ex.key || (ex.key === ex.primary && record.vary.length === 0);
  }

  /** Starts a background refresh of a stale response (one per key at a time). */
  private revalidate(ex: Exchange, reissue: Reissue | null): void {
    if (reissue === null || this.flights.has(ex.key) || this.closed) return;
    const flight = this.openFlight(ex.key);
    const headers: NodeJS.Dict<string | string[]> = { ...ex.headers };
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
    delete headers['range'];
    delete headers['if-range'];
    delete headers['cache-control'];
    delete headers['pragma'];
    const { req, res } = syntheticExchange(ex.fullUrl, headers);
    background.set(req, { key: ex.key, flight });
    this.counters.revalidations++;
    const timer = setTimeout(() => flight.resolve(null), this.options.revalidateTimeoutMs);
    timer.unref();
    this.track(
      flight.promise.then(() => clearTimeout(timer)),
      ex.req,
    );
    try {
      reissue(req, res);
    } catch (err) {
      flight.resolve(null);
      this.options.onError(err, ex.req);
    }
  }

  /**
   * Runs the handler with the response captured. `respond` sends the result
   * (or a stale response instead of a failure); `background` only stores it.
   */
  private fetch(
    ex: Exchange,
    next: () => void,
    mode: 'respond' | 'background',
    stale: ResponseRecord | null,
    flight: Flight | null,
    fwd = 'uri-miss',
  ): void {
    const { req, res } = ex;
    const o = this.options;
    const headers = req.headers;
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
    delete headers['range'];
    delete headers['if-range'];
    if (ex.head) req.method = 'GET';
    // The handler sees exactly what was keyed: the canonical URL and host.
    req.url = ex.url;
    headers.host = ex.host;
    const original = (req as unknown as { originalUrl?: unknown }).originalUrl;
    if (typeof original === 'string') (req as unknown as { originalUrl: string }).originalUrl = ex.fullUrl;
    const reads = new HeaderReads();
    if (o.trackHeaderReads) req.headers = trackHeaders(headers, reads);
    this.counters.originCall(ex.route);
    let done = false;
    const abandon = (): void => {
      if (!done) flight?.resolve(null);
    };
    res.once('close', abandon);
    capture(res, o.maxBodyBytes, mode, (captured) => {
      done = true;
      reads.closed = true;
      req.headers = headers;
      if (ex.head) req.method = 'HEAD';
      this.track(this.finish(ex, captured, reads, mode, stale, flight, fwd), req);
    });
    next();
  }

  private async finish(
    ex: Exchange,
    captured: Captured,
    reads: HeaderReads,
    mode: 'respond' | 'background',
    stale: ResponseRecord | null,
    flight: Flight | null,
    fwd: string,
  ): Promise<void> {
    const o = this.options;
    const { res } = ex;
    let result: Result = 'miss';
    try {
      if (captured.overflowed) {
        flight?.resolve(null);
        this.markPass(ex.key);
        if (mode === 'background') finishSynthetic(res);
        return;
      }
      const status = captured.status;
      if (stale !== null && mode === 'respond' && status >= 500) {
        flight?.resolve(null);
        result = 'stale';
        this.discardHeaders(res);
        const age = o.now() - stale.storedAt;
        await this.respond(ex, stale, `fwd=stale; fwd-status=${status}; ttl=${Math.floor((stale.lifetime.freshMs - age) / 1000)}; detail=stale-if-error`, []);
        return;
      }
      const built = await this.build(ex, captured, reads);
      if (typeof built === 'string') {
        flight?.resolve(null);
        this.markPass(ex.key);
        if (mode === 'background') {
          finishSynthetic(res);
          return;
        }
        this.sendUnstored(ex, captured, `fwd=${fwd}; fwd-status=${status}; detail=${built}`);
        return;
      }
      const { record, storeKey } = built;
      flight?.resolve(record);
      this.pass.delete(ex.key);
      this.track(this.store(ex, record, storeKey), ex.req);
      if (mode === 'background') {
        finishSynthetic(res);
        return;
      }
      const leaderOnly: Array<[string, string]> = [];
      if (o.setCookie === 'strip') flatten('set-cookie', res.getHeader('set-cookie') as string[] | undefined, leaderOnly);
      this.discardHeaders(res);
      await this.respond(ex, record, `fwd=${fwd}; fwd-status=${status}; stored`, leaderOnly, storeKey);
    } catch (err) {
      flight?.resolve(null);
      o.onError(err, ex.req);
      if (mode === 'background') finishSynthetic(res);
      else if (!res.headersSent) this.sendUnstored(ex, captured, `fwd=${fwd}; detail=error`);
      else res.end();
    } finally {
      if (mode === 'respond') this.counters.count(ex.route, result);
    }
  }

  /** Sends what the handler produced, unchanged, for a response that is not stored. */
  private sendUnstored(ex: Exchange, captured: Captured, status: string): void {
    const { res } = ex;
    res.setHeader('Cache-Status', this.cacheStatus(res.getHeader('cache-status'), status));
    if (!res.hasHeader('content-length') && !res.hasHeader('transfer-encoding')) res.setHeader('Content-Length', captured.body.length);
    this.addSent(captured.body.length, captured.body.length);
    res.end(ex.head ? undefined : captured.body);
  }

  private discardHeaders(res: ServerResponse): void {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
  }

  private markPass(key: string): void {
    const o = this.options;
    if (o.passTtlMs === 0) return;
    if (this.pass.size >= 10_000) this.pass.clear();
    this.pass.set(key, o.now() + o.passTtlMs);
  }

  /** The record to store for a captured response, or why it is not stored. */
  private async build(ex: Exchange, captured: Captured, reads: HeaderReads): Promise<{ record: ResponseRecord; storeKey: string } | string> {
    const o = this.options;
    const { res } = ex;
    if (!o.cacheableStatuses.has(captured.status)) return 'status';
    const cc = parseCacheControl(res.getHeader('cache-control') as string | string[] | undefined);
    if (cc.has('no-store')) return 'no-store';
    if (cc.has('private')) return 'private';
    if (cc.has('no-cache')) return 'no-cache';
    if (ex.requestCC.has('no-store')) return 'request-no-store';
    const encoding = res.getHeader('content-encoding');
    if (encoding !== undefined && String(encoding).toLowerCase() !== 'identity') return 'encoded';
    if (res.hasHeader('set-cookie') && o.setCookie === 'bypass') return 'set-cookie';
    if (ex.authorized && !(cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate'))) return 'authorization';
    if (reads.enumerated) return 'headers-enumerated';
    const declared = varyNames(res.getHeader('vary'));
    if (declared === null) return 'vary-star';
    const lifetime = lifetimeOf(cc, res.getHeader('expires'), res.getHeader('date'), o);
    const ttl = storeTtlMs(lifetime);
    if (!(ttl > 0)) return 'not-fresh';
    const names = new Set<string>([...ex.vary, ...declared, ...o.keyHeaders, ...reads.names]);
    const vary = [...names].sort();
    const ageHeader = Number(res.getHeader('age'));
    const now = o.now();
    const storedAt = Number.isFinite(ageHeader) && ageHeader > 0 ? now - ageHeader * 1000 : now;
    const body = captured.body;
    const handlerEtag = res.getHeader('etag');
    const etag = typeof handlerEtag === 'string' && /^(W\/)?"[^"]*"$/.test(handlerEtag) ? handlerEtag : `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
    const headers: Array<[string, string]> = [];
    for (const [name, value] of Object.entries(res.getHeaders())) {
      if (!HOP_BY_HOP.has(name)) flatten(name, value as string | string[] | number | undefined, headers);
    }
    if (!res.hasHeader('date')) headers.push(['date', new Date(now).toUTCString()]);
    const worthIt = this.codec !== null && o.compression !== null && compressible(res.getHeader('content-type') as string | undefined, body.length, o.compression);
    const stored = await storedForm(this.codec!, body, worthIt);
    const record: ResponseRecord = {
      kind: Kind.RESPONSE,
      status: captured.status,
      headers,
      etag,
      storedAt,
      lifetime,
      coding: stored.coding,
      length: body.length,
      vary,
      shareable: cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate'),
      body: stored.body,
    };
    // The identity bytes stay at hand (not stored): the leader and its followers may need them.
    record.identity = body;
    const storeKey = vary.length === 0 ? ex.primary : variantKey(ex.primary, vary, ex.headers);
    if (storeKey.length > MAX_STORE_KEY) return 'key-too-long';
    return { record, storeKey };
  }

  private async store(ex: Exchange, record: ResponseRecord, storeKey: string): Promise<void> {
    const o = this.options;
    const ttl = storeTtlMs(record.lifetime);
    try {
      if (record.vary.length > 0) await o.store.set(ex.primary, encodeRecord({ kind: Kind.VARY, vary: record.vary }), ttl);
      await o.store.set(storeKey, encodeRecord(record), ttl);
      this.counters.stores++;
    } catch (err) {
      o.onError(err, ex.req);
    }
  }

  /** The body of `record` in `coding`: the stored bytes, or a representation produced once and cached. */
  private async body(record: ResponseRecord, coding: Coding, storeKey: string): Promise<Buffer> {
    if (coding === record.coding) return coding === 'zstd' ? zstdFrame(record.body) : record.body;
    if (coding === 'identity' && record.identity !== undefined) return record.identity;
    const memo = `${storeKey}\u0000${record.etag}\u0000${coding}`;
    const running = this.deriving.get(memo);
    if (running !== undefined) return running;
    const key = `${storeKey}\u0000${coding}`;
    const derived = await this.read(key);
    if (derived?.kind === Kind.DERIVED && derived.etag === record.etag && derived.coding === coding) return derived.body;
    const produce = (async () => {
      const identity = record.identity ?? (record.coding === 'identity' ? record.body : this.codec!.decode(record.body));
      const contentType = record.headers.find(([n]) => n === 'content-type')?.[1] ?? '';
      const out = await encodeAs(coding, identity, this.options.compression!, /^text\/|json|xml|javascript/i.test(contentType));
      this.counters.encodings[coding as 'br' | 'gzip' | 'identity']++;
      const remaining = storeTtlMs(record.lifetime) - (this.options.now() - record.storedAt);
      if (remaining > 0) {
        try {
          await this.options.store.set(key, encodeRecord({ kind: Kind.DERIVED, etag: record.etag, coding, body: out }), remaining);
        } catch (err) {
          this.options.onError(err, undefined);
        }
      }
      return out;
    })();
    this.deriving.set(memo, produce);
    try {
      return await produce;
    } finally {
      this.deriving.delete(memo);
    }
  }

  private cacheStatus(existing: unknown, entry: string): string {
    const mine = `${this.options.cacheStatusName}; ${entry}`;
    if (existing === undefined) return mine;
    return `${Array.isArray(existing) ? existing.join(', ') : String(existing)}, ${mine}`;
  }

  /**
   * The codings `record` can be served in: all of them when it is stored as
   * zstd; br and gzip too when zstd cannot load here (stored as identity,
   * compressed on demand once per coding) and the body is worth it; else
   * identity only (small, or not compressible, or compression off).
   */
  private codingsOf(record: ResponseRecord): ReadonlySet<Coding> {
    if (record.coding === 'zstd') return ALL_CODINGS;
    const settings = this.options.compression;
    if (this.codec !== null || settings === null) return IDENTITY_ONLY;
    const contentType = record.headers.find(([n]) => n === 'content-type')?.[1];
    return compressible(contentType, record.length, settings) ? WITHOUT_ZSTD : IDENTITY_ONLY;
  }

  /** Sends `record` to this client: negotiation, conditional request, headers, body. */
  private async respond(ex: Exchange, record: ResponseRecord, status: string, leaderOnly: Array<[string, string]> | null, storeKey = ex.key): Promise<void> {
    const { res } = ex;
    if (leaderOnly === null) ex.onServe?.();
    const coding = negotiate(ex.acceptEncoding, this.codingsOf(record));
    const age = String(Math.max(0, Math.floor((this.options.now() - record.storedAt) / 1000)));
    const shape = shapeOf(record);
    if (coding === null) {
      res.writeHead(406, { vary: shape.vary, 'cache-status': this.cacheStatus(shape.cacheStatus, `${status}; detail=not-acceptable`), 'content-length': '0' });
      res.end();
      return;
    }
    const cacheStatus = this.cacheStatus(shape.cacheStatus, status);
    if (this.notModified(ex, record)) {
      const headers = { ...shape.headers304, etag: taggedEtag(record.etag, coding), age, 'cache-status': cacheStatus };
      if (leaderOnly !== null) addPairs(headers, leaderOnly);
      res.writeHead(304, headers);
      res.end();
      return;
    }
    // The body (and so its length) of each coding is kept with the parsed record once known.
    let served = shape.served[coding];
    if (served === undefined) {
      const body = await this.body(record, coding, storeKey);
      served = shape.served[coding] = {
        body,
        headers: {
          ...shape.headers,
          ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
          'content-length': String(body.length),
          etag: taggedEtag(record.etag, coding),
          vary: shape.vary,
        },
        flat: [],
      };
      for (const name of Object.keys(served.headers)) served.flat.push(name, served.headers[name]);
      served.flat.push('age', '', 'cache-status', '');
    }
    if (leaderOnly === null) {
      // Hits: a copy of the precomputed [name, value, ...] list (the object's order), Age and Cache-Status filled in:
      // no object spread per response, and node:http walks an array instead of an object's keys.
      const flat = served.flat.slice();
      flat[flat.length - 3] = age;
      flat[flat.length - 1] = cacheStatus;
      res.writeHead(record.status, flat as string[]);
    } else {
      const headers: Record<string, string | string[]> = { ...served.headers, age, 'cache-status': cacheStatus };
      res.writeHead(record.status, addPairs(headers, leaderOnly));
    }
    if (ex.head || record.status === 204) res.end();
    else res.end(served.body);
    this.addSent(record.length, served.body.length);
  }

  private addSent(identity: number, sent: number): void {
    this.counters.identityBytes += identity;
    this.counters.sentBytes += sent;
  }

  private notModified(ex: Exchange, record: ResponseRecord): boolean {
    if (record.status !== 200) return false;
    if (ex.ifNoneMatch !== undefined) return etagMatches(ex.ifNoneMatch, record.etag);
    if (ex.ifModifiedSince !== undefined) {
      const lm = record.headers.find(([n]) => n === 'last-modified')?.[1];
      const since = Date.parse(ex.ifModifiedSince);
      const modified = lm === undefined ? NaN : Date.parse(lm);
      return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
    }
    return false;
  }

  /** Keeps a promise's failure from going unhandled and lets close() wait for it. */
  private track(promise: Promise<unknown>, req: IncomingMessage | undefined): void {
    const p = promise.catch((err) => this.options.onError(err, req));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

const ALL_CODINGS: ReadonlySet<Coding> = new Set(['zstd', 'br', 'gzip', 'identity']);
const IDENTITY_ONLY: ReadonlySet<Coding> = new Set(['identity']);
const WITHOUT_ZSTD: ReadonlySet<Coding> = new Set(['br', 'gzip', 'identity']);

/**
 * The zstd Codec, or null where neither zstd-napi nor the addon's zstd
 * loads (no prebuilt binary, and zstd-napi's install script not run):
 * responses are then stored as identity and served as br, gzip or identity.
 */
function zstdCodec(level: number, registry: ResolvedHttpCacheOptions['registry']): Codec | null {
  try {
    return new Codec({ level, minBytes: 0, metrics: registry ?? false, name: 'http' });
  } catch (err) {
    if ((err as TierCacheError).code !== ErrorCode.CODEC_UNAVAILABLE) throw err;
    return null;
  }
}

/** Adds header pairs to a writeHead object, repeated names as arrays (Set-Cookie). */
function addPairs(out: Record<string, string | string[]>, pairs: ReadonlyArray<readonly [string, string]>): Record<string, string | string[]> {
  for (const [n, v] of pairs) {
    const prev = out[n];
    out[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** What every response from one record shares, computed once per parsed record. */
interface Shape {
  /** The stored headers (Cache-Status from the handler excepted). */
  headers: Record<string, string | string[]>;
  /** The ones a 304 repeats. */
  headers304: Record<string, string | string[]>;
  cacheStatus: string | undefined;
  vary: string;
  /**
   * Per coding: the body and the full headers but Age and Cache-Status; `flat` lists the same headers as
   * `[name, value, ...]` (in the object's order) followed by `age` and `cache-status`, whose values each response fills in.
   */
  served: Partial<Record<Coding, { body: Buffer; headers: Record<string, string | string[]>; flat: Array<string | string[]> }>>;
}

const shapes = new WeakMap<ResponseRecord, Shape>();

function shapeOf(record: ResponseRecord): Shape {
  let shape = shapes.get(record);
  if (shape !== undefined) return shape;
  let cacheStatus: string | undefined;
  const kept: Array<[string, string]> = [];
  for (const pair of record.headers) {
    if (pair[0] === 'cache-status') cacheStatus = cacheStatus === undefined ? pair[1] : `${cacheStatus}, ${pair[1]}`;
    else kept.push(pair);
  }
  const vary = record.vary.length === 0 ? 'Accept-Encoding' : `Accept-Encoding, ${record.vary.join(', ')}`;
  shape = {
    headers: addPairs({}, kept),
    headers304: { ...addPairs({}, kept.filter(([n]) => HEADERS_304.has(n))), vary },
    cacheStatus,
    vary,
    served: {},
  };
  shapes.set(record, shape);
  return shape;
}
