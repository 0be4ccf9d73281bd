/**
 * Freshness of a response as a shared cache sees it (RFC 9111 §4.2, RFC 5861),
 * computed from the handler's headers and the cache's own defaults. All times
 * are milliseconds from the injectable clock (`options.now`).
 */
import { deltaSeconds, type Directives } from './cache-control.js';

/** How long a stored response may be used, from the moment it was stored. */
export interface Lifetime {
  /** Fresh for this long (may be 0: stored only for stale serving). */
  freshMs: number;
  /** After that, served stale while a background refresh runs, for this long. */
  swrMs: number;
  /** After freshness, served instead of a failed response (5xx or error), for this long. */
  sieMs: number;
}

/** Defaults applied when the response does not say. */
export interface LifetimeDefaults {
  ttlMs: number;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
}

function httpDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * The lifetime of a response with Cache-Control `cc`: s-maxage, then
 * max-age, then Expires - Date, then `defaults.ttlMs`. `must-revalidate` and
 * `proxy-revalidate` (and `s-maxage`, which implies proxy-revalidate) forbid
 * stale serving.
 */
export function lifetimeOf(cc: Directives, expires: unknown, date: unknown, defaults: LifetimeDefaults): Lifetime {
  const sMaxAge = deltaSeconds(cc, 's-maxage');
  let freshMs = sMaxAge ?? deltaSeconds(cc, 'max-age');
  if (freshMs === undefined && expires !== undefined) {
    const e = httpDate(expires);
    // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
    freshMs = e === undefined ? 0 : Math.max(0, e - (httpDate(date) ?? Date.now()));
  }
  if (freshMs === undefined) freshMs = defaults.ttlMs;
  const noStale = sMaxAge !== undefined || cc.has('must-revalidate') || cc.has('proxy-revalidate');
  const swrMs = noStale ? 0 : (deltaSeconds(cc, 'stale-while-revalidate') ?? defaults.staleWhileRevalidateMs);
  const sieMs = noStale ? 0 : (deltaSeconds(cc, 'stale-if-error') ?? defaults.staleIfErrorMs);
  return { freshMs, swrMs, sieMs };
}

/** What a stored response of age `ageMs` may be used for. */
export const Usability = {
  FRESH: 0,
  /** Stale, within stale-while-revalidate: serve and refresh in the background. */
  STALE_REVALIDATE: 1,
  /** Stale, within stale-if-error only: usable if the origin fails. */
  STALE_IF_ERROR: 2,
  /** Too old for anything. */
  EXPIRED: 3,
} as const;

/** Classifies a stored response of age `ageMs` with lifetime `l`. */
export function usability(l: Lifetime, ageMs: number): number {
  if (ageMs < l.freshMs) return Usability.FRESH;
  const stale = ageMs - l.freshMs;
  if (stale < l.swrMs) return Usability.STALE_REVALIDATE;
  if (stale < l.sieMs) return Usability.STALE_IF_ERROR;
  return Usability.EXPIRED;
}

/** How long the store must keep a response: fresh time plus the longest stale window. */
export function storeTtlMs(l: Lifetime): number {
  return l.freshMs + Math.max(l.swrMs, l.sieMs);
}
