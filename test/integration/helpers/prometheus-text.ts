/**
 * A small strict parser of the Prometheus text exposition format (version 0.0.4,
 * https://prometheus.io/docs/instrumenting/exposition_formats/): every line must be a `# HELP`,
 * a `# TYPE` or a sample of a family whose TYPE came first; label values are unescaped; a
 * histogram's buckets must be cumulative and end with `le="+Inf"` equal to its `_count`.
 * Empty lines are allowed (as the format says); anything else throws, naming the line.
 *
 * Every counter and gauge is also read by an independent parser from npm
 * (`parse-prometheus-text-format`) and must come out the same. Its histograms are not compared:
 * it merges the label sets of a labelled histogram into one.
 */
import parseIndependently from 'parse-prometheus-text-format';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of one series; `labels` must match exactly the sample's labels given. Throws if absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** Sum over every series of `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { counter: ['_total', ''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)$/.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new Error(`${where}: label without =`);
    const key = text.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`${where}: bad label name ${JSON.stringify(key)}`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next}`);
      } else value += text[j];
    }
    if (text[j] !== '"') throw new Error(`${where}: unterminated label value`);
    if (key in labels) throw new Error(`${where}: duplicate label ${key}`);
    labels[key] = value;
    j++;
    if (j < text.length && text[j] !== ',') throw new Error(`${where}: expected , between labels`);
    i = j + 1;
  }
  return labels;
}

export function parsePrometheusText(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const familyOf = (name: string): string | undefined => {
    for (const [family, type] of types) for (const s of SUFFIXES[type]!) if (name === family + s) return family;
    return undefined;
  };
  text.split('\n').slice(0, -1).forEach((line, n) => {
    const where = `line ${n + 1} (${line.slice(0, 80)})`;
    if (line === '') return; // the format allows empty lines
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) throw new Error(`${where}: a comment that is neither HELP nor TYPE`);
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (types.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        if (samples.some((s) => familyOf(s.name) === name)) throw new Error(`${where}: TYPE after samples`);
        types.set(name, rest);
      } else {
        if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
        helps.add(name);
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (m === null) throw new Error(`${where}: not a sample line`);
    const name = m[1]!;
    if (familyOf(name) === undefined) throw new Error(`${where}: sample of ${name} without a TYPE`);
    samples.push({ name, labels: m[3] === undefined || m[3] === '' ? {} : parseLabels(m[3], where), value: parseValue(m[4]!, where) });
  });

  // Histograms: cumulative buckets ending in +Inf, equal to _count, per label set.
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      if (le === undefined) throw new Error(`${family}: bucket without le`);
      const key = JSON.stringify(rest);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const [key, buckets] of groups) {
      const les = buckets.map((b) => parseValue(b.labels.le!, family));
      for (let i = 1; i < buckets.length; i++) {
        if (!(les[i]! > les[i - 1]!) || buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family}${key}: buckets not cumulative`);
      }
      if (les.at(-1) !== Infinity) throw new Error(`${family}${key}: no +Inf bucket`);
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(s.labels) === key);
      if (count === undefined || count.value !== buckets.at(-1)!.value) throw new Error(`${family}${key}: _count differs from the +Inf bucket`);
    }
  }

  crossCheck(text, samples);

  const matches = (s: Sample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    types,
    samples,
    value(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && matches(s, labels) && Object.keys(s.labels).length === Object.keys(labels).length);
      if (found.length !== 1) throw new Error(`${found.length} series of ${name} ${JSON.stringify(labels)}`);
      return found[0]!.value;
    },
    sum(name, labels = {}) {
      return samples.filter((s) => s.name === name && matches(s, labels)).reduce((a, s) => a + s.value, 0);
    },
  };
}

/** Counters and gauges as the npm parser reads them must equal ours, series by series. */
function crossCheck(text: string, ours: Sample[]): void {
  const key = (name: string, labels: Record<string, string>) => `${name}${JSON.stringify(Object.entries(labels).sort())}`;
  const mine = new Map(ours.map((s) => [key(s.name, s.labels), s.value]));
  let compared = 0;
  for (const family of parseIndependently(text)) {
    if (family.type !== 'COUNTER' && family.type !== 'GAUGE') continue;
    for (const metric of family.metrics) {
      if (!('value' in metric)) throw new Error(`${family.name}: the npm parser found no value`);
      const k = key(family.name, metric.labels ?? {});
      if (!Object.is(mine.get(k), parseValue(metric.value, k))) throw new Error(`${k}: ${mine.get(k)} here, ${metric.value} by parse-prometheus-text-format`);
      compared++;
    }
  }
  if (compared === 0) throw new Error('the npm parser read no counter or gauge');
}
