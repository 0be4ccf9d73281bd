/**
 * The built package as users get it (run `npm run build:ts` first; `npm test`
 * does): the ESM and CommonJS entries from a consumer project, how the native
 * addon is found (the checkout's build, or the tiercache-<platform> package),
 * and what happens, loudly on request, when it is not. The packed tarballs
 * themselves are installed and checked by `npm run check:pack`.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { currentPlatform, platformOfTarget } from '../ts/native/platform.js';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  napi: { binaryName: string; targets: string[] };
};
const platform = currentPlatform();
const platformPackage = `${manifest.name}-${platform}`;
const binaryFile = `${manifest.napi.binaryName}.${platform}.node`;

function env(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, TIERCACHE_IMPL: undefined, TIERCACHE_WARN_FALLBACK: undefined, ...extra };
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  // The child must load the built JavaScript, not the TypeScript loader of the tests.
  delete e.NODE_OPTIONS;
  return e;
}

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A consumer project whose node_modules/tiercache is the given package directory. */
function consumer(pkg: string): string {
  const dir = tmp('tiercache-consumer-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', 'tiercache'), 'dir');
  return dir;
}

type Binary = 'none' | 'package' | 'corrupt package' | 'other version';

/**
 * An installed copy of the package (no checkout build), with its runtime
 * dependencies linked except `missing`, and the platform package as `binary`
 * says: absent, the real binary, garbage bytes, or the real binary under
 * another version.
 */
function installed(binary: Binary, missing: string[] = []): string {
  const dir = tmp('tiercache-installed-');
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'));
  for (const dep of Object.keys(manifest.dependencies)) {
    if (!missing.includes(dep)) fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  }
  if (binary !== 'none') {
    const pkg = path.join(dir, 'node_modules', platformPackage);
    fs.mkdirSync(pkg);
    const version = binary === 'other version' ? '0.0.1' : manifest.version;
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: platformPackage, version, main: binaryFile }));
    if (binary === 'corrupt package') fs.writeFileSync(path.join(pkg, binaryFile), 'not a shared object');
    else fs.copyFileSync(path.join(root, 'ts', 'native', 'generated', binaryFile), path.join(pkg, binaryFile));
  }
  return consumer(dir);
}

const probe = `const t = require('tiercache');
const c = new t.LocalCache({ maxEntries: 2 });
c.set('k', 'v');
console.log(JSON.stringify({ impl: t.implementation, value: c.get('k'), reason: t.nativeLoadError && t.nativeLoadError.message }));`;

async function probeIn(dir: string, extra: Record<string, string> = {}): Promise<{ out: { impl: string; value: string; reason: string | null }; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, ['-e', probe], { cwd: dir, env: env(extra) });
  return { out: JSON.parse(stdout) as { impl: string; value: string; reason: string | null }, stderr };
}

