/**
 * The child side of the bench's IPC: requests `{ id, op, args }` from the orchestrator, replies
 * `{ id, ok, result | error }`. Every child answers `stats` (memory after an optional GC, CPU),
 * `loop-start`/`loop-stop` (event-loop delay and GC pauses over a window, loop-stats.ts) and
 * `stop`, and exits when the orchestrator goes away, so nothing outlives a run.
 */
import { loopStart, loopStop } from './loop-stats.js';

export type Handler = (args: Record<string, unknown>) => unknown;

export interface ChildOptions {
  /** Sent once as `{ event: 'ready', ...ready }`. */
  ready: Record<string, unknown>;
  /** Close servers and sockets; the process exits afterwards (at most `stopGraceMs` later). */
  close?: () => Promise<void> | void;
  handlers?: Record<string, Handler>;
  stopGraceMs?: number;
}

interface Request {
  id: number;
  op: string;
  args?: Record<string, unknown>;
}

const gc = (globalThis as { gc?: () => void }).gc;

export function memoryStats(runGc: boolean): Record<string, number> {
  if (runGc && gc) {
    // Two passes: the first can leave objects that only die in the second (weak refs, finalizers).
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
  };
}

export function serveChild(opts: ChildOptions): void {
  const send = (msg: unknown) => {
    if (process.connected) process.send!(msg);
  };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const hardExit = setTimeout(() => process.exit(0), opts.stopGraceMs ?? 10_000);
    hardExit.unref();
    try {
      await opts.close?.();
    } finally {
      process.exit(0);
    }
  };
  const handlers: Record<string, Handler> = {
    stats: (args) => memoryStats(args.gc === true),
    'loop-start': loopStart,
    'loop-stop': loopStop,
    ...opts.handlers,
  };
  process.on('message', (raw) => {
    const req = raw as Request;
    if (req.op === 'stop') {
      send({ id: req.id, ok: true, result: null });
      void stop();
      return;
    }
    const handler = handlers[req.op];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown op ${req.op}`);
        return handler(req.args ?? {});
      })
      .then(
        (result) => send({ id: req.id, ok: true, result }),
        (err: unknown) => send({ id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  // The orchestrator died or let go: leave at once, without waiting for sockets.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void stop());
  send({ event: 'ready', ...opts.ready });
}
