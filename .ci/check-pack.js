'use strict';
// npm run check:pack: proves the package users get, offline, the way npm
// installs it (see docs/operations.md):
//  1. builds this host's binary and a clean dist/, then stages the main
//     package and this host's platform package (.ci/stage-package.js: the
//     napi CLI's create-npm-dirs, artifacts and prepublish) and packs both;
//  2. checks both tarballs' contents (types and LICENSE in, no sources, tests,
//     benches or binaries in the main one) and runs publint on them;
//  3. installs both tarballs into a fresh project with `npm ci --offline
//     --ignore-scripts` and runs a workload of every component from ESM and
//     from CommonJS, including the README's first example (createCache behind
//     httpCache, over loopback), and each must exit by itself after close():
//     the native addon must load, and since zstd-napi's install
//     script did not run, the Codec must use the addon's zstd (worker offload
//     included); a strict TypeScript app must compile against the installed
//     types (module node16 and nodenext);
//  4. installs the main package alone (`--omit=optional`: no platform
//     package) and runs the same workload: the JS implementation, with the
//     reason in nativeLoadError, printed once by TIERCACHE_WARN_FALLBACK=1 and
//     never otherwise, TIERCACHE_IMPL=native failing with that reason first,
//     and the Codec and trainDictionary failing with what they need, while
//     httpCache, without zstd, still serves gzip and br.
// The runtime dependencies come from npm's cache, which the repository's own
// `npm ci` filled: the fresh projects get a lockfile pinning the versions of
// the repository's lockfile.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { stage } = require('./stage-package.js');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const failures = [];
const fail = (message) => failures.push(message);
const step = (message) => console.log(`check:pack: ${message}`);

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
}

// 1. Build, stage, pack.
step('building the native addon and a clean dist/');
run(npm, ['run', 'build:native'], { cwd: root, stdio: 'inherit' });
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(npm, ['run', 'build:ts'], { cwd: root, stdio: 'inherit' });
const { currentPlatform, platformOfTarget } = require(path.join(root, 'dist', 'native', 'platform.js'));
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const platform = currentPlatform();
const target = manifest.napi.targets.find((t) => platformOfTarget(t) === platform);
if (target === undefined) {
  console.error(`check:pack: ${platform} is not in package.json napi.targets; nothing to check here`);
  process.exit(1);
}
const platformPackage = `${manifest.name}-${platform}`;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tiercache-pack-'));
try {
  const staged = path.join(scratch, 'staged');
  step(`staging ${manifest.name} and ${platformPackage}`);
  const published = stage({ out: staged, artifacts: path.join(root, 'ts', 'native', 'generated'), targets: [target] });
  const pack = (dir) => JSON.parse(run(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: dir }))[0];
  const main = pack(staged);
  const native = pack(path.join(staged, 'npm', platform));

  // 2. Contents and publint.
  const mainFiles = main.files.map((f) => f.path);
  for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/index.mjs', 'dist/index.d.mts', 'dist/codec/worker.js', 'dist/native/index.js', 'ts/native/generated/binding.d.ts']) {
    if (!mainFiles.includes(file)) fail(`${main.filename} lacks ${file}`);
  }
  const forbidden = [/\.node$/, /^__test__\//, /^bench\//, /^crates\//, /^target\//, /^npm\//, /^\.ci\//, /^\.github\//, /^docs\//, /\.map$/, /tsbuildinfo/, /^ts\/(?!native\/generated\/binding\.d\.ts$)/];
  for (const file of mainFiles) if (forbidden.some((re) => re.test(file))) fail(`${main.filename} should not contain ${file}`);
  if (published.scripts !== undefined) fail(`the published package.json has scripts (${Object.keys(published.scripts).join(', ')}): consumers would see prepare`);
  if (published.optionalDependencies?.[platformPackage] !== manifest.version) {
    fail(`the published package.json does not list ${platformPackage}@${manifest.version} as an optional dependency`);
  }
  if (main.size > 2 ** 20) fail(`${main.filename} is ${(main.size / 2 ** 20).toFixed(2)} MiB compressed; expected well under 1 MiB`);
  const nativeFiles = native.files.map((f) => f.path).sort();
  const expected = ['LICENSE', 'README.md', 'package.json', `${manifest.napi.binaryName}.${platform}.node`].sort();
  if (JSON.stringify(nativeFiles) !== JSON.stringify(expected)) fail(`${native.filename} holds ${nativeFiles.join(', ')}; expected ${expected.join(', ')}`);
  const publint = path.join(root, 'node_modules', 'publint', 'src', 'cli.js');
  for (const tgz of [main.filename, native.filename]) {
    const lint = spawnSync(process.execPath, [publint, 'run', path.join(scratch, tgz), '--strict'], { encoding: 'utf8' });
    if (lint.status !== 0 || /warning|error|suggestion/i.test(lint.stdout)) fail(`publint on ${tgz}:\n${lint.stdout}${lint.stderr}`);
  }
  step(`${main.filename}: ${mainFiles.length} files, ${(main.size / 1024).toFixed(0)} KiB; ${native.filename}: ${(native.size / 2 ** 20).toFixed(1)} MiB; publint clean`);

  // 3 and 4. Fresh projects, offline.
  const tarballs = { main, native, published, platformPackage };
  const both = consumer(scratch, 'with-binary', tarballs, true);
  checkNativeInstall(both);
  const alone = consumer(scratch, 'without-binary', tarballs, false);
  checkJsInstall(alone);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const f of failures) console.error(`check:pack: FAILED: ${f}`);
  process.exit(1);
}
step('ok');

