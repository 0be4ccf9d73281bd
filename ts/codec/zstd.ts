/**
 * zstd-napi, loaded on first use rather than when tiercache is imported: a
 * platform where its native build is missing can still use every other
 * component, and a Codec there fails with ERR_CODEC_UNAVAILABLE naming why.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';

type Zstd = typeof import('zstd-napi/binding');

let loaded: Zstd | undefined;

/** The zstd-napi binding; throws ERR_CODEC_UNAVAILABLE when it cannot be loaded. */
export function zstd(): Zstd {
  if (loaded !== undefined) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('zstd-napi/binding') as Zstd;
  } catch (err) {
    throw new TierCacheError(
      ErrorCode.CODEC_UNAVAILABLE,
      `zstd-napi could not be loaded, so the Codec is unavailable on ${process.platform}-${process.arch}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return loaded;
}
