/** Options of httpCache, their defaults and their validation. */
import type { IncomingMessage } from 'node:http';
import {
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkOneOf,
  checkOptionalBoolean,
  checkOptionalInteger,
  checkOptionsObject,
  describe,
} from '../common/validate.js';
import { LocalCache } from '../local/local-cache.js';
import { TierCache, createCache } from '../tier/tier-cache.js';
import { Attr, instanceAttributes, resolveMetricsOption, type Attributes, type MetricsOption, type MetricsRegistry } from '../metrics/index.js';
import { DEFAULT_IGNORED_PARAMS, ignorePredicate } from './key.js';
import { DEFAULT_SKIP_TYPES, type CompressionSettings } from './representations.js';
import { isStore, localCacheStore, tierCacheStore, type HttpCacheStore } from './store.js';
import { defaultRoute } from './stats.js';

/** Compression settings (see docs/http.md). */
export interface HttpCompressionOptions {
  /** Bodies shorter than this are served as identity only. Default 1024. */
  minBytes?: number;
  /** zstd level of the stored representation (1-19). Default 6: compressed once, served many times. */
  zstdLevel?: number;
  /** Brotli quality of the br representation (0-11). Default 6. */
  brotliQuality?: number;
  /** gzip level (1-9). Default 6. */
  gzipLevel?: number;
  /** Content types never compressed (already compressed media); `type/*` for a whole type. Default: images, video, audio, archives, woff, pdf, wasm, octet-stream. */
  skipTypes?: string[];
}

/** Options of `httpCache(handler, options)`, `httpCacheMiddleware(options)` and the Fastify plugin. */
export interface HttpCacheOptions {
  /**
   * Where responses are kept: a TierCache (L1 only, or L1 + Redis shared by
   * every instance), a LocalCache, or any {@link HttpCacheStore}. Default: a
   * private L1-only TierCache of 64 MiB, closed by close().
   */
  cache?: TierCache<unknown> | LocalCache | HttpCacheStore;
  /** Freshness of responses that state none (no max-age, s-maxage or Expires); 0 (default) stores only responses that do. */
  ttlMs?: number;
  /** Stale-while-revalidate window of responses without the directive. Default 0. */
  staleWhileRevalidateMs?: number;
  /** Stale-if-error window of responses without the directive. Default 0. */
  staleIfErrorMs?: number;
  /** Query parameters dropped from the key and from the URL the handler sees; `prefix*` for prefixes. Default: utm_*, fbclid, gclid, ... */
  ignoreQueryParams?: string[];
  /** Request headers always part of the key, as if every response named them in Vary. */
  keyHeaders?: string[];
  /** Key responses on every request header the handler read (see docs/http.md). Default true. */
  trackHeaderReads?: boolean;
  /** Status codes that may be stored. Default 200, 203, 204, 300, 301, 308, 404, 410. */
  cacheableStatuses?: number[];
  /** Responses with Set-Cookie: `'bypass'` (default: not stored) or `'strip'` (stored without it; the client that caused it still gets it). */
  setCookie?: 'bypass' | 'strip';
  /** Requests with Authorization: `'bypass'` (default: never cached) or `'rfc9111'` (stored and served only when the response says public, s-maxage or must-revalidate). */
  authorization?: 'bypass' | 'rfc9111';
  /** Honour `Cache-Control: no-cache` / `max-age` / `Pragma: no-cache` on requests. Default true. */
  honorRequestDirectives?: boolean;
  /** Largest body stored; larger ones stream through uncached. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Longer request targets pass through uncached. Default 8192. */
  maxUrlLength?: number;
  /** Compression of stored responses, or false to store and serve identity only. */
  compression?: HttpCompressionOptions | false;
  /** How long a request waits for an identical one's handler call before running its own. Default 10 000. */
  coalesceTimeoutMs?: number;
  /** How long a background refresh may take before it is abandoned. Default 30 000. */
  revalidateTimeoutMs?: number;
  /** How long a URL whose response could not be stored is not waited on by identical requests. Default 5000. */
  passTtlMs?: number;
  /** The cache's name in Cache-Status (RFC 9211). Default 'tiercache'. */
  cacheStatusName?: string;
  /** The route label of a request for per-route stats. Default: the path with id-like segments as `:id`. */
  route?: (req: IncomingMessage, path: string) => string;
  /** Distinct route labels tracked; the rest count as `other`. Default 100. */
  maxRoutes?: number;
  /** Clock of the freshness logic, in milliseconds. Default Date.now. */
  now?: () => number;
  /** Called with errors httpCache recovered from (a store that failed, a handler that threw). */
  onError?: (error: unknown, req: IncomingMessage | undefined) => void;
  /** Where the `http.cache.*` metrics go (default: the process-wide registry; false: none). */
  metrics?: MetricsOption;
  /** Instance name, the `http.cache.name` metric attribute. */
  name?: string;
}

