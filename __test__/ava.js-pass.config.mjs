// The second ava pass (`npm run test:js`, TIERCACHE_IMPL=js).
//
// `npm run test:native` runs every test file with TIERCACHE_IMPL=native
// (package.json "ava"). The js pass runs again only the files whose outcome
// depends on the implementation the process chose: those of the components
// with a native side. A file that does not depend on it (pool, codec,
// metrics, package, helpers) or that picks its implementations itself
// (`*-differential`, `*-native-*` binding tests) runs once.
//
// Classify a new test file by its name: `local-*`, `offheap-*`, `batch-*`
// and `tier-*` files run in both passes unless excluded below (TierCache's
// L1 is a LocalCache or an OffHeapCache; its multi-process, chaos and cluster
// suites are about Redis and run once); add the prefix of a new component
// with a native side to IMPLEMENTATION_DEPENDENT. See docs/architecture.md
// (Testing).
import { readFileSync } from 'node:fs';

/** Test files run under both implementations (globs relative to the package root; `!` excludes). */
export const IMPLEMENTATION_DEPENDENT = [
  '__test__/local-*.test.ts',
  '__test__/offheap-*.test.ts',
  '__test__/batch-*.test.ts',
  '__test__/tier-*.test.ts',
  '!__test__/tier-multiprocess*.test.ts',
  '!__test__/tier-chaos*.test.ts',
  '!__test__/tier-cluster*.test.ts',
  '!__test__/*-differential.test.ts',
  '!__test__/*-native-*.test.ts',
  '!__test__/local-hash.test.ts',
];

const base = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).ava;

export default { ...base, files: IMPLEMENTATION_DEPENDENT };
