/**
 * Captures what a handler writes to a ServerResponse instead of sending it:
 * status, headers (through the response's own header store) and body bytes.
 * The handler keeps the real response object, so frameworks that add
 * methods to it (Express, Fastify) work unchanged. When the handler ends,
 * `onEnd` decides what is sent, through the original methods.
 *
 * A body larger than `maxBytes` stops the capture: what was buffered is
 * written out and the rest streams through untouched (`mode: 'respond'`), or
 * is discarded (`mode: 'background'`, a refresh nobody is waiting on).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

type Callback = (error?: Error | null) => void;

/** The original methods of a response, to send what the cache decided. */
export interface Originals {
  writeHead: ServerResponse['writeHead'];
  write: ServerResponse['write'];
  end: ServerResponse['end'];
  flushHeaders: ServerResponse['flushHeaders'];
}

/** What was captured; `overflowed` when the body passed the limit (nothing to store). */
export interface Captured {
  status: number;
  body: Buffer;
  overflowed: boolean;
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer | null {
  if (chunk === undefined || chunk === null) return null;
  if (typeof chunk === 'string') return Buffer.from(chunk, (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding);
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`The "chunk" argument must be of type string or an instance of Buffer or Uint8Array`);
}

function applyHeaders(res: ServerResponse, headers: unknown): void {
  if (headers === undefined || headers === null) return;
  if (Array.isArray(headers)) {
    // Either [[name, value], ...] or a flat [name, value, name, value].
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as Array<[string, string]>) res.appendHeader(pair[0], pair[1]);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) res.appendHeader(String(headers[i]), headers[i + 1] as string);
    }
    return;
  }
  for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (value !== undefined) res.setHeader(name, value);
  }
}

/** Installs the capture on `res`; returns the original methods. */
export function capture(res: ServerResponse, maxBytes: number, mode: 'respond' | 'background', onEnd: (captured: Captured) => void): Originals {
  const originals: Originals = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  let overflowed = false;

  const restore = (): void => {
    const r = res as unknown as Record<string, unknown>;
    delete r.writeHead;
    delete r.write;
    delete r.end;
    delete r.flushHeaders;
  };

  /** Too large to store: send (or drop) what was buffered and let the rest through. */
  const overflow = (): void => {
    overflowed = true;
    restore();
    if (mode === 'respond') {
      for (const chunk of chunks) res.write(chunk);
    } else {
      // Nobody receives a background refresh: swallow the rest.
      res.write = ((_c: unknown, e?: unknown, cb?: unknown) => {
        const done = typeof e === 'function' ? e : cb;
        if (typeof done === 'function') process.nextTick(done as Callback);
        return true;
      }) as ServerResponse['write'];
      res.end = ((..._args: unknown[]) => res) as ServerResponse['end'];
    }
    chunks.length = 0;
    onEnd({ status: res.statusCode, body: Buffer.alloc(0), overflowed: true });
  };

  const add = (chunk: unknown, encoding: unknown): boolean => {
    const b = toBuffer(chunk, encoding);
    if (b === null || b.length === 0) return true;
    size += b.length;
    if (size > maxBytes) {
      chunks.push(b);
      overflow();
      return false;
    }
    chunks.push(b);
    return true;
  };

  res.writeHead = function writeHead(this: ServerResponse, status: number, reason?: unknown, headers?: unknown) {
    res.statusCode = status;
    if (typeof reason === 'string') res.statusMessage = reason;
    else headers = reason;
    applyHeaders(res, headers);
    return res;
  } as ServerResponse['writeHead'];

  res.write = function write(this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) {
    if (ended) return false;
    const done = (typeof encoding === 'function' ? encoding : cb) as Callback | undefined;
    if (!add(chunk, encoding)) {
      // The capture gave up inside add(): this chunk went out with the others.
      if (done !== undefined) process.nextTick(done);
      return true;
    }
    if (done !== undefined) process.nextTick(done);
    return true;
  } as ServerResponse['write'];

  res.end = function end(this: ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    if (ended) return res;
    let done: unknown = cb;
    if (typeof chunk === 'function') {
      done = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      done = encoding;
      encoding = undefined;
    }
    if (typeof done === 'function') res.once('finish', done as () => void);
    if (!add(chunk, encoding)) {
      // Overflowed on the last chunk: it is already written; finish normally.
      res.end();
      return res;
    }
    ended = true;
    restore();
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    onEnd({ status: res.statusCode, body, overflowed });
    return res;
  } as ServerResponse['end'];

  // Headers go out when the cache decides, not when the handler flushes them.
  res.flushHeaders = function flushHeaders() {} as ServerResponse['flushHeaders'];

  return originals;
}
