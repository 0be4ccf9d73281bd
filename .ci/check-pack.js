'use strict';
// npm run check:pack: verifies the package users get. Lists the tarball's
// files (required entries present, nothing private or stray), then installs
// the real tarball into a scratch project and imports it with require and
// import. No platform package is installed there, so it must run the JS twin
// without any error, as on a platform with no prebuilt binary.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const failures = [];
const fail = (message) => failures.push(message);

const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' }));
const files = pack.files.map((f) => f.path);
const required = [
  'package.json',
  'README.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/index.mjs',
  'dist/index.d.mts',
  'dist/codec/worker.js',
  'ts/native/generated/binding.js',
  'ts/native/generated/binding.d.ts',
];
for (const file of required) if (!files.includes(file)) fail(`missing from the package: ${file}`);
const forbidden = [/\.node$/, /^__test__\//, /^bench\//, /^crates\//, /^target\//, /^\.ci\//, /^\.github\//, /\.map$/, /^ts\/(?!native\/generated\/binding\.(js|d\.ts)$)/];
for (const file of files) if (forbidden.some((re) => re.test(file))) fail(`should not be in the package: ${file}`);
const mib = pack.size / 2 ** 20;
if (mib > 1) fail(`package is ${mib.toFixed(2)} MiB compressed; expected well under 1 MiB`);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tiercache-pack-'));
try {
  const tgz = execFileSync(npm, ['pack', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', path.join(scratch, tgz)], { cwd: scratch, stdio: 'inherit' });
  const env = { ...process.env, TIERCACHE_IMPL: '' };
  delete env.NODE_OPTIONS;
  const cjs = execFileSync(
    process.execPath,
    ['-e', "const t = require('tiercache'); const c = new t.LocalCache({ maxEntries: 4 }); c.set('k', 'v'); console.log(t.LocalCache.implementation + ':' + c.get('k'))"],
    { cwd: scratch, env, encoding: 'utf8' },
  ).trim();
  if (cjs !== 'js:v') fail(`require('tiercache') from the tarball printed ${JSON.stringify(cjs)}, expected "js:v"`);
  const esm = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "import { LocalCache, OffHeapCache, BatchProcessor, ConnectionPool, Codec, metrics } from 'tiercache'; console.log([LocalCache, OffHeapCache, BatchProcessor, ConnectionPool, Codec].every((f) => typeof f === 'function') && typeof metrics.snapshot)"],
    { cwd: scratch, env, encoding: 'utf8' },
  ).trim();
  if (esm !== 'function') fail(`import from the tarball printed ${JSON.stringify(esm)}`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const f of failures) console.error(`check:pack: ${f}`);
  process.exit(1);
}
console.log(`check:pack: ok (${files.length} files, ${(pack.size / 1024).toFixed(0)} KiB compressed; installs and imports with no binary)`);