test('require and import resolve to the same module instance from a consumer project', async (t) => {
  const dir = consumer(root);
  const { out } = await probeIn(dir);
  t.deepEqual(out, { impl: 'native', value: 'v', reason: null });
  const esm = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { LocalCache, TierCacheError, nativeLoadError } from 'tiercache';
       import { createRequire } from 'node:module';
       const cjs = createRequire(import.meta.url)('tiercache');
       console.log(JSON.stringify({ same: cjs.LocalCache === LocalCache, error: typeof TierCacheError, reason: nativeLoadError }));`,
    ],
    { cwd: dir, env: env({}) },
  );
  t.deepEqual(JSON.parse(esm.stdout), { same: true, error: 'function', reason: null });
});

test('the package imports itself by name from its own checkout', async (t) => {
  const { out } = await probeIn(root, { TIERCACHE_IMPL: 'js' });
  t.deepEqual(out, { impl: 'js', value: 'v', reason: null });
});

test('the platform package is loaded when the checkout has no build of its own', async (t) => {
  const { out, stderr } = await probeIn(installed('package'), { TIERCACHE_WARN_FALLBACK: '1' });
  t.deepEqual(out, { impl: 'native', value: 'v', reason: null });
  t.is(stderr, '');
});

test('without the platform package the JS twin runs silently and nativeLoadError names the package', async (t) => {
  const { out, stderr } = await probeIn(installed('none'));
  t.is(out.impl, 'js');
  t.is(out.value, 'v');
  t.is(out.reason, `the native addon for ${platform} did not load: no package ${platformPackage} installed (the prebuilt addon for ${platform}, an optional dependency of ${manifest.name}: npm leaves it out with --omit=optional or --no-optional, or when package-lock.json was written on another platform; install it with npm install ${platformPackage}@${manifest.version})`);
  t.is(stderr, '');
});

test('a platform package whose binary cannot be loaded reports the dynamic loader error', async (t) => {
  const { out } = await probeIn(installed('corrupt package'));
  t.is(out.impl, 'js');
  t.regex(out.reason!, new RegExp(`${platformPackage} is installed, but its addon could not be loaded: .*(invalid ELF header|too short|not a valid|slice is not valid mach-o)`, 'i'));
});

test('a platform package of another version is never loaded', async (t) => {
  const { out } = await probeIn(installed('other version'));
  t.is(out.impl, 'js');
  t.true(out.reason!.endsWith(`${platformPackage}@0.0.1 is installed, but ${manifest.name}@${manifest.version} needs the same version of it`), out.reason!);
});

test('TIERCACHE_WARN_FALLBACK=1 prints the reason once per process, however often the package is loaded', async (t) => {
  const dir = installed('none');
  const script = `import { createRequire } from 'node:module';
    import { Worker } from 'node:worker_threads';
    import { implementation } from 'tiercache';
    createRequire(import.meta.url)('tiercache');
    const worker = new Worker("await import('tiercache');", { eval: true });
    await new Promise((resolve, reject) => { worker.on('exit', resolve); worker.on('error', reject); });
    console.log(implementation);`;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: env({ TIERCACHE_WARN_FALLBACK: '1' }) });
  t.is(stdout.trim(), 'js');
  const warnings = stderr.split('\n').filter((line) => line.includes('TierCacheWarning'));
  t.is(warnings.length, 1, stderr);
  t.true(warnings[0].includes(`TierCacheWarning: the native addon for ${platform} did not load: no package ${platformPackage} installed`), warnings[0]);
  t.true(warnings[0].endsWith('; using the JS implementation'));
});

test('the fallback warning is an ordinary process warning: --no-warnings silences it, a listener sees its code', async (t) => {
  const dir = installed('none');
  const silenced = await run(process.execPath, ['--no-warnings', '-e', probe], { cwd: dir, env: env({ TIERCACHE_WARN_FALLBACK: '1' }) });
  t.is(silenced.stderr, '');
  const listened = await run(
    process.execPath,
    ['-e', `process.on('warning', (w) => console.log(w.name + ' ' + w.code)); require('tiercache');`],
    { cwd: dir, env: env({ TIERCACHE_WARN_FALLBACK: '1' }) },
  );
  t.is(listened.stdout.trim(), 'TierCacheWarning TIERCACHE_NATIVE_FALLBACK');
});

test('forcing native where it cannot load fails with the real reason first', async (t) => {
  const err = await t.throwsAsync(run(process.execPath, ['-e', probe], { cwd: installed('none'), env: env({ TIERCACHE_IMPL: 'native' }) }));
  const stderr = (err as unknown as { stderr: string }).stderr;
  const first = stderr.split('\n').find((line) => line.startsWith('TierCacheError: '));
  const expected = `TierCacheError: the native addon for ${platform} did not load: no package ${platformPackage} installed (`;
  t.true(first?.startsWith(expected), first);
  t.regex(first!, /\(TIERCACHE_IMPL=native forbids falling back to the JS implementation\)$/);
  t.regex(stderr, /code: 'ERR_NATIVE_UNAVAILABLE'/);
  t.notRegex(stderr, /npm has a bug/);
});

test('an unknown TIERCACHE_IMPL is rejected by name', async (t) => {
  const err = await t.throwsAsync(run(process.execPath, ['-e', probe], { cwd: root, env: env({ TIERCACHE_IMPL: 'wasm' }) }));
  t.regex((err as unknown as { stderr: string }).stderr, /RangeError: TIERCACHE_IMPL must be 'js' or 'native', got "wasm"/);
});

const codecProbe = `const t = require('tiercache');
(async () => {
  const value = Buffer.from('tiercache '.repeat(400));
  try {
    const codec = new t.Codec({ offload: { minBytes: 0, threads: 1 } });
    const inline = codec.decode(codec.encode(value)).equals(value);
    const offloaded = (await codec.decodeAsync(await codec.encodeAsync(value))).equals(value);
    console.log(JSON.stringify({ zstd: codec.zstd, inline, offloaded, offloadedCalls: codec.stats().offloaded }));
    await codec.close();
  } catch (err) {
    console.log(JSON.stringify({ code: err.code, message: err.message }));
  }
  try {
    t.trainDictionary([value, value]);
  } catch (err) {
    console.log(JSON.stringify({ code: err.code, message: err.message }));
  }
})();`;

async function codecIn(dir: string): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await run(process.execPath, ['-e', codecProbe], { cwd: dir, env: env({}) });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("without zstd-napi the Codec runs on the addon's zstd, on workers too", async (t) => {
  const [codec] = await codecIn(installed('package', ['zstd-napi']));
  t.deepEqual(codec, { zstd: 'native', inline: true, offloaded: true, offloadedCalls: 2 });
});

test('without zstd-napi and without the addon the Codec says what is missing and how to get it', async (t) => {
  const [codec, train] = await codecIn(installed('none', ['zstd-napi']));
  t.is(codec.code, 'ERR_CODEC_UNAVAILABLE');
  t.regex(codec.message as string, /^the Codec needs zstd from zstd-napi or from tiercache's native addon, and neither loads on /);
  t.true((codec.message as string).includes('zstd-napi is not installed (npm install zstd-napi)'), codec.message as string);
  t.true((codec.message as string).includes(`no package ${platformPackage} installed`), codec.message as string);
  t.is(train.code, 'ERR_NATIVE_UNAVAILABLE');
  t.regex(train.message as string, /^trainDictionary needs tiercache's native addon \(zstd's dictionary builder lives there\), and the native addon/);
  t.true((train.message as string).includes(`install it with npm install ${platformPackage}@${manifest.version}`), train.message as string);
});

const httpProbe = `const http = require('node:http');
const zlib = require('node:zlib');
const t = require('tiercache');
(async () => {
  const cache = t.createCache({ l2: false });
  let runs = 0;
  const body = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i, name: 'item ' + (i % 7) })) });
  const handler = t.httpCache((req, res) => {
    runs++;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'max-age=60');
    res.end(body);
  }, { cache });
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const get = (encoding) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/items', agent: false, headers: { 'accept-encoding': encoding } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const coding = res.headers['content-encoding'] || 'identity';
        const text = coding === 'gzip' ? zlib.gunzipSync(raw).toString() : coding === 'br' ? zlib.brotliDecompressSync(raw).toString() : raw.toString();
        resolve({ coding, status: res.headers['cache-status'].split('; ')[1], same: text === body });
      });
    }).on('error', reject);
  });
  const served = [];
  for (const encoding of ['gzip', 'zstd', 'br', 'identity']) served.push({ encoding, ...(await get(encoding)) });
  const value = await cache.getOrSet('k', async () => ({ n: 1 }));
  console.log(JSON.stringify({ impl: t.implementation, runs, served, value }));
  server.close();
  await handler.close();
  await cache.close();
})();`;

test('without zstd-napi and without the addon, createCache and httpCache still work: bodies stored as identity, served as gzip, br or identity', async (t) => {
  // The README's first example on a platform with no prebuilt binary where npm did not run zstd-napi's install script.
  const { stdout, stderr } = await run(process.execPath, ['-e', httpProbe], { cwd: installed('none', ['zstd-napi']), env: env({}), timeout: 30_000 });
  t.is(stderr, '');
  const out = JSON.parse(stdout) as { impl: string; runs: number; served: Array<{ encoding: string; coding: string; status: string; same: boolean }>; value: unknown };
  t.is(out.impl, 'js');
  t.is(out.runs, 1, 'the handler ran once; every later request was a hit');
  t.deepEqual(out.served, [
    { encoding: 'gzip', coding: 'gzip', status: 'fwd=uri-miss', same: true },
    { encoding: 'zstd', coding: 'identity', status: out.served[1]!.status, same: true },
    { encoding: 'br', coding: 'br', status: out.served[2]!.status, same: true },
    { encoding: 'identity', coding: 'identity', status: out.served[3]!.status, same: true },
  ]);
  for (const s of out.served.slice(1)) t.regex(s.status, /^hit/);
  t.deepEqual(out.value, { n: 1 });
});

test('platform names follow napi-rs: targets map to the packages the release publishes', (t) => {
  t.deepEqual(manifest.napi.targets.map(platformOfTarget), ['linux-x64-gnu', 'linux-x64-musl', 'linux-arm64-gnu', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc']);
  t.is(platformOfTarget('armv7-unknown-linux-gnueabihf'), 'linux-arm-gnueabihf');
  t.is(currentPlatform('linux', 'x64', () => true), 'linux-x64-musl');
  t.is(currentPlatform('linux', 'arm64', () => false), 'linux-arm64-gnu');
  t.is(currentPlatform('linux', 'arm', () => false), 'linux-arm-gnueabihf');
  t.is(currentPlatform('darwin', 'arm64'), 'darwin-arm64');
  t.is(currentPlatform('win32', 'x64'), 'win32-x64-msvc');
  t.true(manifest.napi.targets.map(platformOfTarget).includes(platform), `${platform} is a published target`);
});

test('the release workflow builds every target of package.json, on a runner that exists for it', (t) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { matrix } = require('../.ci/release-matrix.js') as { matrix: (targets: string[]) => { include: Array<{ target: string; os: string }> } };
  t.deepEqual(
    matrix(manifest.napi.targets).include.map((job) => job.target),
    manifest.napi.targets,
  );
  t.throws(() => matrix(['riscv64gc-unknown-linux-gnu']), { message: /no release runner for riscv64gc-unknown-linux-gnu/ });
  const release = fs.readFileSync(path.join(root, '.github', 'workflows', 'release.yml'), 'utf8');
  t.regex(release, /fromJSON\(needs\.targets\.outputs\.matrix\)/);
  t.regex(release, /npm publish "\.\/\$dir" --provenance/);
  t.regex(release, /id-token: write/);
});
