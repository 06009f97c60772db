/**
 * Several worker processes on one host (DESIGN.md "Several workers on one host"): one process can
 * hold only as many sockets as its open-files limit allows, so `--workers N` forks N processes
 * with node:cluster. They share the public port, each accepting from it itself (spread by
 * accept-balance.ts), and each is a node of the cluster design, with its own router port and node
 * id, on storage they all share. The primary supervises: it restarts a worker that dies, stops all
 * on SIGTERM/SIGINT, and tells a worker that holds clearly more sockets than the rest to pause.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import type { RunningNode } from './serve.js';
import { AcceptBalancer, LOAD_REPORT_MS, type AcceptOrder, type WorkerLoad } from './accept-balance.js';

const WORKER_INDEX = 'HERALD_WORKER_INDEX';

/** What a worker tells the primary once it serves. */
export interface WorkerReady {
  type: 'herald-ready';
  index: number;
  node: Pick<RunningNode, 'role' | 'port' | 'connection' | 'adminPort' | 'bridges'>;
}

/** The worker number of this process, or null in a primary or single process. */
export function workerIndex(): number | null {
  if (!cluster.isWorker) return null;
  const raw = process.env[WORKER_INDEX];
  return raw === undefined ? null : Number(raw);
}

/** A worker's own settings: router and admin ports are per node (base + index; 0 stays 0). */
export function workerSettings(settings: Readonly<Settings>, index: number): Readonly<Settings> {
  const plus = (port: number) => (port === 0 ? 0 : port + index);
  return Object.freeze({ ...settings, routerPort: plus(settings.routerPort), adminPort: plus(settings.adminPort) });
}

/**
 * In a worker: tell the primary this node serves, then report its open sockets every
 * LOAD_REPORT_MS and follow the primary's word on accepting (accept-balance.ts).
 */
export function reportReady(index: number, node: RunningNode): void {
  const msg: WorkerReady = { type: 'herald-ready', index, node: { role: node.role, port: node.port, connection: node.connection, adminPort: node.adminPort, bridges: node.bridges } };
  process.send?.(msg);
  let seq = 0;
  // Also when nothing changed: a report is the primary's sign that this worker is alive.
  const report = () => {
    if (process.connected) process.send?.({ type: 'herald-load', index, open: node.openSockets(), accepting: node.accepting(), seq } satisfies WorkerLoad);
  };
  // After an order, a report as soon as it took effect: the primary counts this worker's
  // accepting only from a report made after its last order.
  process.on('message', (order: AcceptOrder) => {
    if (order?.type !== 'herald-accept') return;
    void node.setAccepting(order.accepting).then(() => {
      // Orders are carried out in turn, so the last one settled is the newest.
      seq = Math.max(seq, order.seq);
      report();
    });
  });
  report();
  setInterval(report, LOAD_REPORT_MS).unref();
}

/**
 * In the primary: fork `settings.workers` workers (they re-run this command), print the start-up
 * lines once all serve, restart a worker that dies unexpectedly, and stop them all on a signal.
 */
export function superviseWorkers(settings: Readonly<Settings>, logger: Logger, onAllReady: (nodes: WorkerReady['node'][]) => void): void {
  const ready = new Map<number, WorkerReady['node']>();
  const workers = new Map<number, Worker>();
  // Each worker accepts for itself: the primary's hand-off of every socket over IPC cost half of
  // a hello's CPU in a reconnect storm (docs/benchmarks.md). Set before the first fork.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const balancer = new AcceptBalancer((index, order) => {
    const worker = workers.get(index);
    // A worker that is exiting may have closed its channel already: nothing to tell it then.
    if (!stopping && worker?.isConnected()) worker.send(order, (err: Error | null) => err && logger.debug({ err, worker: index }, 'could not reach a worker'));
  });
  let announced = false;
  let failed = false;

  const fork = (index: number) => {
    const worker = cluster.fork({ [WORKER_INDEX]: String(index) });
    workers.set(index, worker);
    worker.on('message', (msg: WorkerReady | WorkerLoad) => {
      if (msg?.type === 'herald-load') {
        if (!stopping) balancer.report(msg);
        return;
      }
      if (msg?.type !== 'herald-ready') return;
      ready.set(msg.index, msg.node);
      if (!announced && ready.size === settings.workers) {
        announced = true;
        onAllReady([...ready.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n));
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      ready.delete(index);
      balancer.forget(index);
      if (stopping) {
        if (workers.size === 0) process.exit(failed ? 1 : 0);
        return;
      }
      if (!announced) {
        // A worker that cannot start (port in use, bad storage) will not do better on retry.
        logger.error({ worker: index, code, signal }, 'a worker failed to start; stopping');
        failed = true;
        stop();
        return;
      }
      logger.error({ worker: index, code, signal }, 'worker died; starting a new one in 1 s');
      setTimeout(() => !stopping && fork(index), 1000).unref();
    });
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (workers.size === 0) process.exit(failed ? 1 : 0);
    // Each worker saves its sessions' unacked messages before it exits.
    for (const w of workers.values()) w.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of workers.values()) w.process.kill('SIGKILL');
      process.exit(1);
    }, (settings.shutdownDrain + settings.shutdownGrace + 10) * 1000).unref();
  };

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < settings.workers; i++) fork(i);
}
