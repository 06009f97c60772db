/**
 * Where a server's latency tail comes from, measured in the server: the event loop's delay
 * (`monitorEventLoopDelay`, 1 ms resolution) and garbage collection pauses (`gc` performance
 * entries), over a window the orchestrator opens with `loop-start` and closes with `loop-stop`.
 */
import { PerformanceObserver, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopStats {
  /** Event-loop delay percentiles and maximum, ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** What the longest pause was: minor (scavenge), major (mark-compact), incremental or weakcb. */
  gcMaxKind: string;
  /** Pauses and their total by kind, ms. */
  gcByKind: Record<string, { count: number; totalMs: number; maxMs: number }>;
}

let histogram: IntervalHistogram | null = null;
let observer: PerformanceObserver | null = null;
let pauses: Array<{ ms: number; kind: string }> = [];
const KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

export function loopStart(): null {
  loopStopQuietly();
  pauses = [];
  histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      pauses.push({ ms: e.duration, kind: KINDS[kind] ?? String(kind) });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return null;
}

export function loopStop(): LoopStats {
  if (histogram === null) throw new Error('loop-stop without loop-start');
  const h = histogram;
  loopStopQuietly();
  const ms = (ns: number) => ns / 1e6;
  const longest = pauses.reduce<{ ms: number; kind: string } | undefined>((a, p) => (a === undefined || p.ms > a.ms ? p : a), undefined);
  const byKind: LoopStats['gcByKind'] = {};
  for (const p of pauses) {
    const k = (byKind[p.kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count++;
    k.totalMs += p.ms;
    k.maxMs = Math.max(k.maxMs, p.ms);
  }
  return {
    delayP50Ms: ms(h.percentile(50)),
    delayP99Ms: ms(h.percentile(99)),
    delayMaxMs: ms(h.max),
    gcCount: pauses.length,
    gcTotalMs: pauses.reduce((a, p) => a + p.ms, 0),
    gcMaxMs: longest?.ms ?? 0,
    gcMaxKind: longest?.kind ?? '',
    gcByKind: byKind,
  };
}

function loopStopQuietly(): void {
  histogram?.disable();
  observer?.disconnect();
  histogram = null;
  observer = null;
}
