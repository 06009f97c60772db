/**
 * Plots as plain SVG text, no dependency: grouped bar charts and line charts, each with an
 * optional dashed target line. Good enough to read a result at a glance in docs/benchmarks.md.
 */

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];
const W = 760;
const H = 420;
const M = { left: 78, right: 24, top: 70, bottom: 64 };

export interface Target {
  value: number;
  label: string;
}

export interface BarSeries {
  name: string;
  values: Array<number | null>;
  color?: string;
}

export interface BarChart {
  title: string;
  subtitle?: string;
  yLabel: string;
  categories: string[];
  series: BarSeries[];
  target?: Target;
  format?: (v: number) => string;
}

export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
  color?: string;
}

export interface LineChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  target?: Target;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (n: number) => Math.round(n * 10) / 10;

function defaultFormat(v: number): string {
  if (v >= 10_000) return `${r1(v / 1000)}k`;
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return String(r1(v));
}

/** Round numbers for axis ticks: 1, 2 or 5 times a power of ten. */
function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * pow).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step * 0.001; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

function frame(title: string, subtitle: string | undefined, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
    subtitle ? `<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(subtitle)}</text>` : '',
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: number[], y: (v: number) => number, label: string, fmt: (v: number) => string): string[] {
  const out: string[] = [];
  for (const t of ticks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${r1(y(t))}" y2="${r1(y(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${r1(y(t) + 4)}" text-anchor="end" fill="#333">${esc(fmt(t))}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  const cy = (M.top + H - M.bottom) / 2;
  out.push(`<text x="18" y="${cy}" text-anchor="middle" transform="rotate(-90 18 ${cy})" fill="#333">${esc(label)}</text>`);
  return out;
}

function targetLine(t: Target | undefined, y: (v: number) => number): string[] {
  if (!t) return [];
  const ty = r1(y(t.value));
  return [
    `<line x1="${M.left}" x2="${W - M.right}" y1="${ty}" y2="${ty}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${W - M.right - 4}" y="${ty - 5}" text-anchor="end" fill="#d62728">${esc(t.label)}</text>`,
  ];
}

function legend(names: string[], colors: string[]): string[] {
  const out: string[] = [];
  let x = M.left;
  const y = 58;
  names.forEach((name, i) => {
    out.push(`<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${colors[i]}"/>`);
    out.push(`<text x="${x + 16}" y="${y + 1}" fill="#333">${esc(name)}</text>`);
    x += 28 + name.length * 6.5;
  });
  return out;
}

export function barChart(c: BarChart): string {
  const fmt = c.format ?? defaultFormat;
  const colors = c.series.map((s, i) => s.color ?? COLORS[i % COLORS.length]!);
  const values = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const ticks = niceTicks(Math.max(1e-9, ...values, c.target?.value ?? 0) * 1.08);
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => H - M.bottom - (v / top) * (H - M.top - M.bottom);
  const body = [...yAxis(ticks, y, c.yLabel, defaultFormat)];
  const groupW = (W - M.left - M.right) / Math.max(1, c.categories.length);
  const barW = Math.min(60, (groupW * 0.8) / Math.max(1, c.series.length));
  c.categories.forEach((cat, ci) => {
    const gx = M.left + ci * groupW + (groupW - barW * c.series.length) / 2;
    c.series.forEach((s, si) => {
      const v = s.values[ci];
      const x = gx + si * barW;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        body.push(`<text x="${r1(x + barW / 2)}" y="${H - M.bottom - 4}" text-anchor="middle" fill="#999">n/a</text>`);
        return;
      }
      body.push(`<rect x="${r1(x + 1)}" y="${r1(y(v))}" width="${r1(barW - 2)}" height="${r1(H - M.bottom - y(v))}" fill="${colors[si]}"/>`);
      body.push(`<text x="${r1(x + barW / 2)}" y="${r1(y(v) - 4)}" text-anchor="middle" font-size="10" fill="#333">${esc(fmt(v))}</text>`);
    });
    body.push(`<text x="${r1(M.left + ci * groupW + groupW / 2)}" y="${H - M.bottom + 18}" text-anchor="middle" fill="#333">${esc(cat)}</text>`);
  });
  body.push(...targetLine(c.target, y), ...legend(c.series.map((s) => s.name), colors));
  return frame(c.title, c.subtitle, body);
}

export function lineChart(c: LineChart): string {
  const colors = c.series.map((s, i) => s.color ?? COLORS[i % COLORS.length]!);
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]));
  const xTicks = niceTicks(Math.max(1e-9, ...xs));
  const yTicks = niceTicks(Math.max(1e-9, ...ys, c.target?.value ?? 0) * 1.08);
  const xTop = xTicks[xTicks.length - 1]!;
  const yTop = yTicks[yTicks.length - 1]!;
  const x = (v: number) => M.left + (v / xTop) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / yTop) * (H - M.top - M.bottom);
  const body = [...yAxis(yTicks, y, c.yLabel, defaultFormat)];
  for (const t of xTicks) body.push(`<text x="${r1(x(t))}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#333">${esc(defaultFormat(t))}</text>`);
  body.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 18}" text-anchor="middle" fill="#333">${esc(c.xLabel)}</text>`);
  c.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${r1(x(p[0]))},${r1(y(p[1]))}`).join(' ');
    body.push(`<path d="${d}" fill="none" stroke="${colors[i]}" stroke-width="2"/>`);
  });
  body.push(...targetLine(c.target, y), ...legend(c.series.map((s) => s.name), colors));
  return frame(c.title, c.subtitle, body);
}
