/**
 * An independent checker of the Prometheus text exposition format (0.0.4):
 * every line against the grammar, plus the structural rules (one HELP/TYPE per
 * family before its samples, families contiguous, no duplicate series,
 * histogram buckets cumulative and ending in +Inf == _count).
 */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
// A label value: any characters except unescaped `"`, `\` and newline.
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\\\\\|\\\\"|\\\\n)*"';
const LABELS = `\\{(?:${LABEL_NAME}=${LABEL_VALUE}(?:,${LABEL_NAME}=${LABEL_VALUE})*,?)?\\}`;
const VALUE = '(?:[-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})(?: -?[0-9]+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\\\\\|\\\\n)*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** A parsed sample. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  const re = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');
  for (const m of text.matchAll(re)) {
    out[m[1]] = m[2].slice(1, -1).replace(/\\(\\|"|n)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

function parseValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (/^[-+]?Inf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/** Validates `text`; returns the problems found (empty when valid) and the samples. */
export function checkExposition(text: string): { errors: string[]; samples: Sample[]; types: Map<string, string> } {
  const errors: string[] = [];
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: string | null = null;
  if (text !== '' && !text.endsWith('\n')) errors.push('text must end with a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    let m: RegExpMatchArray | null;
    if ((m = line.match(HELP)) !== null) {
      if (helps.has(m[1])) errors.push(`${where}: second HELP for ${m[1]}`);
      helps.add(m[1]);
      if (current !== m[1]) {
        if (current !== null) finished.add(current);
        if (finished.has(m[1])) errors.push(`${where}: family ${m[1]} is not contiguous`);
        current = m[1];
      }
      return;
    }
    if ((m = line.match(TYPE)) !== null) {
      if (types.has(m[1])) errors.push(`${where}: second TYPE for ${m[1]}`);
      types.set(m[1], m[2]);
      if (current !== m[1]) {
        if (current !== null) finished.add(current);
        current = m[1];
      }
      return;
    }
    if (line.startsWith('#')) return; // other comments are allowed
    m = line.match(SAMPLE);
    if (m === null) {
      errors.push(`${where}: not a valid sample line`);
      return;
    }
    const [, name, labelText, valueText] = m;
    const family = current;
    const type = family === null ? undefined : types.get(family);
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    if (family === null || !suffixes.some((s) => name === `${family}${s}`)) {
      errors.push(`${where}: sample ${name} outside its family's HELP/TYPE block (current ${family})`);
    }
    const labels = parseLabels(labelText);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) errors.push(`${where}: duplicate series`);
    series.add(key);
    samples.push({ name, labels, value: parseValue(valueText) });
  });
  // Histogram buckets: cumulative, ending in +Inf equal to _count.
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      if (le === undefined) errors.push(`${family}_bucket without le`);
      const k = JSON.stringify(Object.entries(rest).sort());
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    for (const [k, buckets] of groups) {
      let previous = -Infinity;
      let count = -1;
      for (const b of buckets) {
        if (b.value < previous) errors.push(`${family}${k}: bucket le=${b.labels.le} is not cumulative`);
        previous = b.value;
      }
      const last = buckets[buckets.length - 1];
      if (last.labels.le !== '+Inf') errors.push(`${family}${k}: last bucket is not +Inf`);
      const countSample = samples.find((s) => s.name === `${family}_count` && JSON.stringify(Object.entries(s.labels).sort()) === k);
      if (countSample === undefined) errors.push(`${family}${k}: no _count`);
      else count = countSample.value;
      if (last.value !== count) errors.push(`${family}${k}: +Inf bucket ${last.value} != _count ${count}`);
    }
  }
  return { errors, samples, types };
}
