/**
 * Caps on the sockets of the public port (docs/operations.md "Limits and abuse controls"), each
 * socket counted from 'connection' to 'close':
 * - in total (`--max-connections`, by default what the open-files limit leaves), plain HTTP and
 *   WebSocket alike, so that neither can take every file handle of the process (DESIGN.md
 *   "Several workers on one host");
 * - per client IP for plain HTTP (`--max-http-connections-per-ip`), so that one address cannot
 *   hold the server's sockets with slow or idle requests. A socket that upgrades to a WebSocket
 *   leaves its IP's count (many user agents share one NAT address) and stays in the total: it is
 *   counted once. Sockets from trusted proxies carry many clients and count only in the total.
 *
 * A socket over a cap is refused as ws refuses a handshake: its request or upgrade gets 503 with
 * Retry-After and `Connection: close`, before Fastify or ws see it; one that sends nothing is
 * dropped after REFUSED_IDLE_MS.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { normalizeIp } from './client-ip.js';
import { ipKey } from './ip-key.js';

/** Time a refused socket has to send the request its 503 answers. */
const REFUSED_IDLE_MS = 2000;
/** As the WebSocket refusals: a retry soon is likely to find a free slot or another worker. */
const RETRY_AFTER_SECONDS = 5;

export type SocketCap = 'total' | 'per-ip';

export interface SocketCapsOptions {
  /** Sockets in total; null: no cap. */
  total: number | null;
  /** Plain HTTP sockets per client IP; 0: no cap. */
  perIp: number;
  /** Peer addresses not counted per IP (trusted proxies). */
  exempt?: readonly string[];
  /** Told of each refused socket, with the peer address and the cap it is over. */
  onRefused?: (ip: string, cap: SocketCap) => void;
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class SocketCaps {
  readonly #total: number | null;
  readonly #perIpCap: number;
  readonly #exempt: ReadonlySet<string>;
  readonly #onRefused: SocketCapsOptions['onRefused'];
  #open = 0;
  readonly #perIp = new Map<string, number>();
  /** The IP a socket counts against while it is plain HTTP. */
  readonly #countedAs = new WeakMap<Duplex, string>();
  readonly #refused = new WeakSet<Duplex>();

  constructor(opts: SocketCapsOptions) {
    this.#total = opts.total;
    this.#perIpCap = opts.perIp;
    this.#exempt = new Set((opts.exempt ?? []).map(normalizeIp));
    this.#onRefused = opts.onRefused;
  }

  /** Count the sockets `server` accepts from now on. */
  watch(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
  }

  /** Open sockets, refused ones included (they hold a file handle too). */
  get open(): number {
    return this.#open;
  }

  /** Plain HTTP sockets open from `ip`. */
  openFrom(ip: string): number {
    return this.#perIp.get(ipKey(normalizeIp(ip))) ?? 0;
  }

  isRefused(socket: Duplex): boolean {
    return this.#refused.has(socket);
  }

  /**
   * Wrap the 'upgrade' handler: a refused socket gets 503, any other leaves its IP's plain HTTP
   * count (it is a WebSocket now, or about to be closed) and goes on to `handle`.
   */
  guardUpgrades(handle: UpgradeHandler): UpgradeHandler {
    return (req, socket, head) => {
      if (this.isRefused(socket)) return refuseUpgrade(socket);
      this.#release(socket);
      handle(req, socket, head);
    };
  }

  /**
   * A Fastify `serverFactory`: the HTTP server Fastify would make (with its timeout options),
   * whose sockets this counts and whose refused sockets get 503 before Fastify sees the request.
   */
  serverFactory(): (handler: RequestListener, opts: FactoryOptions) => Server {
    return (handler, opts) => {
      const server = createServer(opts.http ?? {}, (req, res) => (this.isRefused(req.socket) ? refuseRequest(res) : handler(req, res)));
      // As Fastify sets them on the servers it makes itself (fastify lib/server.js).
      server.keepAliveTimeout = opts.keepAliveTimeout ?? server.keepAliveTimeout;
      server.requestTimeout = opts.requestTimeout ?? server.requestTimeout;
      server.setTimeout(opts.connectionTimeout ?? 0);
      this.watch(server);
      return server;
    };
  }

  #admit(socket: Socket): void {
    this.#open++;
    const ip = normalizeIp(socket.remoteAddress ?? '');
    let over: SocketCap | null = this.#total !== null && this.#open > this.#total ? 'total' : null;
    if (this.#perIpCap > 0 && !this.#exempt.has(ip)) {
      // An IPv6 client holds a whole /64 (ip-key.ts): its sockets count together.
      const key = ipKey(ip);
      const n = (this.#perIp.get(key) ?? 0) + 1;
      this.#perIp.set(key, n);
      this.#countedAs.set(socket, key);
      if (over === null && n > this.#perIpCap) over = 'per-ip';
    }
    socket.once('close', () => {
      this.#open--;
      this.#release(socket);
    });
    if (over === null) return;
    this.#refused.add(socket);
    socket.setTimeout(REFUSED_IDLE_MS);
    this.#onRefused?.(ip, over);
  }

  #release(socket: Duplex): void {
    const ip = this.#countedAs.get(socket);
    if (ip === undefined) return;
    this.#countedAs.delete(socket);
    const n = (this.#perIp.get(ip) ?? 1) - 1;
    if (n > 0) this.#perIp.set(ip, n);
    else this.#perIp.delete(ip);
  }
}

/** The part of Fastify's options its `serverFactory` receives that the server needs. */
interface FactoryOptions {
  http?: ServerOptions | null;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
}

function refuseRequest(res: ServerResponse): void {
  // `Connection: close`: Node closes the socket once the answer is sent.
  res.writeHead(503, { 'retry-after': String(RETRY_AFTER_SECONDS), connection: 'close', 'content-length': '0' }).end();
}

function refuseUpgrade(socket: Duplex): void {
  socket.once('error', () => {});
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${RETRY_AFTER_SECONDS}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1000).unref();
}