/** Options after validation. */
export interface ResolvedHttpCacheOptions {
  store: HttpCacheStore;
  /** The cache httpCache created (and closes), when none was given. */
  ownsCache: TierCache<unknown> | null;
  ttlMs: number;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
  ignore: (name: string) => boolean;
  keyHeaders: string[];
  trackHeaderReads: boolean;
  cacheableStatuses: ReadonlySet<number>;
  setCookie: 'bypass' | 'strip';
  authorization: 'bypass' | 'rfc9111';
  honorRequestDirectives: boolean;
  maxBodyBytes: number;
  maxUrlLength: number;
  compression: (CompressionSettings & { zstdLevel: number }) | null;
  coalesceTimeoutMs: number;
  revalidateTimeoutMs: number;
  passTtlMs: number;
  cacheStatusName: string;
  route: (req: IncomingMessage, path: string) => string;
  /** True when `route` is the default (a function of the path alone, so it can be memoized). */
  routeIsDefault: boolean;
  maxRoutes: number;
  now: () => number;
  onError: (error: unknown, req: IncomingMessage | undefined) => void;
  registry: MetricsRegistry | null;
  attributes: Attributes;
}

const KNOWN = [
  'cache',
  'ttlMs',
  'staleWhileRevalidateMs',
  'staleIfErrorMs',
  'ignoreQueryParams',
  'keyHeaders',
  'trackHeaderReads',
  'cacheableStatuses',
  'setCookie',
  'authorization',
  'honorRequestDirectives',
  'maxBodyBytes',
  'maxUrlLength',
  'compression',
  'coalesceTimeoutMs',
  'revalidateTimeoutMs',
  'passTtlMs',
  'cacheStatusName',
  'route',
  'maxRoutes',
  'now',
  'onError',
  'metrics',
  'name',
] as const;

