/**
 * Chooses between the native addon and the pure-JS twins, once per process.
 *
 * The napi-generated loader is private (ts/native/generated, written by
 * `napi build`); nothing outside ts/ imports it. `TIERCACHE_IMPL=js|native`
 * forces a choice; otherwise native is used when it loads and JS when it does
 * not, silently.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
// The relative path climbs to the package root so that both ts/native (tests
// under tsx) and dist/native (the published build) load the one generated
// loader, and therefore the one copy of the addon: two copies would not share
// the process-wide caches of LocalCache.shared().
import type * as Binding from '../../ts/native/generated/binding.js';

/** The shape of the native addon, as generated from crates/node. */
export type NativeBinding = typeof Binding;

/** Which implementation the components of this process use. */
export type Implementation = 'native' | 'js';

let cached: { binding: NativeBinding | null; error: Error | null } | undefined;

function loadBinding(): { binding: NativeBinding | null; error: Error | null } {
  if (cached !== undefined) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = { binding: require('../../ts/native/generated/binding.js') as NativeBinding, error: null };
  } catch (err) {
    cached = { binding: null, error: err instanceof Error ? err : new Error(String(err)) };
  }
  return cached;
}

function choose(): { implementation: Implementation; binding: NativeBinding | null; loadError: Error | null } {
  const forced = process.env.TIERCACHE_IMPL;
  if (forced === 'js') return { implementation: 'js', binding: null, loadError: null };
  if (forced !== undefined && forced !== '' && forced !== 'native') {
    throw new RangeError(`TIERCACHE_IMPL must be 'js' or 'native', got ${JSON.stringify(forced)}`);
  }
  const { binding, error } = loadBinding();
  if (binding !== null) return { implementation: 'native', binding, loadError: null };
  if (forced === 'native') {
    throw new TierCacheError(
      ErrorCode.NATIVE_UNAVAILABLE,
      `TIERCACHE_IMPL=native, but the native addon for ${process.platform}-${process.arch} could not be loaded: ${error?.message}`,
      { cause: error },
    );
  }
  return { implementation: 'js', binding: null, loadError: error };
}

const chosen = choose();

/** The implementation every component of this process uses. */
export const implementation: Implementation = chosen.implementation;

/** The loaded addon, or null when the JS twins are in use. */
export const nativeBinding: NativeBinding | null = chosen.binding;

/** Why the addon did not load (null when it loaded or was not tried). */
export const nativeLoadError: Error | null = chosen.loadError;

/**
 * The addon regardless of TIERCACHE_IMPL, for differential tests and
 * side-by-side benchmarks that need both implementations in one process.
 * Throws ERR_NATIVE_UNAVAILABLE when it cannot be loaded.
 */
export function requireNativeBinding(): NativeBinding {
  const { binding, error } = loadBinding();
  if (binding === null) {
    throw new TierCacheError(ErrorCode.NATIVE_UNAVAILABLE, `the native addon could not be loaded: ${error?.message}`, {
      cause: error,
    });
  }
  return binding;
}
