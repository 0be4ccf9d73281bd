'use strict';
// Lints .github/workflows with actionlint when it is installed (on the PATH,
// or where `go install` puts it), and says how to get it when it is not:
//   go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
// .ci/run installs it whenever Go is available, so CI always lints.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const exe = process.platform === 'win32' ? 'actionlint.exe' : 'actionlint';

function goBin() {
  try {
    const gobin = execFileSync('go', ['env', 'GOBIN'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (gobin !== '') return gobin;
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return gopath === '' ? null : path.join(gopath.split(path.delimiter)[0], 'bin');
  } catch {
    return null;
  }
}

function findActionlint() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && fs.existsSync(path.join(dir, exe))) return path.join(dir, exe);
  }
  const home = process.env.HOME ?? process.env.USERPROFILE;
  for (const dir of [goBin(), home === undefined ? null : path.join(home, 'go', 'bin')]) {
    if (dir !== null && fs.existsSync(path.join(dir, exe))) return path.join(dir, exe);
  }
  return null;
}

const actionlint = findActionlint();
if (actionlint === null) {
  console.log('lint: actionlint is not installed, so .github/workflows were not linted (go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12)');
  process.exit(0);
}
const result = spawnSync(actionlint, [], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log('lint: actionlint found no problem in .github/workflows');
