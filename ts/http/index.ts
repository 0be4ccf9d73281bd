/** HTTP integration: cache, compress and coalesce handler responses (docs/http.md). */
export { httpCache } from './handler.js';
export type { CachedHandler, RequestHandler } from './handler.js';
export { httpCacheMiddleware } from './express.js';
export type { HttpCacheMiddleware, NextFunction } from './express.js';
export { fastifyHttpCache } from './fastify.js';
export type { FastifyHttpCache, FastifyLike } from './fastify.js';
export { metricsHandler } from './metrics-endpoint.js';
export { localCacheStore, tierCacheStore } from './store.js';
export type { HttpCacheStore } from './store.js';
export type { HttpCacheOptions, HttpCompressionOptions } from './options.js';
export type { HttpCacheStats, RouteStats } from './stats.js';
export { negotiate } from './accept-encoding.js';
export type { Coding } from './accept-encoding.js';
