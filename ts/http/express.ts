/**
 * An Express-style middleware (Express 4 and 5, Connect, and anything that
 * calls `(req, res, next)`) on the same core as httpCache. Mount it before
 * the routes it caches and before middleware whose output depends on request
 * headers: the cache only sees header reads made after it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpCacheCore, type Reissue } from './core.js';
import type { HttpCacheOptions } from './options.js';
import type { HttpCacheStats } from './stats.js';

/** Express's `next`. */
export type NextFunction = (error?: unknown) => void;

/** The middleware, with the cache's controls. */
export interface HttpCacheMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: NextFunction): void;
  stats(): HttpCacheStats;
  purge(host: string, url: string): Promise<void>;
  close(): Promise<void>;
}

interface ExpressLike {
  handle?: (req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void) => void;
  parent?: ExpressLike;
}

/** Re-dispatches a synthetic request through the top-level Express app (background refreshes). */
function reissueThrough(req: IncomingMessage): Reissue | null {
  let app = (req as unknown as { app?: ExpressLike }).app;
  if (app === undefined || typeof app.handle !== 'function') return null;
  while (app.parent !== undefined && typeof app.parent.handle === 'function') app = app.parent;
  const top = app;
  return (rq, rs) =>
    top.handle!(rq, rs, (err) => {
      // Nothing handled the refresh: end it so the refresh settles (an error or 404 is never stored).
      rs.statusCode = err === undefined ? 404 : 500;
      rs.end();
    });
}

/** `app.use(httpCacheMiddleware(options))`; see docs/http.md. */
export function httpCacheMiddleware(options?: HttpCacheOptions): HttpCacheMiddleware {
  const core = new HttpCacheCore(options);
  const middleware = ((req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    const baseUrl = (req as unknown as { baseUrl?: unknown }).baseUrl;
    core.handle(req, res, () => next(), reissueThrough(req), typeof baseUrl === 'string' ? baseUrl : '');
  }) as HttpCacheMiddleware;
  middleware.stats = () => core.stats();
  middleware.purge = (host, url) => core.purge(host, url);
  middleware.close = () => core.close();
  return middleware;
}
