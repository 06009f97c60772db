/**
 * Reaching other connection nodes over their router port (docs/protocol.md#delivery-policy): `PUT
 * {nodeId}/push/{uaid}`, `PUT {nodeId}/notif/{uaid}` and, beyond autopush, `DELETE
 * {nodeId}/notif/{uaid}/{connectedAt}` (takeover), each with the shared router key. A push that
 * waits for the ack (ack-gated delivery) says so in `Herald-Ack-Window-Ms`; the node answers 200
 * once the UA acked it or the node stored it, and says which in `Herald-Delivery`.
 *
 * Timeouts are autoendpoint's: 1 s to connect, 3 s for the whole request. Sockets are kept alive
 * per node; a request that fails on a reused socket the peer had just closed is retried once on a
 * fresh one (a duplicate is harmless: user agents dedup by `version`).
 */
import { Agent, request, type ClientRequest } from 'node:http';
import type { Notification } from '../protocol/notification.js';
import type { NodeRouter, RouteOutcome } from './node-router.js';
import { ACK_WINDOW_HEADER, DELIVERY_HEADER } from './ack-wait-headers.js';
import type { RouterKey } from './router-key.js';

export interface HttpNodeRouterOptions {
  key: RouterKey;
  /** Time to open a TCP connection; default 1000 ms (autoendpoint `connection_timeout_millis`). */
  connectTimeoutMs?: number;
  /** Time from sending the request to its status line; default 3000 ms (`request_timeout_millis`). */
  requestTimeoutMs?: number;
  /** The part of a pino logger used: a misconfigured key is a warning, a dead node debug. */
  logger?: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

/** Idle keep-alive sockets are dropped after this, well before Fastify's 72 s server side. */
const IDLE_SOCKET_MS = 30_000;

class RouterTimeout extends Error {
  override name = 'RouterTimeout';
}

export class HttpNodeRouter implements NodeRouter {
  readonly #key: RouterKey;
  readonly #connectTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #logger: HttpNodeRouterOptions['logger'];
  readonly #agent = new Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' });

  constructor(opts: HttpNodeRouterOptions) {
    this.#key = opts.key;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 3000;
    this.#logger = opts.logger;
  }

  push(nodeId: string, uaid: string, notification: Notification, ackWindowMs?: number): Promise<RouteOutcome> {
    const extra = ackWindowMs !== undefined && ackWindowMs > 0 ? { [ACK_WINDOW_HEADER]: String(ackWindowMs) } : undefined;
    return this.#call(nodeId, 'PUT', `/push/${uaid}`, JSON.stringify(notification), extra);
  }

  notify(nodeId: string, uaid: string): Promise<RouteOutcome> {
    return this.#call(nodeId, 'PUT', `/notif/${uaid}`);
  }

  disconnect(nodeId: string, uaid: string, connectedAt: number): Promise<RouteOutcome> {
    return this.#call(nodeId, 'DELETE', `/notif/${uaid}/${connectedAt}`);
  }

  /** Drop every kept-alive socket; requests after this still work on new ones. */
  close(): void {
    this.#agent.destroy();
  }

  async #call(nodeId: string, method: string, path: string, body?: string, extraHeaders?: Record<string, string>): Promise<RouteOutcome> {
    const target = parseNodeId(nodeId);
    if (target === null) {
      this.#logger?.warn({ nodeId }, 'router record names a node id that is not an http:// URL');
      return 'unreachable';
    }
    for (let attempt = 0; ; attempt++) {
      const result = await this.#once(target, method, path, body, extraHeaders);
      if ('status' in result) {
        if (result.status === 401) this.#logger?.warn({ nodeId }, 'node refused our router key: give every node the same crypto keys or --router-key');
        if (result.status !== 200) return 'not-connected';
        return result.delivery === 'acked' || result.delivery === 'stored' ? result.delivery : 'delivered';
      }
      const { err, reused } = result;
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt === 0 && reused && (code === 'ECONNRESET' || code === 'EPIPE')) continue;
      this.#logger?.debug({ nodeId, err: err.message }, 'node unreachable');
      return 'unreachable';
    }
  }

  /** One request: its status (and `Herald-Delivery`), or the transport error and whether it ran on a reused socket. */
  #once(
    target: NodeTarget,
    method: string,
    path: string,
    body: string | undefined,
    extraHeaders: Record<string, string> | undefined,
  ): Promise<Answer | { err: Error; reused: boolean }> {
    return new Promise((resolve) => {
      const headers: Record<string, string | number> = { ...extraHeaders, authorization: this.#key.header };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      let req: ClientRequest;
      let connectTimer: NodeJS.Timeout | undefined;
      const requestTimer = setTimeout(() => req.destroy(new RouterTimeout(`no answer within ${this.#requestTimeoutMs} ms`)), this.#requestTimeoutMs);
      const settle = (value: Answer | { err: Error; reused: boolean }) => {
        clearTimeout(requestTimer);
        clearTimeout(connectTimer);
        resolve(value);
      };
      req = request({ agent: this.#agent, host: target.host, port: target.port, method, path: target.basePath + path, headers });
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => req.destroy(new RouterTimeout(`no connection within ${this.#connectTimeoutMs} ms`)), this.#connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('response', (res) => {
        // Drain the (tiny) body so the socket goes back to the pool.
        res.resume();
        res.on('error', () => {});
        const delivery = res.headers[DELIVERY_HEADER];
        settle({ status: res.statusCode ?? 0, delivery: typeof delivery === 'string' ? delivery : undefined });
      });
      req.on('error', (err) => settle({ err, reused: req.reusedSocket }));
      req.end(body);
    });
  }
}

interface Answer {
  status: number;
  delivery: string | undefined;
}

interface NodeTarget {
  host: string;
  port: number;
  basePath: string;
}

/** `http://host:port[/base]` to request options; null when it is not such a URL. */
function parseNodeId(nodeId: string): NodeTarget | null {
  if (!URL.canParse(nodeId)) return null;
  const url = new URL(nodeId);
  if (url.protocol !== 'http:') return null;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 80 : Number(url.port),
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}
