'use strict';
// Stages what gets published, in a directory of its own, so the repository's
// package.json is never edited:
//   OUT/             the main package: the files `npm pack` would take, with a
//                    package.json that has no scripts (consumers never run the
//                    repository's `prepare` build), no dev-only fields, and
//                    the platform packages as optionalDependencies;
//   OUT/npm/<platform>/  one package per target (tiercache-linux-x64-gnu, ...)
//                    with its .node, made by the napi CLI: create-npm-dirs,
//                    artifacts, then prepublish (which checks each package and
//                    writes the optionalDependencies; it publishes nothing here).
// The release workflow publishes exactly these directories; `npm run
// check:pack` stages the host's target alone and installs the result.
//
// Usage: node .ci/stage-package.js --out DIR --artifacts DIR [--targets t1,t2]
//   --artifacts  a directory holding tiercache.<platform>.node for each target
//   --targets    a subset of package.json napi.targets (default: all of them)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const napi = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi');

/** Fields of the repository's package.json that mean nothing to a consumer. */
const REPOSITORY_ONLY = ['scripts', 'devDependencies', 'ava', 'allowScripts'];

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/**
 * Stages the packages into `out` (created; must not exist). `targets` limits
 * the platform packages (napi reads them from a config file then); returns
 * the staged main manifest.
 */
function stage({ out, artifacts, targets }) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const all = manifest.napi.targets;
  const chosen = targets ?? all;
  for (const t of chosen) if (!all.includes(t)) throw new Error(`${t} is not in package.json napi.targets (${all.join(', ')})`);
  if (fs.existsSync(out)) throw new Error(`${out} already exists`);
  fs.mkdirSync(out, { recursive: true });

  // The files `npm pack` takes (package.json "files", plus README, LICENSE, package.json).
  const [listing] = JSON.parse(run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], root));
  for (const { path: file } of listing.files) {
    if (file === 'package.json') continue;
    fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(out, file));
  }
  const published = { ...manifest };
  for (const field of REPOSITORY_ONLY) delete published[field];
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);

  // napi reads the targets from package.json, or from a config file when given one.
  const config = [];
  if (chosen.length !== all.length) {
    const file = path.join(out, '..', `${path.basename(out)}.napi.json`);
    fs.writeFileSync(file, JSON.stringify({ binaryName: manifest.napi.binaryName, targets: chosen }));
    config.push('--config-path', file);
  }
  run(napi, ['create-npm-dirs', '--cwd', out, '--npm-dir', 'npm', ...config], root);
  run(napi, ['artifacts', '--cwd', out, '--npm-dir', 'npm', '--output-dir', path.resolve(artifacts), ...config], root);
  // `napi artifacts` also copies each binary to the package root, where "files" keeps it out of the tarball.
  for (const file of fs.readdirSync(out)) if (file.endsWith('.node')) fs.rmSync(path.join(out, file));
  for (const dir of fs.readdirSync(path.join(out, 'npm'))) {
    fs.copyFileSync(path.join(root, 'LICENSE'), path.join(out, 'npm', dir, 'LICENSE'));
    // A .node main loads through require: say so, as the main package does.
    const file = path.join(out, 'npm', dir, 'package.json');
    fs.writeFileSync(file, `${JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), type: 'commonjs' }, null, 2)}\n`);
  }
  run(napi, ['prepublish', '--cwd', out, '--npm-dir', 'npm', '--tag-style', 'npm', '--skip-optional-publish', '--no-gh-release', ...config], root);
  return JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8'));
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['out', 'artifacts', 'targets'].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`usage: node .ci/stage-package.js --out DIR --artifacts DIR [--targets t1,t2] (at ${argv[i]})`);
    }
    args[key] = argv[i + 1];
  }
  if (args.out === undefined || args.artifacts === undefined) throw new Error('--out and --artifacts are required');
  return { out: path.resolve(args.out), artifacts: args.artifacts, targets: args.targets?.split(',') };
}

if (require.main === module) {
  const staged = stage(parseArgs(process.argv.slice(2)));
  console.log(`staged ${staged.name}@${staged.version} with ${Object.keys(staged.optionalDependencies ?? {}).join(', ')}`);
}

module.exports = { stage };
