/**
 * Receipt delivery over HTTP/2 (RFC 8030 §6.3; docs/protocol.md#push-message-receipts): an
 * application server sends `GET {base}/receipts/{id}` and the push service never answers it;
 * instead, for each message acked by its user agent, it pushes (PUSH_PROMISE) a synthesized
 * `GET` of the message's resource, `{base}/m/{message id}`, answered `410 Gone`.
 *
 * Receipts wait in shared storage (receipt-store.ts) until a held GET takes them: each one is
 * removed after its push was written, so one lost with a dying connection may come again
 * (at least once). This process looks for queued receipts when a GET arrives, when an ack here
 * queues one (receipt-bus.ts), and every `receiptPollInterval` for acks on other nodes. A GET
 * held past its subscription's expiry is answered 410.
 */
import http2, { type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { ReceiptStore } from '../storage/receipt-store.js';
import type { ReceiptBus } from './receipt-bus.js';
import { isReceiptSubscriptionId, receiptSubscribeUrl } from './receipt-urls.js';

/** GETs held at once for one receipt subscription; one more is answered 429. */
export const MAX_STREAMS_PER_SUBSCRIPTION = 4;
/** Streams one HTTP/2 connection may have open at once (its held GETs among them). */
export const MAX_STREAMS_PER_CONNECTION = 128;
/** Receipts read from storage per look. */
const BATCH = 100;

export interface ReceiptStreamsDeps {
  store: ReceiptStore;
  bus: ReceiptBus;
  endpointUrl: string;
  pollIntervalMs: number;
  nowMs: () => number;
  log: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

interface Held {
  streams: Set<ServerHttp2Stream>;
  expiresAt: number;
  draining: boolean;
  again: boolean;
  unlisten: () => void;
}

function answer(stream: ServerHttp2Stream, status: number, message: string, extra: Record<string, string> = {}): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': status, 'content-type': 'application/json', ...extra });
  stream.end(JSON.stringify({ code: status, errno: null, message }));
}

export class ReceiptStreams {
  readonly server: Http2Server;
  readonly #deps: ReceiptStreamsDeps;
  readonly #held = new Map<string, Held>();
  readonly #sessions = new Set<Http2Session>();
  readonly #prefix: string;
  readonly #messagePath: string;
  readonly #authority: string;
  readonly #scheme: string;
  readonly #timer: NodeJS.Timeout;

  constructor(deps: ReceiptStreamsDeps) {
    this.#deps = deps;
    this.#prefix = `${new URL(receiptSubscribeUrl(deps.endpointUrl)).pathname}/`;
    this.#messagePath = new URL('m/', deps.endpointUrl).pathname;
    const base = new URL(deps.endpointUrl);
    this.#authority = base.host;
    this.#scheme = base.protocol.slice(0, -1);
    // Each held GET is a stream: bound them per connection, as the socket caps bound connections.
    this.server = http2.createServer({ settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION } });
    this.server.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.on('close', () => this.#sessions.delete(session));
      session.on('error', () => undefined);
    });
    this.server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      this.#onStream(stream, headers).catch((err: unknown) => {
        deps.log.warn({ err }, 'receipt stream failed');
        answer(stream, 503, 'Storage unavailable, retry', { 'retry-after': '5' });
      });
    });
    this.#timer = setInterval(() => {
      for (const id of this.#held.keys()) void this.#drain(id);
    }, deps.pollIntervalMs);
    this.#timer.unref();
  }

  /** Held GETs, for tests and metrics. */
  get heldStreams(): number {
    let n = 0;
    for (const h of this.#held.values()) n += h.streams.size;
    return n;
  }

  async #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const path = headers[':path'] ?? '';
    const id = path.startsWith(this.#prefix) ? path.slice(this.#prefix.length) : null;
    if (id === null || !isReceiptSubscriptionId(id)) {
      return answer(stream, 404, 'Over HTTP/2 this server serves receipt subscriptions only (GET {base}/receipts/{id}); use HTTP/1.1 for the rest');
    }
    if (headers[':method'] !== 'GET') return answer(stream, 405, 'GET a receipt subscription to receive its receipts', { allow: 'GET' });
    if (!stream.pushAllowed) return answer(stream, 400, 'Receipts are sent as HTTP/2 server pushes: enable push (SETTINGS_ENABLE_PUSH) on this connection');
    const sub = await this.#deps.store.getSubscription(id, this.#deps.nowMs());
    if (stream.destroyed) return; // the client gave up while storage answered
    if (sub === null) return answer(stream, 404, 'No such receipt subscription: it expired or never existed; create one with POST on the receipt subscribe resource');
    let held = this.#held.get(id);
    if (held !== undefined && held.streams.size >= MAX_STREAMS_PER_SUBSCRIPTION) {
      return answer(stream, 429, `At most ${MAX_STREAMS_PER_SUBSCRIPTION} GETs of one receipt subscription at once`, { 'retry-after': '5' });
    }
    if (held === undefined) {
      held = { streams: new Set(), expiresAt: sub.expiresAt, draining: false, again: false, unlisten: this.#deps.bus.listen(id, () => void this.#drain(id)) };
      this.#held.set(id, held);
    }
    const entry = held;
    entry.streams.add(stream);
    stream.on('close', () => {
      entry.streams.delete(stream);
      if (entry.streams.size === 0 && this.#held.get(id) === entry) {
        entry.unlisten();
        this.#held.delete(id);
      }
    });
    await this.#drain(id);
  }

  /** Push every queued receipt of `id` on one of its held GETs; one look at a time per subscription. */
  async #drain(id: string): Promise<void> {
    const held = this.#held.get(id);
    if (held === undefined) return;
    if (held.draining) {
      held.again = true;
      return;
    }
    held.draining = true;
    try {
      do {
        held.again = false;
        if (this.#deps.nowMs() >= held.expiresAt) {
          for (const stream of held.streams) answer(stream, 410, 'This receipt subscription expired; create a new one');
          return;
        }
        const receipts = await this.#deps.store.queued(id, this.#deps.nowMs(), BATCH);
        for (const r of receipts) {
          const stream = [...held.streams].find((s) => !s.destroyed && s.pushAllowed);
          if (stream === undefined) return;
          await this.#push(stream, r.messageId);
          await this.#deps.store.removeQueued(id, r.messageId);
          this.#deps.log.debug({}, 'push receipt sent');
        }
        if (receipts.length === BATCH) held.again = true;
      } while (held.again);
    } catch (err) {
      this.#deps.log.warn({ err }, 'could not send push receipts; they stay queued');
    } finally {
      held.draining = false;
    }
  }

  #push(stream: ServerHttp2Stream, messageId: string): Promise<void> {
    const headers = { ':method': 'GET', ':path': this.#messagePath + messageId, ':authority': this.#authority, ':scheme': this.#scheme };
    return new Promise((resolve, reject) => {
      try {
        stream.pushStream(headers, (err, push) => {
          if (err) return reject(err);
          push.on('error', () => undefined);
          push.respond({ ':status': 410 }, { endStream: true });
          resolve();
        });
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /** Answer held GETs 503 (the application server GETs again, here or on another node), close sessions. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const held of this.#held.values()) {
      held.unlisten();
      for (const stream of held.streams) answer(stream, 503, 'Server shutting down: GET again', { 'retry-after': '1' });
    }
    this.#held.clear();
    for (const session of this.#sessions) session.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const session of this.#sessions) session.destroy();
        resolve();
      }, 1000);
      timer.unref();
      if (this.#sessions.size === 0) {
        clearTimeout(timer);
        resolve();
      } else {
        let open = this.#sessions.size;
        for (const session of this.#sessions) {
          session.once('close', () => {
            if (--open === 0) {
              clearTimeout(timer);
              resolve();
            }
          });
        }
      }
    });
  }
}
