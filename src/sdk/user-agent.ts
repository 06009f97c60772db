/**
 * A Web Push user agent in Node: what Firefox's PushService does, for tests, benchmarks, the CLI
 * and anyone embedding Herald (docs/protocol.md#websocket-protocol, docs/protocol.md#firefox-specifics).
 *
 *   connect() ──ws open──▶ hello ──reply──▶ connected ──close──▶ disconnected ─┐
 *       ▲                                                                      │
 *       └──────────── reconnect after 5 s, 10 s, 20 s … (unless close()) ◀─────┘
 *
 * Replies are handled synchronously as frames arrive, so a notification that follows a hello or
 * register reply in the same read already sees the updated state.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { b64DecodeLenient, b64uEncode } from '../crypto/base64url.js';
import { generateSubscriptionKeys } from '../crypto/ece.js';
import { uuidHex } from '../crypto/uuid.js';
import type { HelloReply, NotificationFrame, RegisterReply, UnregisterReply, UrgencyReply } from '../protocol/frames.js';
import type { Urgency } from '../protocol/notification.js';
import { urgencyOrUndefined } from '../protocol/urgency.js';
import { DEFAULT_INITIAL_DELAY_MS, DEFAULT_MAX_DELAY_MS, reconnectDelay } from './backoff.js';
import { decryptNotification } from './decrypt-notification.js';
import { PendingReplies } from './pending-replies.js';
import { RecentVersions } from './recent-versions.js';
import { parseServerFrame, type IncomingFrame } from './server-frame.js';
import { cloneState, emptyState, parseState, toSubscription } from './state.js';
import type { DecryptErrorEvent, PushEvent, Subscription, UserAgentState } from './types.js';

/** The WebSocket subprotocol of the push service. */
const SUBPROTOCOL = 'push-notification';
/** Firefox `dom.push.requestTimeout`. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Firefox does not reconnect after this close code. */
const NO_RECONNECT_CLOSE_CODE = 4774;

/** Options of `PushUserAgent`. */
export interface UserAgentOptions {
  /** The push server's WebSocket URL, e.g. `ws://127.0.0.1:8080/`. */
  serverUrl: string;
  /** State saved from an earlier run: the same uaid and subscriptions. */
  state?: UserAgentState;
  /** Called with a copy of the state after every change; calls never overlap. */
  persist?: (state: UserAgentState) => void | Promise<void>;
  /** Reconnect after a dropped connection; `false` to stay down. Default 5 s doubling to 30 min. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number } | false;
  /** Ack every push (100) or decryption failure (101) by itself; default true. */
  autoAck?: boolean;
  /** How long to wait for a reply to hello, register, unregister or ping; default 10 s. */
  requestTimeoutMs?: number;
  /**
   * The lowest urgency to receive (Herald extension, docs/protocol.md#urgency-herald-extension):
   * messages below it wait on the server until `setUrgency` lowers it. Default: everything (the
   * hello then says nothing, as Firefox's does).
   */
  urgency?: Urgency;
}

/** The events a `PushUserAgent` emits. */
export type UserAgentEvents = {
  connected: [info: { uaid: string }];
  disconnected: [info: { code: number; reason: string }];
  /** The server answered another uaid: every subscription was dropped, as Firefox does. */
  reset: [info: { oldUaid: string; uaid: string; channelIDs: string[] }];
  push: [event: PushEvent];
  'decrypt-error': [event: DecryptErrorEvent];
  broadcast: [broadcasts: Record<string, unknown>];
  reconnecting: [info: { attempt: number; delayMs: number }];
  /** A frame the SDK could not understand; the connection stays up. */
  'protocol-error': [error: Error];
  /** `persist` threw or rejected. */
  'persist-error': [error: unknown];
};

/** A request the server refused: `status` is the reply's status (400, 500, …). */
export class PushRequestError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'PushRequestError';
    this.status = status;
  }
}

export class PushUserAgent extends EventEmitter<UserAgentEvents> {
  readonly #serverUrl: string;
  readonly #persist: UserAgentOptions['persist'];
  readonly #reconnect: { initialDelayMs: number; maxDelayMs: number } | false;
  readonly #autoAck: boolean;

