/** Plain-text tables for the terminal and the markdown tables of docs/benchmarks.md. */

export type Cell = string | number | null;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

/** Thousands separators for integers, sensible decimals otherwise, "–" for missing values. */
export function fmt(value: Cell, decimals?: number): string {
  if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return '–';
  if (typeof value === 'string') return value;
  const d = decimals ?? (Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

const isNumeric = (s: string) => /^[-+]?[\d,.]+[%x]?$/.test(s);

export function renderTable(t: Table): string {
  const cells = t.rows.map((r) => r.map((c) => fmt(c)));
  const widths = t.columns.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (isNumeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function markdownTable(t: Table): string {
  const cells = t.rows.map((r) => r.map((c) => fmt(c)));
  const align = t.columns.map((_, i) => (cells.every((r) => isNumeric(r[i] ?? '') || r[i] === '–') ? '---:' : '---'));
  return [`| ${t.columns.join(' | ')} |`, `|${align.join('|')}|`, ...cells.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