/**
 * A fresh project depending on the tarballs, installed with `npm ci
 * --offline`: its lockfile has the tarballs plus the runtime dependencies
 * exactly as the repository's lockfile pins them (npm's cache holds those).
 */
function consumer(scratch, name, { main, native, published, platformPackage }, withBinary) {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const nativeManifest = JSON.parse(fs.readFileSync(path.join(scratch, 'staged', 'npm', platform, 'package.json'), 'utf8'));
  const dependencies = { [published.name]: `file:../${main.filename}` };
  if (withBinary) dependencies[platformPackage] = `file:../${native.filename}`;
  const packages = {
    '': { name: `consumer-${name}`, dependencies },
    [`node_modules/${published.name}`]: {
      version: published.version,
      resolved: `file:../${main.filename}`,
      integrity: main.integrity,
      license: published.license,
      dependencies: published.dependencies,
      optionalDependencies: published.optionalDependencies,
      engines: published.engines,
    },
    [`node_modules/${platformPackage}`]: {
      version: nativeManifest.version,
      resolved: `file:../${native.filename}`,
      integrity: native.integrity,
      license: nativeManifest.license,
      cpu: nativeManifest.cpu,
      os: nativeManifest.os,
      libc: nativeManifest.libc,
      engines: nativeManifest.engines,
      // Without the binary, it is what it is for users: an optional dependency npm was told to omit.
      ...(withBinary ? {} : { optional: true }),
    },
    ...runtimeDependencies(lock, `node_modules/${published.name}`, Object.keys(published.dependencies)),
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, dependencies }, null, 2));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: `consumer-${name}`, lockfileVersion: 3, requires: true, packages }, null, 2));
  const args = ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', ...(withBinary ? [] : ['--omit=optional'])];
  const result = spawnSync(npm, args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`npm ${args.join(' ')} failed in ${dir}; npm's cache must hold the runtime dependencies (run npm ci in the repository first)`);
  }
  step(`${name}: installed offline (npm ${args.join(' ')})`);
  writeWorkloads(dir);
  return dir;
}