  #state: UserAgentState;
  readonly #recent = new RecentVersions(100);
  #ws: WebSocket | null = null;
  #opening: Promise<void> | null = null;
  /** Hello answered on the current socket. */
  #connected = false;
  /** Set by a successful connect(), cleared by close(): whether drops are followed by reconnects. */
  #stayConnected = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** Replies awaited, by `hello`, `register:<chid>`, `unregister:<chid>`, `ping`, `urgency`. */
  readonly #pending: PendingReplies;
  readonly #timeoutMs: number;
  /** Unsubscribed while offline: told to the server after the next hello. */
  readonly #pendingUnregisters = new Set<string>();
  /** The lowest urgency asked for; null: never said, so everything. Sent in every hello. */
  #urgency: Urgency | null;
  #persistChain: Promise<void> = Promise.resolve();

  constructor(options: UserAgentOptions) {
    super();
    this.#serverUrl = options.serverUrl;
    this.#persist = options.persist;
    this.#reconnect =
      options.reconnect === false
        ? false
        : {
            initialDelayMs: options.reconnect?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS,
            maxDelayMs: options.reconnect?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
          };
    this.#autoAck = options.autoAck ?? true;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#pending = new PendingReplies(this.#timeoutMs);
    this.#state = options.state ? parseState(options.state) : emptyState();
    this.#urgency = options.urgency === undefined ? null : checkedUrgency(options.urgency);
  }

  /** The lowest urgency this user agent asks for; `very-low` (everything) unless set. */
  get urgency(): Urgency {
    return this.#urgency ?? 'very-low';
  }

