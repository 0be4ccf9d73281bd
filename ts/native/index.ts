/**
 * Chooses between the native addon and the pure-JS twins, once per process.
 *
 * The addon is looked for in two places, in order, and every attempt's
 * outcome is kept so that a fallback can say exactly why:
 * 1. `ts/native/generated/tiercache.<platform>.node`: a checkout's own build
 *    (`npm run build:native`; never in the published package);
 * 2. the `tiercache-<platform>` package: the prebuilt binary npm installs as
 *    an optional dependency of the published package (see docs/operations.md).
 *
 * `TIERCACHE_IMPL=js|native` forces a choice; otherwise native is used when
 * it loads and JS when it does not. The reason is `nativeLoadError`, printed
 * once as a process warning when `TIERCACHE_WARN_FALLBACK=1`.
 *
 * The napi-generated type declarations are private (ts/native/generated);
 * nothing outside ts/native loads the addon.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { currentPlatform, platformOfTarget } from './platform.js';
// The paths climb to the package root so that both ts/native (tests under
// tsx) and dist/native (the published build) resolve the one binary, and
// therefore load one copy of the addon: two copies would not share the
// process-wide caches of LocalCache.shared().
import type * as Binding from '../../ts/native/generated/binding.js';

/** The shape of the native addon, as generated from crates/node. */
export type NativeBinding = typeof Binding;

/** Which implementation the components of this process use. */
export type Implementation = 'native' | 'js';

const ROOT = path.join(__dirname, '..', '..');
const BINARY_NAME = 'tiercache';

interface Manifest {
  name: string;
  version: string;
  napi?: { targets?: string[] };
}

interface Loaded {
  binding: NativeBinding | null;
  error: TierCacheError | null;
}

let cached: Loaded | undefined;

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** Tries the checkout's own build, then the platform package; records why each failed. */
function loadBinding(): Loaded {
  if (cached !== undefined) return cached;
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const platform = currentPlatform();
  const reasons: string[] = [];
  const causes: unknown[] = [];

  const local = path.join(ROOT, 'ts', 'native', 'generated', `${BINARY_NAME}.${platform}.node`);
  if (fs.existsSync(local)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (cached = { binding: require(local) as NativeBinding, error: null });
    } catch (err) {
      reasons.push(`the local build ${path.relative(ROOT, local)} could not be loaded: ${message(err)}`);
      causes.push(err);
    }
  } else if (fs.existsSync(path.join(ROOT, 'Cargo.toml'))) {
    // A checkout: say how to build it. (An installed package has no Cargo.toml.)
    reasons.push(`no local build ${path.relative(ROOT, local)} (npm run build:native makes it)`);
  }

  const pkg = `${manifest.name}-${platform}`;
  const published = (manifest.napi?.targets ?? []).map(platformOfTarget);
  let resolved: string | null = null;
  try {
    resolved = require.resolve(pkg, { paths: [ROOT] });
  } catch (err) {
    if (published.includes(platform)) {
      reasons.push(
        `no package ${pkg} installed (the prebuilt addon for ${platform}, an optional dependency of ${manifest.name}: ` +
          `npm leaves it out with --omit=optional or --no-optional, or when package-lock.json was written on another platform; ` +
          `install it with npm install ${pkg}@${manifest.version})`,
      );
    } else {
      reasons.push(`no prebuilt addon exists for ${platform} (${manifest.name} publishes ${published.join(', ')}) and no package ${pkg} is installed`);
    }
    causes.push(err);
  }
  if (resolved !== null) {
    let version: string | undefined;
    try {
      version = (JSON.parse(fs.readFileSync(path.join(path.dirname(resolved), 'package.json'), 'utf8')) as Manifest).version;
    } catch {
      version = undefined;
    }
    if (version !== manifest.version) {
      // A binary of another version exports other functions: never load it.
      reasons.push(`${pkg}@${version ?? '(unknown version)'} is installed, but ${manifest.name}@${manifest.version} needs the same version of it`);
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (cached = { binding: require(resolved) as NativeBinding, error: null });
      } catch (err) {
        reasons.push(`${pkg} is installed, but its addon could not be loaded: ${message(err)}`);
        causes.push(err);
      }
    }
  }
  const error = new TierCacheError(ErrorCode.NATIVE_UNAVAILABLE, `the native addon for ${platform} did not load: ${reasons.join('; ')}`, {
    cause: causes.length === 1 ? causes[0] : causes.length > 1 ? new AggregateError(causes, 'every attempt failed') : undefined,
  });
  return (cached = { binding: null, error });
}

function choose(): { implementation: Implementation; binding: NativeBinding | null; loadError: TierCacheError | null } {
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
      `${error!.message} (TIERCACHE_IMPL=native forbids falling back to the JS implementation)`,
      { cause: error!.cause },
    );
  }
  return { implementation: 'js', binding: null, loadError: error };
}

/** True when TIERCACHE_WARN_FALLBACK asks for the fallback warning. */
function warnFallback(): boolean {
  const value = process.env.TIERCACHE_WARN_FALLBACK;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

const chosen = choose();

// Once per process: worker threads load this module again, but the main
// thread has already said it.
if (chosen.loadError !== null && isMainThread && warnFallback()) {
  process.emitWarning(`${chosen.loadError.message}; using the JS implementation`, {
    type: 'TierCacheWarning',
    code: 'TIERCACHE_NATIVE_FALLBACK',
  });
}

/** The implementation every component of this process uses. */
export const implementation: Implementation = chosen.implementation;

/** The loaded addon, or null when the JS twins are in use. */
export const nativeBinding: NativeBinding | null = chosen.binding;

/**
 * Why the native addon did not load, when the JS implementation runs because
 * of it: a TierCacheError (`ERR_NATIVE_UNAVAILABLE`) whose message gives
 * every attempt's reason (e.g. "no package tiercache-linux-x64-gnu
 * installed", or the dynamic loader's error). Null when the addon loaded, or
 * when `TIERCACHE_IMPL=js` chose the JS implementation without trying it.
 */
export const nativeLoadError: TierCacheError | null = chosen.loadError;

/**
 * The addon regardless of TIERCACHE_IMPL, for differential tests and
 * side-by-side benchmarks that need both implementations in one process, and
 * for a Codec asked to use the addon's zstd. Throws ERR_NATIVE_UNAVAILABLE
 * with the reason when it cannot be loaded.
 */
export function requireNativeBinding(): NativeBinding {
  const { binding, error } = loadBinding();
  if (binding === null) throw error!;
  return binding;
}