/** The lockfile entries of `names` as needed from `from`, and of everything they need, found as Node resolves modules. */
function runtimeDependencies(lock, from, names) {
  const out = {};
  const locate = (base, dep) => {
    for (let at = base; ; ) {
      const loc = `${at === '' ? '' : `${at}/`}node_modules/${dep}`;
      if (lock.packages[loc] !== undefined) return loc;
      if (at === '') return null;
      const up = at.lastIndexOf('/node_modules/');
      at = up < 0 ? '' : at.slice(0, up);
    }
  };
  const queue = names.map((dep) => [from, dep, false]);
  while (queue.length > 0) {
    const [base, dep, optional] = queue.shift();
    const loc = locate(base === from ? '' : base, dep);
    if (loc === null) {
      if (optional) continue;
      throw new Error(`package-lock.json has no ${dep} (needed by ${base})`);
    }
    if (out[loc] !== undefined) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[loc];
    out[loc] = entry;
    for (const d of Object.keys(entry.dependencies ?? {})) queue.push([loc, d, false]);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) queue.push([loc, d, true]);
  }
  return out;
}

/** The same workload as CommonJS and as ESM: every component, one line of JSON out. */
function writeWorkloads(dir) {
  const body = `
  const out = { implementation: t.implementation, nativeLoadError: t.nativeLoadError === null ? null : t.nativeLoadError.message };
  const cache = new t.LocalCache({ maxEntries: 100 });
  const user = { id: 42 };
  cache.set('k', user);
  out.local = \`\${t.LocalCache.implementation}:\${cache.get('k') === user}\`;
  const offheap = new t.OffHeapCache({ maxEntries: 100 });
  offheap.set('k', 'v');
  out.offheap = \`\${t.OffHeapCache.implementation}:\${offheap.getString('k')}\`;
  const batch = new t.BatchProcessor({ execute: async (keys) => keys.map((k) => k.length) });
  out.batch = await Promise.all([batch.load('a'), batch.load('bb')]);
  const pool = new t.ConnectionPool({ create: async () => ({ id: 7 }), destroy: async () => {}, max: 2 });
  out.pool = await pool.use(async (r) => r.id);
  await pool.drain();
  const value = Buffer.from(JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ i, name: 'value ' + (i % 37) }))));
  try {
    const codec = new t.Codec({ offload: { minBytes: 0, threads: 1 } });
    const inline = codec.decode(codec.encode(value)).equals(value);
    const offloaded = (await codec.decodeAsync(await codec.encodeAsync(value))).equals(value);
    out.codec = { zstd: codec.zstd, inline, offloaded, offloadedCalls: codec.stats().offloaded };
    await codec.close();
  } catch (err) {
    out.codec = { code: err.code, message: err.message };
  }
  try {
    const samples = Array.from({ length: 2000 }, (_, i) => Buffer.from(JSON.stringify({ id: i * 7919, status: ['on', 'off', 'gone'][i % 3], n: String(i).repeat(i % 9) })));
    out.train = { bytes: t.trainDictionary(samples, { maxBytes: 1024 }).length };
  } catch (err) {
    out.train = { code: err.code, message: err.message };
  }
  out.metrics = t.metrics.prometheus().includes('batch_') && t.metrics.snapshot().metrics.length > 0;
  // The README's first example, L1 only: createCache behind httpCache, over loopback.
  const http = await import('node:http');
  const tier = t.createCache({ l2: false });
  out.tier = await tier.getOrSet('user:1', async () => ({ id: 1 }));
  let runs = 0;
  const page = JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ i, name: 'row ' + (i % 11) })));
  const api = t.httpCache((req, res) => { runs++; res.setHeader('Content-Type', 'application/json'); res.setHeader('Cache-Control', 'max-age=30'); res.end(page); }, { cache: tier });
  const server = http.createServer(api);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const get = (encoding) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/rows', agent: false, headers: { 'accept-encoding': encoding } }, (res) => {
      res.resume();
      res.on('end', () => resolve(encoding + '>' + (res.headers['content-encoding'] || 'identity') + ':' + res.headers['cache-status'].split('; ')[1].split('=')[0]));
    }).on('error', reject);
  });
  out.http = [await get('gzip'), await get('zstd'), await get('br')];
  out.httpRuns = runs;
  server.close();
  await api.close();
  await tier.close();
  console.log(JSON.stringify(out));
`;
  fs.writeFileSync(path.join(dir, 'workload.cjs'), `'use strict';\nconst t = require('tiercache');\n(async () => {${body}})().catch((err) => { console.error(err); process.exit(1); });\n`);
  fs.writeFileSync(path.join(dir, 'workload.mjs'), `import * as t from 'tiercache';\n${body}`);
}

