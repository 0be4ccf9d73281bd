/**
 * Which request headers a handler reads. The handler of a miss sees
 * `req.headers` through a Proxy that records every name it reads; the
 * response is then keyed on those headers too (added to its Vary), so a
 * header the handler reflects into its response but forgot to name in Vary
 * (X-Forwarded-Host, an unknown X-Whatever) cannot poison the cache.
 * Enumerating the headers (Object.keys, spread, JSON.stringify) counts as
 * reading every one of them.
 */

/** Headers the cache itself handles, never keyed (the handler may read them freely). */
export const HANDLED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'accept-encoding',
  'cache-control',
  'pragma',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
  'connection',
  'keep-alive',
  'te',
  'upgrade',
  'transfer-encoding',
  'content-length',
  'content-type',
  'expect',
  'proxy-connection',
]);

const TOKEN = /^[a-z0-9!#$%&'*+\-.^_`|~]{1,100}$/;
/** Property reads that are not header reads (inspection, promise checks, JSON). */
const NOT_HEADERS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'then', 'tojson', 'inspect']);

/** The names read through a tracked headers object. */
export class HeaderReads {
  readonly names = new Set<string>();
  /** True when the handler enumerated the headers (it may depend on any of them). */
  enumerated = false;
  /** Stops recording (reads after the response was captured do not matter). */
  closed = false;
}

/** A Proxy over `headers` that records reads into `reads`. */
export function trackHeaders(headers: NodeJS.Dict<string | string[]>, reads: HeaderReads): NodeJS.Dict<string | string[]> {
  const note = (name: string | symbol): void => {
    // Node's header names are lowercase: reading 'X-Foo' always yields undefined and depends on nothing.
    if (reads.closed || typeof name !== 'string' || !TOKEN.test(name) || NOT_HEADERS.has(name)) return;
    if (!HANDLED_HEADERS.has(name)) reads.names.add(name);
  };
  return new Proxy(headers, {
    get(target, name, receiver) {
      note(name);
      return Reflect.get(target, name, receiver);
    },
    has(target, name) {
      note(name);
      return Reflect.has(target, name);
    },
    getOwnPropertyDescriptor(target, name) {
      note(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    ownKeys(target) {
      if (!reads.closed) reads.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}