  /**
   * Change the lowest urgency to receive (Herald extension). Connected: tells the server and
   * resolves on its answer; messages it held back that now qualify follow. Offline: kept for the
   * next hello. A push server other than Herald does not answer (the request times out).
   */
  async setUrgency(level: Urgency): Promise<void> {
    this.#urgency = checkedUrgency(level);
    if (!this.#connected) return;
    await this.#request('urgency', { messageType: 'urgency', urgency: level }, (reply) => {
      const r = reply as UrgencyReply;
      if (r.status !== 200) throw new PushRequestError(`urgency failed with status ${r.status}`, r.status);
    });
  }

  /** The uaid the server assigned, or null before the first hello. */
  get uaid(): string | null {
    return this.#state.uaid;
  }

  /** A copy of everything to persist. */
  get state(): UserAgentState {
    return cloneState(this.#state);
  }

  /** Whether the hello has been answered on an open socket. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The current subscriptions. */
  subscriptions(): Subscription[] {
    return Object.entries(this.#state.subscriptions).map(([id, sub]) => toSubscription(id, sub));
  }

  /**
   * Open the socket and say hello (with the uaid only if there are subscriptions, as Firefox).
   * Resolves once the hello is answered; rejects if this first attempt fails (no retry). After
   * that, dropped connections are re-established with backoff until `close()`.
   */
  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#cancelReconnect();
    await this.#open();
    this.#stayConnected = true;
  }

  /**
   * Create a subscription: a new channel id, P-256 keys and auth secret, registered with the
   * server (with the application server key for a v2 endpoint).
   * Resolves after `persist` has saved the new keys.
   * @throws PushRequestError when the server answers a status other than 200; the error of
   *   `persist` when saving fails (the subscription then exists, unsaved).
   */
  async subscribe(opts: { vapidPublicKey?: string } = {}): Promise<Subscription> {
    this.#requireConnected();
    const channelID = randomUUID();
    let key: string | undefined;
    if (opts.vapidPublicKey !== undefined) {
      const raw = b64DecodeLenient(opts.vapidPublicKey);
      if (raw.length !== 65 || raw[0] !== 4) throw new Error('vapidPublicKey must be a 65-byte uncompressed P-256 key');
      key = b64uEncode(raw);
    }
    const keys = generateSubscriptionKeys();
    const frame = key === undefined ? { messageType: 'register', channelID } : { messageType: 'register', channelID, key };
    const sub = await this.#request(`register:${channelID}`, frame, (reply) => {
      const r = reply as RegisterReply;
      if (r.status !== 200) throw new PushRequestError(`register failed with status ${r.status}`, r.status);
      const stored = {
        endpoint: r.pushEndpoint,
        ...(key === undefined ? {} : { vapidPublicKey: key }),
        privateKey: b64uEncode(keys.privateKey),
        publicKey: b64uEncode(keys.publicKey),
        auth: b64uEncode(keys.auth),
      };
      this.#state.subscriptions[channelID] = stored;
      return toSubscription(channelID, stored);
    });
    await this.#save();
    return sub;
  }

  /**
   * Drop a subscription locally, then tell the server (now, or after the next hello when offline).
   * @returns whether the subscription existed here.
   * @throws PushRequestError when the server answers a status other than 200.
   */
  async unsubscribe(channelID: string): Promise<boolean> {
    const existed = channelID in this.#state.subscriptions;
    if (existed) {
      delete this.#state.subscriptions[channelID];
      await this.#save();
    }
    if (!this.#connected) {
      this.#pendingUnregisters.add(channelID);
      return existed;
    }
    await this.#unregister(channelID);
    return existed;
  }

  /**
   * Acknowledge a push (with `autoAck: false`); code 100 delivered, 101 decryption error,
   * 102 not delivered.
   * @throws Error when the version was not received recently or there is no connection.
   */
  ack(version: string, code = 100): void {
    const channelID = this.#recent.channelOf(version);
    if (channelID === undefined) throw new Error(`no recent push has version ${version}`);
    this.#requireConnected();
    this.#sendAck(channelID, version, code);
  }

  /** Report a push the application failed to handle (301 uncaught, 302 rejected, 303 internal). */
  nack(version: string, code: number): void {
    this.#requireConnected();
    this.#send({ messageType: 'nack', version, code });
  }

  /**
   * App-level ping (`{}`); resolves on the server's reply. One at a time; servers close a socket
   * that pings more often than every 45 s.
   */
  ping(): Promise<void> {
    this.#requireConnected();
    return this.#request('ping', {}, () => undefined);
  }

  /** Close the connection and stop reconnecting; resolves when the socket is closed and state saved. */
  async close(): Promise<void> {
    this.#stayConnected = false;
    this.#cancelReconnect();
    const ws = this.#ws;
    if (ws !== null && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.CONNECTING) {
          ws.terminate();
          return;
        }
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        // A server that never answers the close frame must not hold us (Firefox has the same gap).
        setTimeout(() => ws.terminate(), 2000).unref();
      });
    }
    await this.#persistChain;
  }

  #open(): Promise<void> {
    if (this.#opening !== null) return this.#opening;
    const opening = new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.#serverUrl, SUBPROTOCOL, { handshakeTimeout: this.#timeoutMs });
      this.#ws = ws;
      let failOpen: (err: Error) => void = reject;
      ws.on('open', () => {
        const subscribed = Object.keys(this.#state.subscriptions).length > 0;
        const hello: Record<string, unknown> = { messageType: 'hello', broadcasts: {}, use_webpush: true };
        if (subscribed && this.#state.uaid !== null) hello.uaid = this.#state.uaid;
        if (this.#urgency !== null) hello.urgency = this.#urgency;
        this.#request('hello', hello, (reply) => this.#onHello(reply as HelloReply)).then(resolve, (err: Error) => {
          reject(err);
          ws.terminate();
        });
        failOpen = () => {};
      });
      ws.on('message', (data, isBinary) => {
        if (this.#ws !== ws) return;
        if (isBinary) {
          this.emit('protocol-error', new Error('the server sent a binary frame'));
          return;
        }
        this.#onMessage(String(data));
      });
      // 'close' always follows; it settles whatever is waiting.
      ws.on('error', (err) => failOpen(err));
      ws.on('close', (code, reason) => {
        failOpen(new Error(`connection closed before it opened (${code})`));
        this.#onClose(ws, code, reason.toString());
      });
    });
    this.#opening = opening;
    const clear = () => {
      if (this.#opening === opening) this.#opening = null;
    };
    opening.then(clear, clear);
    return opening;
  }

  #onHello(reply: HelloReply): void {
    if (reply.status !== 200) throw new PushRequestError(`hello failed with status ${reply.status}`, reply.status);
    const uaid = uuidHex(reply.uaid, 'uaid from the server');
    const oldUaid = this.#state.uaid;
    const channelIDs = Object.keys(this.#state.subscriptions);
    let changed = uaid !== oldUaid;
    this.#state.uaid = uaid;
    this.#connected = true;
    this.#attempt = 0;
    if (oldUaid !== null && uaid !== oldUaid && channelIDs.length > 0) {
      this.#state.subscriptions = {};
      this.emit('reset', { oldUaid, uaid, channelIDs });
      changed = true;
    }
    if (changed) this.#save().catch(() => {});
    for (const channelID of [...this.#pendingUnregisters]) this.#unregister(channelID).catch(() => {});
    this.emit('connected', { uaid });
  }

  #onMessage(text: string): void {
    let frame: IncomingFrame;
    try {
      frame = parseServerFrame(text);
    } catch (err) {
      this.emit('protocol-error', err as Error);
      return;
    }
    switch (frame.messageType) {
      case 'hello':
        return this.#settle('hello', frame);
      case 'register':
      case 'unregister':
        return this.#settle(`${frame.messageType}:${frame.channelID}`, frame);
      case 'ping':
        return this.#settle('ping', frame);
      case 'urgency':
        return this.#settle('urgency', frame);
      case 'broadcast':
        this.emit('broadcast', frame.broadcasts);
        return;
      case 'notification':
        return this.#onNotification(frame);
    }
  }

  #onNotification(frame: NotificationFrame): void {
    const { channelID, version } = frame;
    if (this.#recent.has(version)) {
      // A redelivery: the earlier ack was lost or not yet sent; the application saw it already.
      if (this.#autoAck) this.#sendAck(channelID, version, 100);
      return;
    }
    this.#recent.add(version, channelID);
    const sub = this.#state.subscriptions[channelID];
    if (sub === undefined) {
      // Not ours (any more): tell the server it was not delivered, so it stops resending it.
      this.#sendAck(channelID, version, 102);
      return;
    }
    let payload: Buffer;
    try {
      payload = decryptNotification(frame, sub);
    } catch (err) {
      this.emit('decrypt-error', { channelID, version, error: err as Error });
      if (this.#autoAck) this.#sendAck(channelID, version, 101);
      return;
    }
    const event: PushEvent = { channelID, version, payload, text: payload.toString('utf8') };
    if (frame.urgency !== undefined) event.urgency = frame.urgency;
    this.emit('push', event);
    if (this.#autoAck) this.#sendAck(channelID, version, 100);
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    const wasConnected = this.#connected;
    this.#connected = false;
    const err = new Error(`connection closed (${code}${reason ? ` ${reason}` : ''})`);
    this.#pending.failAll(err);
    if (wasConnected) this.emit('disconnected', { code, reason });
    if (this.#stayConnected && this.#reconnect !== false && code !== NO_RECONNECT_CLOSE_CODE) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer !== null || this.#reconnect === false) return;
    const delayMs = reconnectDelay(this.#attempt, this.#reconnect.initialDelayMs, this.#reconnect.maxDelayMs);
    this.#attempt++;
    this.emit('reconnecting', { attempt: this.#attempt, delayMs });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      // A failed attempt closes its socket, and #onClose schedules the next one.
      this.#open().catch(() => {});
    }, delayMs);
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  async #unregister(channelID: string): Promise<void> {
    this.#pendingUnregisters.delete(channelID);
    try {
      await this.#request(`unregister:${channelID}`, { messageType: 'unregister', channelID, code: 200 }, (reply) => {
        const r = reply as UnregisterReply;
        if (r.status !== 200) throw new PushRequestError(`unregister failed with status ${r.status}`, r.status);
      });
    } catch (err) {
      if (!(err instanceof PushRequestError)) this.#pendingUnregisters.add(channelID);
      throw err;
    }
  }

  /** Send a frame and await the reply under `key`; `onReply` runs as the reply arrives. */
  #request<T>(key: string, frame: object, onReply: (reply: IncomingFrame) => T): Promise<T> {
    return this.#pending.request(key, () => this.#send(frame), onReply);
  }

  #settle(key: string, frame: IncomingFrame): void {
    if (!this.#pending.settle(key, frame)) {
      this.emit('protocol-error', new Error(`unexpected ${frame.messageType} reply (${key})`));
    }
  }

  #sendAck(channelID: string, version: string, code: number): void {
    try {
      this.#send({ messageType: 'ack', updates: [{ channelID, version, code }] });
    } catch {
      // Closed meanwhile: the server resends unacked messages on the next connection.
    }
  }

  #send(frame: object): void {
    const ws = this.#ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) throw new Error('not connected');
    ws.send(JSON.stringify(frame));
  }

  #requireConnected(): void {
    if (!this.#connected) throw new Error('not connected; call connect() first');
  }

  /** Persist a snapshot after the previous save; the returned promise rejects if this one fails. */
  #save(): Promise<void> {
    const persist = this.#persist;
    if (persist === undefined) return Promise.resolve();
    const snapshot = cloneState(this.#state);
    const saved = this.#persistChain.then(() => persist(snapshot));
    this.#persistChain = saved.catch((err: unknown) => {
      this.emit('persist-error', err);
    });
    return saved;
  }
}

function checkedUrgency(level: Urgency): Urgency {
  const urgency = urgencyOrUndefined(level);
  if (urgency === undefined) throw new Error(`urgency must be one of very-low, low, normal, high (got ${JSON.stringify(level)})`);
  return urgency;
}
