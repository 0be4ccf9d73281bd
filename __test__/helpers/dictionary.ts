/**
 * A trained dictionary for tests in both implementations. The addon is loaded
 * directly (requireNativeBinding) as a tool, like differential tests do; the
 * public trainDictionary honours TIERCACHE_IMPL and is tested on its own.
 */
import { requireNativeBinding } from '../../ts/native/index.js';
import { jsonValues } from './payloads.js';

let cached: Buffer | undefined;

/** The training samples (1 KiB JSON values, seed 11). */
export function trainingSamples(): Buffer[] {
  return jsonValues(1500, 1024, 11);
}

/** A 16 KiB dictionary trained on {@link trainingSamples}. */
export function fixtureDictionary(): Buffer {
  if (cached !== undefined) return cached;
  const samples = trainingSamples();
  const data = Buffer.concat(samples);
  const sizes = Uint32Array.from(samples.map((s) => s.length));
  cached = requireNativeBinding().trainDictionary(data, sizes, 16 * 1024);
  return cached;
}
