/**
 * zstd-napi, loaded on first use rather than when tiercache is imported: a
 * platform where its native build is missing can still use every other
 * component, and the Codec falls back to the addon's zstd (backend.ts).
 * Offload workers load this module too, so it must not load the addon.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';

type Zstd = typeof import('zstd-napi/binding');

let loaded: { binding: Zstd | null; reason: string | null; error: unknown } | undefined;

/** Why `require('zstd-napi/binding')` failed, with what fixes it. */
function explain(err: unknown): string {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  try {
    require.resolve('zstd-napi/package.json');
  } catch {
    return 'zstd-napi is not installed (npm install zstd-napi)';
  }
  if ((err as { code?: unknown }).code === 'MODULE_NOT_FOUND' && /binding\.node/.test(message)) {
    return (
      'zstd-napi is installed but was never built: its install script did not run ' +
      '(approve it with npm approve-scripts zstd-napi, then run npm rebuild zstd-napi; the build needs make, a C++ compiler and python3)'
    );
  }
  return `zstd-napi's build could not be loaded (${message}; npm rebuild zstd-napi rebuilds it)`;
}

/** zstd-napi's binding, or null with the reason it did not load. */
export function loadZstdNapi(): { binding: Zstd | null; reason: string | null; error: unknown } {
  if (loaded !== undefined) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { binding: require('zstd-napi/binding') as Zstd, reason: null, error: null };
  } catch (err) {
    loaded = { binding: null, reason: explain(err), error: err };
  }
  return loaded;
}

/** The zstd-napi binding; throws ERR_CODEC_UNAVAILABLE naming why when it cannot be loaded. */
export function zstd(): Zstd {
  const { binding, reason, error } = loadZstdNapi();
  if (binding !== null) return binding;
  throw new TierCacheError(ErrorCode.CODEC_UNAVAILABLE, `the Codec was asked to use zstd-napi, but ${reason}`, { cause: error });
}
