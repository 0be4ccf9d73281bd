'use strict';
const { BenchInputError } = require('./results.js');

/**
 * A small command-line parser for the bench tools. `spec` maps an option name
 * (without --) to 'boolean', 'string', 'strings' (repeatable) or 'fraction'
 * (a number in (0, 1)). Returns { options, positional }; a bad command line
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
    if (kind === 'fraction' || kind === 'count') {
      const n = Number(value);
      const ok = kind === 'fraction' ? n > 0 && n < 1 : Number.isInteger(n) && n >= 1;
      if (!ok) throw new BenchInputError(`--${name} must be ${kind === 'fraction' ? 'a fraction between 0 and 1 (0.2 = 20%)' : 'a whole number >= 1'}, got ${value}`);
      value = n;
    }
    if (kind === 'strings') (options[name] ??= []).push(value);
    else options[name] = value;
  }
  return { options, positional };
}

module.exports = { parseArgs };
