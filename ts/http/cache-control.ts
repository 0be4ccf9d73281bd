/**
 * Cache-Control parsing (RFC 9111 §5.2): a comma-separated list of
 * directives, each a token with an optional `=token` or `="quoted"` argument.
 * Unknown directives are kept; malformed members are skipped, never thrown.
 */

/** Directives by lowercase name; the value is the argument or `true`. */
export type Directives = Map<string, string | true>;

const EMPTY: Directives = new Map();

/** Parses one or more Cache-Control field values (an array when the header was repeated). */
export function parseCacheControl(value: string | readonly string[] | undefined): Directives {
  if (value === undefined) return EMPTY;
  const text = typeof value === 'string' ? value : value.join(',');
  if (text.length === 0) return EMPTY;
  const out: Directives = new Map();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ',' || text[i] === ' ' || text[i] === '\t')) i++;
    let start = i;
    while (i < n && text[i] !== '=' && text[i] !== ',') i++;
    const name = text.slice(start, i).trim().toLowerCase();
    let arg: string | true = true;
    if (i < n && text[i] === '=') {
      i++;
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      if (text[i] === '"') {
        i++;
        let v = '';
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < n) i++;
          v += text[i++];
        }
        i++;
        arg = v;
        while (i < n && text[i] !== ',') i++;
      } else {
        start = i;
        while (i < n && text[i] !== ',') i++;
        arg = text.slice(start, i).trim();
      }
    }
    // The first occurrence wins: a response that repeats a directive with two values is ambiguous.
    if (name.length > 0 && !out.has(name)) out.set(name, arg);
  }
  return out;
}

/**
 * The delta-seconds argument of `name` in milliseconds (RFC 9111 §1.2.2):
 * undefined when absent or not a non-negative integer; values past 2^31 s are clamped.
 */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const v = directives.get(name);
  if (v === undefined || v === true || !/^\d+$/.test(v)) return undefined;
  return Math.min(Number(v), 2 ** 31) * 1000;
}
