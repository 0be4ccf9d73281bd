/**
 * Counters of an httpCache, per route, read by `stats()` and by the metrics
 * registry at scrape time (nothing but number bumps on the request path).
 */
import { Attr, HttpCacheMetrics } from '../metrics/conventions.js';
import type { MetricSink } from '../metrics/registry.js';

/** What httpCache did with one request. */
export type Result = 'hit' | 'stale' | 'miss' | 'collapsed' | 'bypass';

/** Counters of one route (or of all routes together). */
export interface RouteStats {
  /** Fresh hits. */
  hits: number;
  /** Stale responses served (stale-while-revalidate, stale-if-error). */
  stale: number;
  /** Requests that ran the handler and could have been cached. */
  misses: number;
  /** Requests answered by another request's handler call (coalescing). */
  collapsed: number;
  /** Requests passed through uncached (method, bad input, request rules). */
  bypasses: number;
  /** Handler calls (misses, background refreshes, bypasses, and requests whose response could not be stored). */
  originCalls: number;
  /** (hits + stale) / (hits + stale + misses + collapsed), 0 when there were none. */
  hitRatio: number;
}

/** Every counter of an httpCache. */
export interface HttpCacheStats extends RouteStats {
  /** Background refreshes started (stale-while-revalidate). */
  revalidations: number;
  /** Responses stored. */
  stores: number;
  /** Body bytes before content coding, of responses served through the cache. */
  identityBytes: number;
  /** Body bytes as sent. */
  sentBytes: number;
  /** Representations produced once from stored responses, by coding. */
  encodings: { br: number; gzip: number; identity: number };
  /** Per route. */
  routes: Record<string, RouteStats>;
}

const HIT = 0;
const STALE = 1;
const MISS = 2;
const COLLAPSED = 3;
const BYPASS = 4;
const ORIGIN = 5;
const RESULT_INDEX: Record<Result, number> = { hit: HIT, stale: STALE, miss: MISS, collapsed: COLLAPSED, bypass: BYPASS };
const RESULTS: readonly Result[] = ['hit', 'stale', 'miss', 'collapsed', 'bypass'];

function ratio(c: Float64Array): number {
  const served = c[HIT] + c[STALE];
  const total = served + c[MISS] + c[COLLAPSED];
  return total === 0 ? 0 : served / total;
}

function routeStats(c: Float64Array): RouteStats {
  return { hits: c[HIT], stale: c[STALE], misses: c[MISS], collapsed: c[COLLAPSED], bypasses: c[BYPASS], originCalls: c[ORIGIN], hitRatio: ratio(c) };
}

/** The counters; routes beyond `maxRoutes` are counted under `other`. */
export class HttpCacheCounters {
  private readonly routes = new Map<string, Float64Array>();
  revalidations = 0;
  stores = 0;
  identityBytes = 0;
  sentBytes = 0;
  readonly encodings = { br: 0, gzip: 0, identity: 0 };

  constructor(private readonly maxRoutes: number) {}

  private route(route: string): Float64Array {
    let c = this.routes.get(route);
    if (c === undefined) {
      if (this.routes.size >= this.maxRoutes) return this.route('other');
      c = new Float64Array(6);
      this.routes.set(route, c);
    }
    return c;
  }

  count(route: string, result: Result): void {
    this.route(route)[RESULT_INDEX[result]]++;
  }

  originCall(route: string): void {
    this.route(route)[ORIGIN]++;
  }

  snapshot(): HttpCacheStats {
    const total = new Float64Array(6);
    const routes: Record<string, RouteStats> = {};
    for (const [name, c] of this.routes) {
      for (let i = 0; i < 6; i++) total[i] += c[i];
      routes[name] = routeStats(c);
    }
    return {
      ...routeStats(total),
      revalidations: this.revalidations,
      stores: this.stores,
      identityBytes: this.identityBytes,
      sentBytes: this.sentBytes,
      encodings: { ...this.encodings },
      routes,
    };
  }

  /** Reports into a metrics registry (a collector: called at scrape time). */
  report(sink: MetricSink): void {
    for (const [route, c] of this.routes) {
      const attrs = { [Attr.httpRoute]: route };
      for (const result of RESULTS) {
        sink.observe(HttpCacheMetrics.requests, c[RESULT_INDEX[result]], { ...attrs, [Attr.httpCacheResult]: result });
      }
      sink.observe(HttpCacheMetrics.hitRatio, ratio(c), attrs);
      sink.observe(HttpCacheMetrics.originCalls, c[ORIGIN], attrs);
    }
    sink.observe(HttpCacheMetrics.bytes, this.identityBytes, { [Attr.httpCacheBytes]: 'identity' });
    sink.observe(HttpCacheMetrics.bytes, this.sentBytes, { [Attr.httpCacheBytes]: 'sent' });
    sink.observe(HttpCacheMetrics.stores, this.stores);
    for (const coding of ['br', 'gzip', 'identity'] as const) {
      sink.observe(HttpCacheMetrics.encodings, this.encodings[coding], { [Attr.httpCacheCoding]: coding });
    }
  }
}

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The default route label: the path with id-like segments (numbers, hex, UUIDs, long tokens) as `:id`. */
export function defaultRoute(path: string): string {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  const segments = p.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (ID_SEGMENT.test(s) || s.length > 32) segments[i] = ':id';
  }
  return segments.join('/');
}
