/**
 * The cache key of a request: method, host, path and the query parameters
 * in canonical order with the ignorable ones dropped; and, for responses
 * with Vary, the values of the request headers they vary on.
 *
 * What is dropped from the key is also dropped from the request the handler
 * sees (the URL is rewritten), so nothing unkeyed can reach the response.
 */

/** A request target the cache can key, or null for one it passes through. */
export interface CanonicalUrl {
  /** Path and canonical query, as the handler will see it. */
  url: string;
  /** Names of the query parameters that were dropped (for frameworks that parsed the query already). */
  dropped: string[];
}

const HOST = /^[A-Za-z0-9.\-_~]{1,253}(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?$/;

/** The lowercase host, or null when it is missing or not a plausible host[:port]. */
export function canonicalHost(value: unknown): string | null {
  if (typeof value !== 'string' || !HOST.test(value)) return null;
  return value.toLowerCase();
}

/**
 * Canonical form of an origin-form request target (`/path?query`): parameters
 * sorted by name (stably, so repeated names keep their order, which can
 * matter), empty members removed, ignorable names dropped. Names and values
 * stay exactly as sent (no decoding), so the handler sees what was keyed.
 * Null for anything that is not origin-form (absolute-form, `*`, control
 * characters).
 */
export function canonicalUrl(url: unknown, ignore: (name: string) => boolean, maxLength: number): CanonicalUrl | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > maxLength || url.charCodeAt(0) !== 47 /* / */) return null;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0x7e || c === 0x23 /* # */) return null;
  }
  const q = url.indexOf('?');
  if (q < 0) return { url, dropped: [] };
  const path = url.slice(0, q);
  const members = url.slice(q + 1).split('&');
  const kept: Array<[string, string]> = [];
  const dropped: string[] = [];
  for (const member of members) {
    if (member.length === 0) continue;
    const eq = member.indexOf('=');
    const name = eq < 0 ? member : member.slice(0, eq);
    if (ignore(name)) dropped.push(name);
    else kept.push([name, member]);
  }
  if (kept.length === 0) return { url: path, dropped };
  // Array.prototype.sort is stable: equal names keep their relative order.
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = path + '?';
  for (let i = 0; i < kept.length; i++) out += (i === 0 ? '' : '&') + kept[i][1];
  return { url: out, dropped };
}

/** Builds an `ignore(name)` predicate from names and prefixes (a trailing `*` makes a prefix). */
export function ignorePredicate(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return (name) => {
    if (exact.has(name)) return true;
    for (const prefix of prefixes) if (name.startsWith(prefix)) return true;
    return false;
  };
}

/** The default ignorable query parameters: analytics and click ids that never change a response. */
export const DEFAULT_IGNORED_PARAMS: readonly string[] = ['utm_*', 'fbclid', 'gclid', 'dclid', 'msclkid', 'mc_cid', 'mc_eid', '_ga', '_gl'];

/** The primary key of a GET (or HEAD, which shares it). */
export function primaryKey(host: string, url: string): string {
  return `GET ${host}${url}`;
}

/**
 * The secondary key of a variant: the primary key plus, for each varying
 * header (lowercase, sorted), its value with repeated fields joined and
 * whitespace around commas normalised. Absent and empty differ.
 */
export function variantKey(primary: string, vary: readonly string[], headers: NodeJS.Dict<string | string[]>): string {
  let key = primary + '\n';
  for (const name of vary) {
    const v = headers[name];
    if (v === undefined) key += `${name}\u0000`;
    else key += `${name}=${normalizeValue(typeof v === 'string' ? v : v.join(','))}\u0000`;
  }
  return key;
}

function normalizeValue(v: string): string {
  return v.trim().replace(/\s*,\s*/g, ',');
}
