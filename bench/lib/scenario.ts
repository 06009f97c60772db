/** What every scenario gets and gives back, and the helpers they share. */
import { generateVapidKeys, signVapid } from '../../src/crypto/vapid.js';
import type { BenchOptions } from './options.js';
import type { ServerContext, ServerHandle } from './servers.js';
import type { Table } from './table.js';
import type { WorkerCounters, Workers } from './workers.js';
import { sleep } from './stats.js';

export interface ScenarioContext {
  opts: BenchOptions;
  servers: ServerContext;
  /** A progress line, prefixed with the scenario name and the elapsed time. */
  log(line: string): void;
}

export interface ScenarioReport {
  title: string;
  table: Table;
  /** Further tables (the profile, per-run details), shown after the main one. */
  extraTables?: Array<{ title: string; table: Table }>;
  /** Targets, baselines, limits and caveats, in plain sentences. */
  notes: string[];
  /** Everything measured, for the JSON file. */
  data: unknown;
  /** One SVG plot. */
  plot: string;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioReport>;

/** The VAPID header a sender reuses for hours: signed once per origin, 12 h expiry. */
export function vapidAuthorization(origin: string): string {
  const keys = generateVapidKeys();
  return signVapid({ ...keys, audience: origin, subject: 'mailto:bench@example.com' }).authorization;
}

export const BODY_BYTES = 4096;

/**
 * Connect `total` user agents over the workers, printing progress each second.
 * @returns how many handshakes succeeded, and the last error if some failed.
 */
export async function connectAll(
  ctx: ScenarioContext,
  workers: Workers,
  a: { url: string; mode: 'push' | 'floor' | 'mqtt'; total?: number; reconnect?: boolean; concurrency: number; label: string },
): Promise<{ connected: number; failed: number; seconds: number; lastError: string }> {
  const t0 = Date.now();
  const done = workers.all<{ connected: number; failed: number; lastError: string }>(
    'connect',
    (i) => ({
      url: a.url,
      mode: a.mode,
      count: a.total === undefined ? 0 : workers.share(a.total, i),
      reconnect: a.reconnect ?? false,
      sources: workers.sources(i),
      concurrency: a.concurrency,
      timeoutMs: 30_000,
    }),
    600_000,
  );
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => {});
  while (!finished) {
    await Promise.race([done.catch(() => {}), sleep(1000)]);
    if (finished) break;
    const c = await workers.counters();
    ctx.log(`${a.label}: ${c.connected.toLocaleString('en-US')} connected${c.connectFailed ? `, ${c.connectFailed} failed` : ''}`);
  }
  const each = await done;
  return {
    connected: each.reduce((t, e) => t + e.connected, 0),
    failed: each.reduce((t, e) => t + e.failed, 0),
    seconds: (Date.now() - t0) / 1000,
    lastError: each.map((e) => e.lastError).find((e) => e) ?? '',
  };
}

export interface Window {
  seconds: number;
  delta: WorkerCounters;
  serverCpu: number;
  genCpu: number;
}

/**
 * Measure counters, server CPU and generator CPU over `seconds`, printing a progress line per
 * second through `describe`.
 */
export async function measure(
  ctx: ScenarioContext,
  server: ServerHandle,
  workers: Workers,
  seconds: number,
  describe: (w: Window) => string,
): Promise<Window> {
  const c0 = await workers.counters();
  const s0 = server.cpu();
  const g0 = workers.cpu();
  const t0 = performance.now();
  let last = { c: c0, s: s0, g: g0, t: t0 };
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - performance.now())));
    const c = await workers.counters();
    const now = { c, s: server.cpu(), g: workers.cpu(), t: performance.now() };
    ctx.log(describe(windowOf(last, now)));
    last = now;
  }
  return windowOf({ c: c0, s: s0, g: g0, t: t0 }, last);
}

function windowOf(a: { c: WorkerCounters; s: number; g: number; t: number }, b: { c: WorkerCounters; s: number; g: number; t: number }): Window {
  const delta = { ...b.c, statuses: { ...b.c.statuses } };
  for (const k of ['connected', 'connectFailed', 'lost', 'received', 'sent', 'ok', 'failed', 'dropped'] as const) delta[k] = b.c[k] - a.c[k];
  return { seconds: (b.t - a.t) / 1000, delta, serverCpu: b.s - a.s, genCpu: b.g - a.g };
}

/** Sleep `seconds` while printing one progress line per second. */
export async function warmUp(ctx: ScenarioContext, server: ServerHandle, workers: Workers, seconds: number, label: string): Promise<void> {
  if (seconds <= 0) return;
  await measure(ctx, server, workers, seconds, (w) => `${label} warm-up: ${rate(w.delta.received, w.seconds)} msg/s received`);
}

export function rate(count: number, seconds: number): string {
  return seconds > 0 ? Math.round(count / seconds).toLocaleString('en-US') : '0';
}
