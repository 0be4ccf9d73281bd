/**
 * A Fastify plugin on the same core as httpCache: an onRequest hook serves
 * hits (hijacking the reply) and captures the handler's output on misses.
 * Register it with `fastify.register(fastifyHttpCache, options)`; it applies
 * to the whole instance (it skips Fastify's encapsulation, like
 * fastify-plugin does).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { HttpCacheCore } from './core.js';
import type { HttpCacheOptions } from './options.js';
import type { HttpCacheStats } from './stats.js';

/** The parts of a Fastify instance the plugin uses (typed structurally: fastify is not a dependency). */
export interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (err?: Error) => void) => void): unknown;
  addHook(name: 'onClose', hook: (instance: unknown, done: () => void) => void): unknown;
  decorate(name: string, value: unknown): unknown;
  routing(req: IncomingMessage, res: ServerResponse): void;
}
interface FastifyRequestLike {
  raw: IncomingMessage;
  query: unknown;
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): unknown;
}

/** What the plugin decorates the instance with, as `fastify.httpCache`. */
export interface FastifyHttpCache {
  stats(): HttpCacheStats;
  purge(host: string, url: string): Promise<void>;
}

/** The plugin. */
export function fastifyHttpCache(fastify: FastifyLike, options: HttpCacheOptions | undefined, done: (err?: Error) => void): void {
  let core: HttpCacheCore;
  try {
    core = new HttpCacheCore(options ?? {});
  } catch (err) {
    done(err as Error);
    return;
  }
  const reissue = (req: IncomingMessage, res: ServerResponse): void => fastify.routing(req, res);
  fastify.addHook('onRequest', (request, reply, hookDone) => {
    const req = request.raw;
    const before = req.url;
    core.handle(
      req,
      reply.raw,
      () => {
        // Fastify parsed the query before this hook: re-parse the canonical one (ignored parameters dropped).
        if (req.url !== before && typeof req.url === 'string') {
          const q = req.url.indexOf('?');
          request.query = q < 0 ? {} : parseQuery(req.url.slice(q + 1));
        }
        hookDone();
      },
      reissue,
      '',
      () => reply.hijack(),
    );
  });
  fastify.addHook('onClose', (_instance, closeDone) => {
    core.close().then(closeDone, closeDone);
  });
  fastify.decorate('httpCache', { stats: () => core.stats(), purge: (host: string, url: string) => core.purge(host, url) } satisfies FastifyHttpCache);
  done();
}
// Like fastify-plugin: the hook applies to the instance that registers the plugin, not a child context.
(fastifyHttpCache as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(fastifyHttpCache as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'tiercache-http';
