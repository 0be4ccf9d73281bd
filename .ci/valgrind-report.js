// Reads valgrind memcheck's XML output (--xml=yes) and fails when an error or
// a definitely/indirectly lost block has the native addon in its stack.
// Usage: node .ci/valgrind-report.js <valgrind.xml> <path of the .node addon>
//
// Not counted: blocks allocated while the addon registers itself
// (napi_register_module_v1: napi-rs creates references to its classes once
// per process and Node never deletes them), and everything without an addon
// frame (Node's and V8's own exit-time leftovers).
'use strict';
const fs = require('node:fs');

const [xmlFile, addon] = process.argv.slice(2);
if (!xmlFile || !addon) {
  console.error('usage: node .ci/valgrind-report.js <valgrind.xml> <addon.node>');
  process.exit(2);
}
const xml = fs.readFileSync(xmlFile, 'utf8');
const unescapeXml = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const tag = (text, name) => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text);
  return m === null ? '' : unescapeXml(m[1].trim());
};

const REGISTRATION = 'napi_register_module_v1';
const errors = [...xml.matchAll(/<error>([\s\S]*?)<\/error>/g)].map((m) => {
  const body = m[1];
  // The first <stack> is where the block was allocated (leaks) or the error happened.
  const stack = /<stack>([\s\S]*?)<\/stack>/.exec(body)?.[1] ?? '';
  const frames = [...stack.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map((f) => ({ fn: tag(f[1], 'fn') || '???', obj: tag(f[1], 'obj') }));
  const what = tag(body, 'text') || tag(tag(body, 'xwhat'), 'text') || tag(body, 'what');
  const leaked = Number(/<leakedbytes>(\d+)<\/leakedbytes>/.exec(body)?.[1] ?? 0);
  return { kind: tag(body, 'kind'), what, leaked, frames };
});

const inAddon = (e) => e.frames.some((f) => f.obj === addon);
const atRegistration = (e) => e.frames.some((f) => f.fn.includes(REGISTRATION));
const counted = errors.filter((e) => inAddon(e) && !atRegistration(e));
const lost = errors.filter((e) => e.kind.startsWith('Leak_'));

console.log(
  `valgrind: ${errors.length} record(s): ${lost.length} lost block record(s) (${lost.reduce((n, e) => n + e.leaked, 0)} bytes), ` +
    `${errors.length - lost.length} memory error(s); ${counted.length} in the addon (registration excluded)`,
);
for (const e of counted) {
  console.log(`\n${e.kind}: ${e.what}`);
  for (const f of e.frames.slice(0, 10)) console.log(`    ${f.fn}${f.obj === addon ? '   [addon]' : ''}`);
}
if (!/<status>\s*<state>FINISHED<\/state>/.test(xml)) {
  console.error('valgrind did not finish (no FINISHED status in its output)');
  process.exit(1);
}
process.exit(counted.length === 0 ? 0 : 1);