const MAX_MS = 2 ** 31 - 1;
const DEFAULT_STATUSES = [200, 203, 204, 300, 301, 308, 404, 410];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function stringArray(value: unknown, name: string, fallback: readonly string[], check?: (s: string, n: string) => void): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings, got ${describe(value)}`);
  return value.map((v: unknown, i) => {
    if (typeof v !== 'string' || v.length === 0) throw new TypeError(`${name}[${i}] must be a non-empty string, got ${describe(v)}`);
    check?.(v, `${name}[${i}]`);
    return v;
  });
}

function headerName(s: string, name: string): void {
  if (!TOKEN.test(s)) throw new RangeError(`${name} must be an HTTP header name, got ${describe(s)}`);
}

function resolveCompression(value: unknown): (CompressionSettings & { zstdLevel: number }) | null {
  if (value === false) return null;
  const o = checkOptionsObject(value, 'options.compression');
  checkKnownKeys(o, 'options.compression', ['minBytes', 'zstdLevel', 'brotliQuality', 'gzipLevel', 'skipTypes']);
  return {
    minBytes: checkOptionalInteger(o.minBytes, 'options.compression.minBytes', 0, MAX_MS, 1024),
    zstdLevel: checkOptionalInteger(o.zstdLevel, 'options.compression.zstdLevel', 1, 19, 6),
    brotliQuality: checkOptionalInteger(o.brotliQuality, 'options.compression.brotliQuality', 0, 11, 6),
    gzipLevel: checkOptionalInteger(o.gzipLevel, 'options.compression.gzipLevel', 1, 9, 6),
    skipTypes: new Set(stringArray(o.skipTypes, 'options.compression.skipTypes', DEFAULT_SKIP_TYPES).map((t) => t.toLowerCase())),
  };
}

/** Validates `options` (TypeError/RangeError naming the option) and applies defaults. */
export function resolveHttpCacheOptions(options: unknown): ResolvedHttpCacheOptions {
  const o = checkOptionsObject(options, 'options');
  checkKnownKeys(o, 'options', KNOWN);
  let store: HttpCacheStore;
  let ownsCache: TierCache<unknown> | null = null;
  if (o.cache === undefined) {
    // Records are compressed already: no second zstd pass.
    ownsCache = createCache({ l1: { maxBytes: 64 * 2 ** 20 }, l2: false, ttlMs: 0, codec: false, metrics: o.metrics as MetricsOption | undefined, name: 'http' });
    store = tierCacheStore(ownsCache);
  } else if (o.cache instanceof TierCache) {
    store = tierCacheStore(o.cache);
  } else if (o.cache instanceof LocalCache) {
    store = localCacheStore(o.cache);
  } else if (isStore(o.cache)) {
    store = o.cache;
  } else {
    throw new TypeError(`options.cache must be a LocalCache, a TierCache or an object with get, set and delete, got ${describe(o.cache)}`);
  }
  const statuses = o.cacheableStatuses === undefined ? DEFAULT_STATUSES : o.cacheableStatuses;
  if (!Array.isArray(statuses)) throw new TypeError(`options.cacheableStatuses must be an array of status codes, got ${describe(statuses)}`);
  statuses.forEach((s: unknown, i) => checkInteger(s, `options.cacheableStatuses[${i}]`, 200, 599));
  const now = o.now === undefined ? Date.now : checkFunction<() => number>(o.now, 'options.now');
  const onError = o.onError === undefined ? () => {} : checkFunction<(e: unknown, r: IncomingMessage | undefined) => void>(o.onError, 'options.onError');
  const route = o.route === undefined ? (_req: IncomingMessage, path: string) => defaultRoute(path) : checkFunction<(r: IncomingMessage, p: string) => string>(o.route, 'options.route');
  if (o.cacheStatusName !== undefined && (typeof o.cacheStatusName !== 'string' || !TOKEN.test(o.cacheStatusName))) {
    throw new TypeError(`options.cacheStatusName must be a token (letters, digits, -_.), got ${describe(o.cacheStatusName)}`);
  }
  return {
    store,
    ownsCache,
    ttlMs: checkOptionalInteger(o.ttlMs, 'options.ttlMs', 0, Number.MAX_SAFE_INTEGER, 0),
    staleWhileRevalidateMs: checkOptionalInteger(o.staleWhileRevalidateMs, 'options.staleWhileRevalidateMs', 0, Number.MAX_SAFE_INTEGER, 0),
    staleIfErrorMs: checkOptionalInteger(o.staleIfErrorMs, 'options.staleIfErrorMs', 0, Number.MAX_SAFE_INTEGER, 0),
    ignore: ignorePredicate(stringArray(o.ignoreQueryParams, 'options.ignoreQueryParams', DEFAULT_IGNORED_PARAMS)),
    keyHeaders: stringArray(o.keyHeaders, 'options.keyHeaders', [], headerName).map((h) => h.toLowerCase()),
    trackHeaderReads: checkOptionalBoolean(o.trackHeaderReads, 'options.trackHeaderReads', true),
    cacheableStatuses: new Set(statuses as number[]),
    setCookie: o.setCookie === undefined ? 'bypass' : checkOneOf(o.setCookie, 'options.setCookie', ['bypass', 'strip']),
    authorization: o.authorization === undefined ? 'bypass' : checkOneOf(o.authorization, 'options.authorization', ['bypass', 'rfc9111']),
    honorRequestDirectives: checkOptionalBoolean(o.honorRequestDirectives, 'options.honorRequestDirectives', true),
    maxBodyBytes: checkOptionalInteger(o.maxBodyBytes, 'options.maxBodyBytes', 0, 2 ** 31 - 1, 8 * 2 ** 20),
    maxUrlLength: checkOptionalInteger(o.maxUrlLength, 'options.maxUrlLength', 1, 16000, 8192),
    compression: resolveCompression(o.compression),
    coalesceTimeoutMs: checkOptionalInteger(o.coalesceTimeoutMs, 'options.coalesceTimeoutMs', 0, MAX_MS, 10_000),
    revalidateTimeoutMs: checkOptionalInteger(o.revalidateTimeoutMs, 'options.revalidateTimeoutMs', 1, MAX_MS, 30_000),
    passTtlMs: checkOptionalInteger(o.passTtlMs, 'options.passTtlMs', 0, MAX_MS, 5000),
    cacheStatusName: (o.cacheStatusName as string | undefined) ?? 'tiercache',
    route,
    routeIsDefault: o.route === undefined,
    maxRoutes: checkOptionalInteger(o.maxRoutes, 'options.maxRoutes', 1, 100_000, 100),
    now,
    onError,
    registry: resolveMetricsOption(o.metrics),
    attributes: instanceAttributes(o.name, 'options.name', Attr.httpCacheName),
  };
}
