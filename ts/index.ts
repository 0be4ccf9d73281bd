/**
 * tiercache: a Node.js performance layer with a Rust hot path.
 *
 * This is the public entry; `require('tiercache')` and
 * `import ... from 'tiercache'` both resolve here (the ESM entry re-exports
 * this module, so there is one instance of every module-level state).
 */
export { ErrorCode, TierCacheError } from './common/errors.js';
export type { ErrorCodeValue } from './common/errors.js';
export { implementation } from './native/index.js';
export type { Implementation } from './native/index.js';
export * from './codec/index.js';
export * from './metrics/index.js';
