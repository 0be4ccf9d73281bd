/**
 * `httpCache(handler, options)`: a node:http request handler wrapped by the
 * cache. The returned function is itself a handler (pass it to
 * `http.createServer`), with `stats()`, `purge()` and `close()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkFunction } from '../common/validate.js';
import { HttpCacheCore } from './core.js';
import type { HttpCacheOptions } from './options.js';
import type { HttpCacheStats } from './stats.js';

/** A node:http handler; it may return a promise (a rejection is handled like a throw). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The wrapped handler. */
export interface CachedHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Counters: hits, misses, stale, collapsed, bypasses, origin calls, bytes, per route. */
  stats(): HttpCacheStats;
  /** Removes the stored response of `url` (path and query) on `host`, with every variant and representation. */
  purge(host: string, url: string): Promise<void>;
  /** Waits for background work and releases the codec, timers and metrics. The handler passes requests through afterwards. */
  close(): Promise<void>;
}

/** Answers a request whose handler threw or rejected: a 500, which stale-if-error may replace. */
export function handlerFailed(core: HttpCacheCore, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  core.options.onError(error, req);
  if (res.writableEnded || res.headersSent || res.destroyed) {
    if (!res.writableEnded && !res.destroyed) res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = 500;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Internal Server Error');
}

/** Wraps `handler` with the cache; see docs/http.md. */
export function httpCache(handler: RequestHandler, options?: HttpCacheOptions): CachedHandler {
  checkFunction(handler, 'handler');
  const core = new HttpCacheCore(options);
  const run = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const result = handler(req, res) as { then?: unknown } | undefined;
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
        (result as Promise<unknown>).then(undefined, (err: unknown) => handlerFailed(core, req, res, err));
      }
    } catch (err) {
      handlerFailed(core, req, res, err);
    }
  };
  const cached = ((req: IncomingMessage, res: ServerResponse): void => {
    core.handle(req, res, () => run(req, res), cached);
  }) as CachedHandler;
  cached.stats = () => core.stats();
  cached.purge = (host, url) => core.purge(host, url);
  cached.close = () => core.close();
  return cached;
}
