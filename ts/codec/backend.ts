/**
 * Which zstd a Codec runs on. zstd-napi is preferred (it is the faster
 * binding per call, measured in bench/codec.bench.js); when it cannot be
 * loaded the native addon's zstd (crates/core/src/codec) writes the same
 * frames under the same guard, so values written by either are read by both.
 * Decided once per Codec, on the calling thread; offload workers get the
 * decision in their settings.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { nativeBinding, nativeLoadError, requireNativeBinding } from '../native/index.js';
import { loadZstdNapi, zstd } from './zstd.js';

/** The zstd implementations a Codec can run on. */
export type ZstdBackend = 'zstd-napi' | 'native';

/** The backends, in order of preference. */
export const ZSTD_BACKENDS: readonly ZstdBackend[] = ['zstd-napi', 'native'];

/** Why the addon is not available to the Codec. */
function addonReason(): string {
  if (nativeLoadError !== null) return nativeLoadError.message;
  return 'the native addon is not loaded (TIERCACHE_IMPL=js keeps it unloaded)';
}

/**
 * The backend for a new Codec: `requested` when given (tests and benchmarks
 * choose), else zstd-napi when it loads, else the addon when this process
 * uses it. Throws ERR_CODEC_UNAVAILABLE naming what is missing and how to get
 * it.
 */
export function resolveZstdBackend(requested?: ZstdBackend): ZstdBackend {
  if (requested === 'zstd-napi') {
    zstd();
    return requested;
  }
  if (requested === 'native') {
    try {
      requireNativeBinding();
    } catch (err) {
      throw new TierCacheError(ErrorCode.CODEC_UNAVAILABLE, `the Codec was asked to use the native addon's zstd, but ${(err as Error).message}`, {
        cause: err,
      });
    }
    return requested;
  }
  const napi = loadZstdNapi();
  if (napi.binding !== null) return 'zstd-napi';
  if (nativeBinding !== null) return 'native';
  throw new TierCacheError(
    ErrorCode.CODEC_UNAVAILABLE,
    `the Codec needs zstd from zstd-napi or from tiercache's native addon, and neither loads on ${process.platform}-${process.arch}: ` +
      `${napi.reason}; and ${addonReason()}`,
    { cause: napi.error },
  );
}