/** Runs a workload with `env` on top of a clean environment; returns its exit status, output and parsed result. */
function workload(dir, file, env = {}) {
  const clean = { ...process.env, ...env };
  for (const key of ['TIERCACHE_IMPL', 'TIERCACHE_WARN_FALLBACK', 'NODE_OPTIONS']) if (!(key in env)) delete clean[key];
  const result = spawnSync(process.execPath, [file], { cwd: dir, env: clean, encoding: 'utf8', timeout: 60_000 });
  let parsed = null;
  try {
    parsed = JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    parsed = null;
  }
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, out: parsed };
}

function expectWorkload(label, r, check) {
  if (r.status !== 0 || r.out === null) {
    fail(`${label}: exited ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`);
    return;
  }
  for (const problem of check(r.out, r)) fail(`${label}: ${problem} (got ${JSON.stringify(r.out)}; stderr ${JSON.stringify(r.stderr)})`);
}

function commonChecks(out) {
  const problems = [];
  if (JSON.stringify(out.batch) !== '[1,2]') problems.push('BatchProcessor returned the wrong results');
  if (out.pool !== 7) problems.push('ConnectionPool.use returned the wrong resource');
  if (out.metrics !== true) problems.push('metrics has no batch series');
  if (JSON.stringify(out.tier) !== '{"id":1}') problems.push('createCache().getOrSet returned the wrong value');
  if (out.httpRuns !== 1) problems.push(`httpCache ran the handler ${out.httpRuns} times for three requests of one URL`);
  return problems;
}

function checkNativeInstall(dir) {
  for (const file of ['workload.cjs', 'workload.mjs']) {
    for (const env of [{}, { TIERCACHE_WARN_FALLBACK: '1' }]) {
      expectWorkload(`${path.basename(dir)} ${file} ${JSON.stringify(env)}`, workload(dir, file, env), (out, r) => {
        const problems = commonChecks(out);
        if (out.implementation !== 'native' || out.local !== 'native:true' || out.offheap !== 'native:v') problems.push('the native addon did not load');
        if (out.nativeLoadError !== null) problems.push('nativeLoadError is set');
        // No zstd-napi build (its install script did not run): the addon's zstd, on the calling thread and on workers.
        const codec = out.codec;
        if (codec.zstd !== 'native' || codec.inline !== true || codec.offloaded !== true || codec.offloadedCalls !== 2) problems.push("the Codec did not run on the addon's zstd");
        if (!(out.train?.bytes > 0)) problems.push('trainDictionary failed');
        if (out.http.join(' ') !== 'gzip>gzip:fwd zstd>zstd:hit br>br:hit') problems.push('httpCache did not serve gzip, then zstd and br from the cache');
        if (r.stderr !== '') problems.push('something was printed on stderr');
        return problems;
      });
    }
  }
  checkTypeScript(dir);
  step(`${path.basename(dir)}: ESM and CommonJS workloads run native (Codec on the addon's zstd; createCache behind httpCache serves gzip, zstd and br) and exit by themselves; strict TypeScript compiles`);
}

