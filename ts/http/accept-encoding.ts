/**
 * Content-coding negotiation (RFC 9110 §12.5.3) between what a stored
 * response offers and what the request's Accept-Encoding accepts.
 */

/** The codings a stored response can be served in. */
export type Coding = 'zstd' | 'br' | 'gzip' | 'identity';

/** Server preference when q-values tie: smallest and fastest to decode first. */
const PREFERENCE: readonly Coding[] = ['zstd', 'br', 'gzip', 'identity'];

/** What the request accepts: a q-value per coding, -1 when it does not say. */
interface Accepts {
  zstd: number;
  br: number;
  gzip: number;
  identity: number;
  star: number;
}

const parsed = new Map<string, Accepts>();
const MAX_MEMO = 256;
const Q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parse(header: string): Accepts {
  const a: Accepts = { zstd: -1, br: -1, gzip: -1, identity: -1, star: -1 };
  for (const member of header.split(',')) {
    const parts = member.split(';');
    let name = parts[0].trim().toLowerCase();
    if (name.length === 0) continue;
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    let valid = true;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i].trim();
      const eq = p.indexOf('=');
      if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const v = p.slice(eq + 1).trim();
      if (!Q.test(v)) valid = false;
      else q = Number(v);
    }
    // A member with an unreadable q-value is ignored rather than guessed at.
    if (!valid) continue;
    if (name === '*') name = 'star';
    if (name === 'zstd' || name === 'br' || name === 'gzip' || name === 'identity' || name === 'star') {
      const key = name as keyof Accepts;
      // The highest q of repeated members wins.
      if (q > a[key]) a[key] = q;
    }
  }
  return a;
}

function accepts(header: string): Accepts {
  let a = parsed.get(header);
  if (a === undefined) {
    a = parse(header);
    if (parsed.size >= MAX_MEMO) parsed.clear();
    parsed.set(header, a);
  }
  return a;
}

/**
 * The coding to serve, or null when nothing available is acceptable (the
 * request refused identity and every coding on offer). `available` must hold
 * `identity` for everything to be servable without a coding.
 *
 * - No Accept-Encoding, or an empty one: identity (a client that did not ask
 *   gets no coding, whatever RFC 9110 would permit).
 * - A coding is acceptable when listed with q > 0, or covered by `*` with
 *   q > 0 and not listed; identity is acceptable unless refused by
 *   `identity;q=0`, or by `*;q=0` without an identity member.
 * - Highest q wins; ties go to zstd, br, gzip, then identity. Identity that is
 *   acceptable only by default ranks below every listed coding.
 */
export function negotiate(header: string | undefined, available: ReadonlySet<Coding>): Coding | null {
  if (header === undefined || header.length === 0) return available.has('identity') ? 'identity' : null;
  const a = accepts(header);
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    if (!available.has(coding)) continue;
    let q: number;
    if (coding === 'identity') {
      if (a.identity >= 0) q = a.identity;
      else if (a.star >= 0) q = a.star === 0 ? 0 : a.star;
      else q = 0.0001; // acceptable by default, after anything the client asked for
    } else {
      q = a[coding] >= 0 ? a[coding] : a.star >= 0 ? a.star : 0;
    }
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
