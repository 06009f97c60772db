/**
 * One load-generator process (several run side by side, each under the open-file limit). It
 * holds user agents, and sends pushes to its own user agents' endpoints, or to endpoints it is
 * given (a sender-only process, as in the two-senders scenario). Send times are stamped on the
 * wall clock at sub-millisecond resolution (`now()`), so a notification sent by one process and
 * received by another is timed as well as one that stays in a single process. The orchestrator
 * drives it over IPC (see servers/child-ipc.ts) and polls `counters` for progress.
 *
 * Ops: connect, disconnect, endpoints, send, stop-send, counters, record, samples (and stats, stop).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { serveChild } from '../servers/child-ipc.js';
import { HttpPool } from './http-pool.js';
import { Ua, type UaMode } from './ua.js';

const workerId = Number(process.env.BENCH_WORKER_ID ?? '0');

/** Milliseconds since the epoch with performance.now()'s resolution; comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

const counters = {
  connected: 0,
  connectFailed: 0,
  lost: 0,
  received: 0,
  sent: 0,
  ok: 0,
  failed: 0,
  dropped: 0,
  /** Wall-clock time (ms) of the latest notification, to time a drain across processes. */
  lastReceiptAt: 0,
};
const statuses: Record<string, number> = {};
let lastError = '';

let receipts: number[] | null = null;
let responses: number[] | null = null;

const uas: Ua[] = [];
const events = {
  notification(stamp: number) {
    counters.received++;
    counters.lastReceiptAt = Date.now();
    if (receipts !== null && Number.isFinite(stamp)) receipts.push(now() - stamp);
  },
  lost() {
    counters.lost++;
    counters.connected--;
  },
};

interface ConnectArgs {
  url: string;
  mode: UaMode;
  /** New user agents to open; ignored when `reconnect`. */
  count?: number;
  /** Reconnect every known, disconnected user agent with its uaid. */
  reconnect?: boolean;
  sources: string[];
  concurrency: number;
  timeoutMs: number;
}

async function connectOp(a: ConnectArgs) {
  const list: Ua[] = [];
  if (a.reconnect) list.push(...uas.filter((u) => u.ws === null && u.uaid !== null));
  else {
    for (let i = 0; i < (a.count ?? 0); i++) {
      const ua = new Ua(events, `b${workerId}-${uas.length}`);
      uas.push(ua);
      list.push(ua);
    }
  }
  let next = 0;
  let ok = 0;
  let failed = 0;
  const lane = async () => {
    while (next < list.length) {
      const i = next++;
      try {
        await list[i]!.connect(a.url, a.mode, a.sources[i % a.sources.length], a.timeoutMs);
        counters.connected++;
        ok++;
      } catch (err) {
        counters.connectFailed++;
        failed++;
        lastError = (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, a.concurrency) }, lane));
  return { connected: ok, failed, lastError: failed > 0 ? lastError : '' };
}

async function disconnectOp(a: { forget?: boolean }) {
  const open = uas.filter((u) => u.ws !== null);
  const closing = Promise.all(open.map((u) => u.close()));
  const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000).unref())]);
  counters.connected = 0;
  if (a.forget) uas.length = 0;
  return { closed: open.length, timedOut };
}

interface SendArgs {
  mode: 'closed' | 'open';
  sources: string[];
  /** Sockets to the server; in closed mode also the number of requests in flight. */
  sockets: number;
  /** Open mode: requests per second from this worker. */
  rate?: number;
  /** Closed mode: send exactly this many to every endpoint, then stop. */
  perTarget?: number;
  ttl: number;
  bodyBytes: number;
  /** The `Authorization` header (VAPID), precomputed by the orchestrator. */
  authorization: string;
  /** Endpoints to POST to, in this order; default this process's own user agents'. */
  targets?: string[];
  /** Open mode: the epoch ms at which the schedule starts (the sockets and requests are ready before). */
  startAt?: number;
}

let sender: { stop(): void; pool: HttpPool } | null = null;

/** An aes128gcm-shaped body (RFC 8188 header: salt, rs, keyid = a P-256 point); never decrypted. */
function bodyTemplate(bytes: number): Buffer {
  const body = randomBytes(bytes);
  body.writeUInt32BE(4096, 16);
  body[20] = 65;
  body[21] = 4;
  return body;
}

