/**
 * Runs codec tests once per zstd backend (zstd-napi and the native addon's),
 * in one ava pass: a test file imports `test` and `Codec` from here instead of
 * from ava and ts/codec, and each of its tests is registered once per backend
 * (the backend in its title), with every `new Codec()` inside it pinned to
 * that backend (the internal `zstd` option, carried by AsyncLocalStorage so
 * that awaits inside a test keep it).
 */
import anyTest, { type ExecutionContext } from 'ava';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ZSTD_BACKENDS, type ZstdBackend } from '../../ts/codec/backend.js';
import { Codec as PublicCodec, type CodecOptions } from '../../ts/codec/index.js';

const pinned = new AsyncLocalStorage<ZstdBackend>();

/** The backend of the test running now (undefined outside these tests). */
export function currentBackend(): ZstdBackend | undefined {
  return pinned.getStore();
}

function isOptionsObject(value: unknown): value is CodecOptions {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The public Codec, created on the running test's backend unless the options name one. */
export class Codec extends PublicCodec {
  constructor(options?: CodecOptions) {
    const zstd = pinned.getStore();
    const pin = zstd !== undefined && (options === undefined || (isOptionsObject(options) && !('zstd' in options)));
    super(pin ? { zstd, ...options } : options);
  }
}

type Implementation = (t: ExecutionContext) => void | Promise<void>;

function register(serial: boolean) {
  return (title: string, implementation: Implementation): void => {
    for (const backend of ZSTD_BACKENDS) {
      const run = (t: ExecutionContext) => pinned.run(backend, () => implementation(t));
      if (serial) anyTest.serial(`${title} [${backend}]`, run);
      else anyTest(`${title} [${backend}]`, run);
    }
  };
}

/** `test(title, fn)`, once per backend. */
export const test = register(false);

/** Plain `test(title, fn)`, once, for tests where no Codec of this process is involved (e.g. a child process's). */
export const testOnce = (title: string, implementation: Implementation): void => anyTest(title, implementation);

/** Like {@link test}, serially: for tests that read process-wide state (the default metrics registry). */
export const serialTest = register(true);
