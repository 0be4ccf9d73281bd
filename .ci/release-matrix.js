'use strict';
// The build matrix of .github/workflows/release.yml, from package.json
// napi.targets: one job per target, on the runner that builds it, so the
// workflow can never drift from the package's target list. Fails for a target
// without a runner here. Prints `matrix=<json>` for $GITHUB_OUTPUT.
const path = require('node:path');

/**
 * How each target is built and smoke-tested:
 * - linux gnu: napi's cross toolchain (glibc 2.17), so the binary runs on old
 *   distributions too, smoke-tested on the runner itself;
 * - linux musl: cross-compiled with zig, smoke-tested in an Alpine container;
 * - macOS, Windows: built and smoke-tested natively.
 */
const RUNNERS = {
  'x86_64-unknown-linux-gnu': { os: 'ubuntu-latest', build: '--use-napi-cross', smoke: 'host' },
  'aarch64-unknown-linux-gnu': { os: 'ubuntu-24.04-arm', build: '--use-napi-cross', smoke: 'host' },
  'x86_64-unknown-linux-musl': { os: 'ubuntu-latest', build: '--cross-compile', zig: true, smoke: 'alpine' },
  'aarch64-unknown-linux-musl': { os: 'ubuntu-24.04-arm', build: '--cross-compile', zig: true, smoke: 'alpine' },
  'x86_64-apple-darwin': { os: 'macos-15-intel', build: '', smoke: 'host' },
  'aarch64-apple-darwin': { os: 'macos-14', build: '', smoke: 'host' },
  'x86_64-pc-windows-msvc': { os: 'windows-latest', build: '', smoke: 'host' },
};

function matrix(targets) {
  const missing = targets.filter((t) => RUNNERS[t] === undefined);
  if (missing.length > 0) throw new Error(`no release runner for ${missing.join(', ')}: add it to .ci/release-matrix.js`);
  return { include: targets.map((target) => ({ target, zig: false, ...RUNNERS[target] })) };
}

if (require.main === module) {
  const { napi } = require(path.join(__dirname, '..', 'package.json'));
  console.log(`matrix=${JSON.stringify(matrix(napi.targets))}`);
}

module.exports = { matrix, RUNNERS };
