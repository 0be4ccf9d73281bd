/**
 * ioredis is a runtime dependency loaded lazily: importing tiercache, or
 * creating a TierCache without L2, does not load it; creating one with an L2
 * does. Checked in a fresh process against the built package (dist/).
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..');

function loadedAfter(script: string): boolean {
  const out = execFileSync(
    process.execPath,
    ['-e', `${script}; setImmediate(() => { console.log(Object.keys(require.cache).some((f) => f.includes('${path.sep}node_modules${path.sep}ioredis${path.sep}'))); process.exit(0); })`],
    { cwd: root, encoding: 'utf8', timeout: 30_000 },
  );
  return out.trim().endsWith('true');
}

test('importing tiercache and an L1-only TierCache do not load ioredis; a TierCache with L2 does', (t) => {
  t.false(loadedAfter(`const tc = require('./dist/index.js')`));
  t.false(loadedAfter(`const tc = require('./dist/index.js'); const c = tc.createCache({ metrics: false }); c.close()`));
  t.true(loadedAfter(`const tc = require('./dist/index.js'); const c = tc.createCache({ metrics: false, l2: { redis: 'redis://127.0.0.1:1' } }); c.on('error', () => {}); c.close()`));
});
