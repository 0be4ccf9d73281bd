'use strict';
// Compares two recorded runs (npm run bench -- --json DIR), e.g. main and a
// pull request run one after the other on the same machine, and prints a
// markdown table per table: each case's ratio against its table's peer in
// base and in head. Ratios, not raw ops/s, so that runner speed cancels out.
//
// Usage: node bench/compare.js BASE HEAD [--threshold 0.2] [--allow-missing]
//   BASE, HEAD       directories of recorded suites (or single suite files)
//   --threshold F    a ratio that falls by more than F (default 0.2 = 20%) is a regression
//   --allow-missing  a suite, table or case of base missing from head is a note, not an error
// Exit status: 0 no regression; 1 a ratio regressed; 2 cannot compare (bad
// input, or something recorded in base is missing from head).
const { parseArgs } = require('./lib/args.js');
const { DEFAULT_THRESHOLD, BenchInputError, loadRun } = require('./lib/results.js');
const { compareRuns, formatComparison } = require('./lib/compare-runs.js');

const USAGE = 'usage: node bench/compare.js BASE HEAD [--threshold 0.2] [--allow-missing]';

function main(argv) {
  const { options, positional } = parseArgs(argv, { threshold: 'fraction', 'allow-missing': 'boolean' });
  if (positional.length !== 2) throw new BenchInputError(USAGE);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const result = compareRuns(loadRun(positional[0]), loadRun(positional[1]), { threshold, allowMissing: Boolean(options['allow-missing']) });
  process.stdout.write(formatComparison(result, { threshold }));
  if (result.errors.length > 0) return 2;
  return result.regressions.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // Any failure to compare is status 2, never 1 (which means "regressed").
  process.stderr.write(`${error instanceof BenchInputError ? error.message : error.stack}\n`);
  process.exitCode = 2;
}