function checkJsInstall(dir) {
  const reason = `no package ${platformPackage} installed`;
  for (const file of ['workload.cjs', 'workload.mjs']) {
    expectWorkload(`${path.basename(dir)} ${file}`, workload(dir, file), (out, r) => {
      const problems = commonChecks(out);
      if (out.implementation !== 'js' || out.local !== 'js:true' || out.offheap !== 'js:v') problems.push('did not fall back to the JS implementation');
      if (!out.nativeLoadError?.includes(reason)) problems.push(`nativeLoadError does not say "${reason}"`);
      if (out.codec.code !== 'ERR_CODEC_UNAVAILABLE' || !out.codec.message.includes('zstd-napi') || !out.codec.message.includes(platformPackage)) {
        problems.push('the Codec did not fail with ERR_CODEC_UNAVAILABLE naming zstd-napi and the platform package');
      }
      if (out.train.code !== 'ERR_NATIVE_UNAVAILABLE' || !out.train.message.includes(reason)) problems.push('trainDictionary did not fail naming the missing package');
      if (r.stderr !== '') problems.push('the fallback was not silent');
      // No zstd at all: stored as identity, still served compressed as gzip or br.
      if (out.http.join(' ') !== 'gzip>gzip:fwd zstd>identity:hit br>br:hit') problems.push('httpCache without zstd did not serve gzip, identity and br');
      return problems;
    });
    expectWorkload(`${path.basename(dir)} ${file} TIERCACHE_WARN_FALLBACK=1`, workload(dir, file, { TIERCACHE_WARN_FALLBACK: '1' }), (out, r) => {
      const warnings = r.stderr.split('\n').filter((line) => line.includes('TierCacheWarning'));
      return warnings.length === 1 && warnings[0].includes(reason) ? [] : [`expected one TierCacheWarning naming "${reason}" on stderr`];
    });
  }
  const forced = workload(dir, 'workload.cjs', { TIERCACHE_IMPL: 'native' });
  const first = forced.stderr.split('\n').find((line) => line.startsWith('TierCacheError: '));
  if (forced.status === 0 || first === undefined || !first.includes(`did not load: ${reason}`)) {
    fail(`TIERCACHE_IMPL=native without the binary must fail with the reason first; stderr:\n${forced.stderr}`);
  }
  step(`${path.basename(dir)}: JS fallback with the reason in nativeLoadError (httpCache without zstd serves gzip and br), warned once on request, TIERCACHE_IMPL=native fails with it`);
}

/** A strict TypeScript app against the installed types, as ESM and CommonJS, under module node16 and nodenext. */
function checkTypeScript(dir) {
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  const uses = `
const cache = new LocalCache<{ name: string }>({ maxEntries: 10, ttlMs: 1000 });
cache.set('a', { name: 'b' });
const named: string | undefined = cache.get('a')?.name;
const bytes = new OffHeapCache({ maxEntries: 10 });
bytes.set('a', 'b');
const text: string | undefined = bytes.getString('a');
const impl: Implementation = implementation;
const why: Error | null = nativeLoadError;
const batch = new BatchProcessor<string, number>({ execute: async (keys) => keys.map((k) => k.length) });
const pool = new ConnectionPool<{ id: number }>({ create: async () => ({ id: 1 }), destroy: async () => {}, max: 1 });
const codec = new Codec({ level: 3 });
const backend: 'zstd-napi' | 'native' = codec.zstd;
const encoded: Buffer = codec.encode('x');
const code: string = new TierCacheError(ErrorCode.CLOSED, 'closed').code;
const scrape: string = metrics.prometheus();
const tier = createCache<{ id: number }>({ namespace: 'app', l2: false, ttlMs: 1000 });
const loaded: Promise<{ id: number } | undefined> = tier.getOrSet('a', async () => ({ id: 1 }));
const api = httpCache((_req, res) => { res.end('ok'); }, { cache: tier });
const server = createServer(api);
export { named, text, impl, why, batch, pool, backend, encoded, code, scrape, loaded, server };
`;
  const names = 'BatchProcessor, Codec, ConnectionPool, ErrorCode, LocalCache, OffHeapCache, TierCacheError, createCache, httpCache, implementation, metrics, nativeLoadError, type Implementation';
  const imports = `import { createServer } from 'node:http';\nimport { ${names} } from 'tiercache';\n`;
  fs.writeFileSync(path.join(app, 'esm.mts'), `${imports}${uses}`);
  fs.writeFileSync(path.join(app, 'cjs.cts'), `${imports}${uses}`);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const mod of ['node16', 'nodenext']) {
    const config = {
      compilerOptions: {
        strict: true,
        module: mod,
        moduleResolution: mod,
        target: 'es2022',
        noEmit: true,
        skipLibCheck: false,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: ['esm.mts', 'cjs.cts'],
    };
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(config, null, 2));
    const result = spawnSync(process.execPath, [tsc, '-p', app], { encoding: 'utf8' });
    if (result.status !== 0) fail(`tsc --strict (module ${mod}) against the installed types:\n${result.stdout}${result.stderr}`);
  }
}