async function sendOp(a: SendArgs) {
  if (sender) throw new Error('already sending');
  const targets = (a.targets ?? uas.filter((u) => u.endpoint !== null).map((u) => u.endpoint!)).map((e) => new URL(e));
  if (targets.length === 0) throw new Error('no endpoints to send to');
  const { hostname, port } = targets[0]!;
  const heads = targets.map((t) =>
    Buffer.from(
      `POST ${t.pathname} HTTP/1.1\r\nHost: ${t.host}\r\nTTL: ${a.ttl}\r\nContent-Encoding: aes128gcm\r\n` +
        `Authorization: ${a.authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${a.bodyBytes}\r\n\r\n`,
      'latin1',
    ),
  );
  const pool = new HttpPool({ host: hostname, port: Number(port), sources: a.sources, size: a.sockets, body: bodyTemplate(a.bodyBytes) });
  await pool.open();
  let running = true;
  let issued = 0;
  const total = a.perTarget === undefined ? Infinity : a.perTarget * heads.length;
  const finish = (status: number, stamp: number) => {
    if (status >= 200 && status < 300) counters.ok++;
    else {
      counters.failed++;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    // Closed loop: from the write; open loop: from the scheduled send time.
    if (responses !== null) responses.push(now() - stamp);
  };

  let timer: NodeJS.Timeout | undefined;
  if (a.mode === 'closed') {
    const issue = () => {
      if (!running || issued >= total) return;
      const head = heads[issued++ % heads.length]!;
      counters.sent++;
      pool.post(head, now(), (status, stamp) => {
        finish(status, stamp);
        issue();
      });
    };
    for (let i = 0; i < a.sockets; i++) issue();
  } else {
    // Open loop: the k-th request is due at t0 + k/rate whatever happened to the others, and its
    // latency counts from that moment (no coordinated omission).
    const rate = a.rate ?? 0;
    const t0 = Math.max(now(), a.startAt ?? 0);
    const tick = () => {
      const due = Math.floor(((now() - t0) * rate) / 1000);
      while (issued < due) {
        issued++;
        if (pool.queued > 100_000) {
          counters.dropped++;
          continue;
        }
        counters.sent++;
        pool.post(heads[issued % heads.length]!, t0 + (issued * 1000) / rate, finish);
      }
    };
    const begin = () => {
      if (running) timer = setInterval(tick, 1);
    };
    const wait = t0 - now();
    if (wait > 0) timer = setTimeout(begin, wait);
    else begin();
  }
  sender = {
    pool,
    stop: () => {
      running = false;
      clearInterval(timer);
    },
  };
  return { targets: heads.length };
}

async function stopSendOp() {
  const s = sender;
  if (!s) return { waitedMs: 0 };
  s.stop();
  const t0 = Date.now();
  while ((s.pool.inflight > 0 || s.pool.queued > 0) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
  s.pool.close();
  sender = null;
  return { waitedMs: Date.now() - t0 };
}

serveChild({
  ready: { workerId },
  close: async () => {
    sender?.pool.close();
    await disconnectOp({});
  },
  handlers: {
    connect: (a) => connectOp(a as unknown as ConnectArgs),
    disconnect: (a) => disconnectOp(a as { forget?: boolean }),
    send: (a) => sendOp(a as unknown as SendArgs),
    'stop-send': () => stopSendOp(),
    endpoints: (a) => ({ endpoints: uas.map((u) => u.endpoint).filter((e): e is string => e !== null && e.startsWith(String(a.prefix))) }),
    counters: () => ({
      ...counters,
      statuses,
      inflight: sender?.pool.inflight ?? 0,
      queued: sender?.pool.queued ?? 0,
      uas: uas.length,
    }),
    record: (a) => {
      receipts = a.receipts === true ? [] : null;
      responses = a.responses === true ? [] : null;
      return null;
    },
    samples: () => {
      const out = { receipts: receipts ?? [], responses: responses ?? [] };
      receipts = null;
      responses = null;
      return out;
    },
  },
});
