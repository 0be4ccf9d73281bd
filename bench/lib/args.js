'use strict';
const { BenchInputError } = require('./results.js');

const NUMBERS = {
  fraction: { ok: (n) => n > 0 && n < 1, says: 'a fraction between 0 and 1 (0.2 = 20%)' },
  count: { ok: (n) => Number.isInteger(n) && n >= 1, says: 'a whole number >= 1' },
  whole: { ok: (n) => Number.isInteger(n) && n >= 0, says: 'a whole number >= 0' },
};

/**
 * A small command-line parser for the bench tools. `spec` maps an option name
 * (without --) to 'boolean', 'string', 'strings' (repeatable), 'fraction' (a
 * number in (0, 1)), 'count' (a whole number >= 1) or 'whole' (>= 0). Returns { options, positional }; a bad command line
 * throws BenchInputError naming the option.
 */
function parseArgs(argv, spec) {
  const options = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new BenchInputError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new BenchInputError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    let value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new BenchInputError(`--${name} needs a value`);
    if (NUMBERS[kind]) {
      const n = Number(value);
      if (!NUMBERS[kind].ok(n)) throw new BenchInputError(`--${name} must be ${NUMBERS[kind].says}, got ${value}`);
      value = n;
    }
    if (kind === 'strings') (options[name] ??= []).push(value);
    else options[name] = value;
  }
  return { options, positional };
}

module.exports = { parseArgs };
