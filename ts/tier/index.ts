/** TierCache: the public surface of ts/tier. */
export { TierCache, createCache } from './tier-cache.js';
export type { BatchLoader, Loader } from './tier-cache.js';
export type {
  CoherenceOptions,
  L1Options,
  L2Options,
  LockOptions,
  TierCacheOptions,
  TierLoadOptions,
  TierSetOptions,
} from './options.js';
export { DEFAULT_COMMAND_TIMEOUT_MS } from './options.js';
export type { CoherenceMode } from './bus.js';
export type { BreakerOptions, BreakerState } from './breaker.js';
export type { InvalidateEvent, StaleEvent, StaleReason, TierCacheEvents } from './events.js';
export type { LoaderContext } from './loader.js';
export type { Serializer } from './serializer.js';
export type { TierCacheStats } from './stats.js';
