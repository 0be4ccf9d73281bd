/**
 * The built package as users get it (run `npm run build:ts` first; `npm test`
 * does): the ESM and CommonJS entries from a consumer project, and the
 * silent fallback to the JS twin where no native binary exists.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

function env(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const e = { ...process.env, ...extra };
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  // The child must load the built JavaScript, not the TypeScript loader of the tests.
  delete e.NODE_OPTIONS;
  return e;
}

/** A consumer project whose node_modules/tiercache is the given package directory. */
function consumer(pkg: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiercache-consumer-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', 'tiercache'), 'dir');
  return dir;
}

/**
 * A copy of the package without its native binary, as on a platform with no
 * prebuild, with its runtime dependencies installed (linked), optionally
 * leaving out some (as when a dependency's own native build failed).
 */
function packageWithoutBinary(missing: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiercache-nobinary-'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const generated = path.join(dir, 'ts', 'native', 'generated');
  fs.mkdirSync(generated, { recursive: true });
  fs.copyFileSync(path.join(root, 'ts/native/generated/binding.js'), path.join(generated, 'binding.js'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  fs.mkdirSync(path.join(dir, 'node_modules'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (!missing.includes(dep)) fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  }
  return dir;
}

const probe = `const t = require('tiercache');
const c = new t.LocalCache({ maxEntries: 2 });
c.set('k', 'v');
console.log(JSON.stringify({ impl: t.LocalCache.implementation, value: c.get('k') }));`;

test('require and import resolve to the same module instance from a consumer project', async (t) => {
  const dir = consumer(root);
  const cjs = await run(process.execPath, ['-e', probe], { cwd: dir, env: env({ TIERCACHE_IMPL: undefined }) });
  t.deepEqual(JSON.parse(cjs.stdout), { impl: 'native', value: 'v' });
  const esm = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { LocalCache, TierCacheError } from 'tiercache';
       import { createRequire } from 'node:module';
       const cjs = createRequire(import.meta.url)('tiercache');
       console.log(JSON.stringify({ same: cjs.LocalCache === LocalCache, error: typeof TierCacheError }));`,
    ],
    { cwd: dir, env: env({ TIERCACHE_IMPL: undefined }) },
  );
  t.deepEqual(JSON.parse(esm.stdout), { same: true, error: 'function' });
});

test('the package imports itself by name from its own checkout', async (t) => {
  const { stdout } = await run(process.execPath, ['-e', probe], { cwd: root, env: env({ TIERCACHE_IMPL: 'js' }) });
  t.deepEqual(JSON.parse(stdout), { impl: 'js', value: 'v' });
});

test('with no native binary the JS twin runs silently', async (t) => {
  const dir = consumer(packageWithoutBinary());
  const { stdout, stderr } = await run(process.execPath, ['-e', probe], { cwd: dir, env: env({ TIERCACHE_IMPL: undefined }) });
  t.deepEqual(JSON.parse(stdout), { impl: 'js', value: 'v' });
  t.is(stderr, '');
});

test('without zstd-napi every other component works and a Codec fails with a typed error', async (t) => {
  const dir = consumer(packageWithoutBinary(['zstd-napi']));
  const { stdout } = await run(
    process.execPath,
    [
      '-e',
      `${probe}
       try { new t.Codec(); console.log('codec created'); } catch (err) { console.log(JSON.stringify({ code: err.code })); }`,
    ],
    { cwd: dir, env: env({ TIERCACHE_IMPL: undefined }) },
  );
  const [cache, codec] = stdout.trim().split('\n');
  t.deepEqual(JSON.parse(cache), { impl: 'js', value: 'v' });
  t.deepEqual(JSON.parse(codec), { code: 'ERR_CODEC_UNAVAILABLE' });
});

test('forcing native where it cannot load fails with a clear, typed error', async (t) => {
  const dir = consumer(packageWithoutBinary());
  const err = await t.throwsAsync(run(process.execPath, ['-e', probe], { cwd: dir, env: env({ TIERCACHE_IMPL: 'native' }) }));
  const stderr = (err as unknown as { stderr: string }).stderr;
  t.regex(stderr, /ERR_NATIVE_UNAVAILABLE/);
  t.true(stderr.includes(`TIERCACHE_IMPL=native, but the native addon for ${process.platform}-${process.arch} could not be loaded`));
});

test('an unknown TIERCACHE_IMPL is rejected by name', async (t) => {
  const err = await t.throwsAsync(run(process.execPath, ['-e', probe], { cwd: root, env: env({ TIERCACHE_IMPL: 'wasm' }) }));
  t.regex((err as unknown as { stderr: string }).stderr, /RangeError: TIERCACHE_IMPL must be 'js' or 'native', got "wasm"/);
});
