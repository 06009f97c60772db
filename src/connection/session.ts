/**
 * One user-agent socket from upgrade to close (docs/protocol.md#connecting-and-framing,
 * docs/protocol.md#close-codes, docs/protocol.md#liveness-and-limits;
 * docs/protocol.md#firefox-specifics). The session owns the socket and its timers, and runs
 * every event (client frame or server event) one at a time, in arrival order, against the current
 * state: unidentified until `hello`, then an `IdentifiedClient`.
 *
 * Back-pressure: a socket is not read while its handlers are behind, nor while more than
 * `maxUnsentBytes` wait to be sent to a UA that does not read them; one that stays above that for
 * `sendStallTimeout` is closed (SendStalled). A client that floods frames and never reads thus
 * holds at most about the cap in replies, however much it sends.
 *
 * Closing: the server sends the close frame, then drops TCP itself, because Firefox never answers
 * a close frame. Whatever the reason, a closed session saves its unacked direct messages (and
 * those still queued) before `finished` resolves, then answers the senders still waiting for an
 * ack (ack-gated delivery: `sender-waits.ts`).
 */
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { SessionError, sessionCloseCodes, type SessionErrorKind } from '../errors/session-error.js';
import { parseClientFrame } from '../protocol/parse-frame.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import type { Notification } from '../protocol/notification.js';
import type { IdentifiedClient } from './identified.js';
import type { KnownChannels } from './known-channels.js';
import { Liveness, type LivenessOwner } from './liveness.js';
import { SessionStats, logSessionEnd } from './session-stats.js';
import { SenderWaits } from './sender-waits.js';
import { acceptHello } from './unidentified.js';
import { sendChangedBroadcasts } from './broadcasts/session-broadcasts.js';
import type { ConnectionEnv, Outbox, RegisteredSession, ServerEvent } from './types.js';

/** The chain of an idle session: shared, so an idle session holds no promise of its own. */
const IDLE: Promise<void> = Promise.resolve();
/** The session a socket belongs to, for the socket's shared event listeners below. */
const SESSION = Symbol('herald.session');
type SessionSocket = WebSocket & { [SESSION]: Session };

/** How long the server lets a closing socket flush before destroying it. */
const CLOSE_LINGER_MS = 100;
/** Client frames waiting behind a slow handler before the socket stops being read. */
const MAX_PENDING_CLIENT_FRAMES = 32;

/** What the server hears from a session: once, when it has closed and saved what it must. */
export type SessionFinished = (session: Session) => void;

export class Session implements RegisteredSession, LivenessOwner, Outbox {
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly #env: ConnectionEnv;
  readonly #startedAt: number;
  readonly #liveness: Liveness;
  #firstFrameSeen = false;
  #client: IdentifiedClient | null = null;
  /** Every event runs after the previous one settled; `IDLE` when none is queued. */
  #chain: Promise<void> = IDLE;
  /** Events queued on `#chain` and not settled yet. */
  #queued = 0;
  #pendingServer = 0;
  #pendingClient = 0;
  /** Runs while more than `maxUnsentBytes` are unsent: the socket is not read until they drain. */
  #stallTimer: NodeJS.Timeout | undefined;
  /** The most bytes ever waiting to be sent, for the session's log line. */
  #peakUnsent = 0;
  /** Why the session ends; null while it is open. */
  #endReason: string | null = null;
  /** Queued notifications the session ended before sending; saved with the unacked ones. */
  readonly #undelivered: Notification[] = [];
  /** Senders waiting for the UA's ack of their message, by version. */
  readonly #senders = new SenderWaits();
  /** Told once the session has closed and saved what it must. */
  readonly #onFinished: SessionFinished | undefined;
  #isFinished = false;
  /** Made only when asked for (shutdown, tests): most sessions never need a promise. */
  #finished: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(ws: WebSocket, socket: Duplex, env: ConnectionEnv, onFinished?: SessionFinished) {
    this.#ws = ws;
    this.#socket = socket;
    this.#env = env;
    this.#onFinished = onFinished;
    this.#startedAt = env.clock.nowMs();
    this.#liveness = new Liveness(this, env.liveness);
    // Listeners shared by every session (no closures per socket): an idle session costs less.
    (ws as SessionSocket)[SESSION] = this;
    ws.on('message', onSocketMessage);
    ws.on('pong', onSocketPong);
    ws.on('error', onSocketError);
    ws.on('close', onSocketClose);
  }

  /** Resolves once the session has closed and saved what it must. */
  get finished(): Promise<void> {
    if (this.#isFinished) return IDLE;
    if (this.#finished === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#finished = { promise, resolve };
    }
    return this.#finished.promise;
  }

  /** A frame from the UA (the socket's 'message'). */
  onSocketMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.#onMessage(data, isBinary);
  }

  /** The UA answered a ping. */
  onSocketPong(): void {
    this.#liveness.pong();
  }

  /** ws has already sent its own close frame (1002, 1007, 1009...); drop TCP as for ours. */
  onSocketError(err: Error): void {
    this.#env.logger.debug({ err }, 'websocket protocol error');
    this.#beginEnd('ProtocolError');
    this.#dropSoon();
  }

  onSocketClose(): void {
    this.#beginEnd('ClientClosed');
  }

  /** Why the session ended (a close kind or `ClientClosed`); null while open. */
  get endReason(): string | null {
    return this.#endReason;
  }

  /** Bytes written to the UA that it has not read yet (ws `bufferedAmount`). */
  get unsentBytes(): number {
    return this.#ws.bufferedAmount;
  }

  /** Close with the close code and reason of `kind` (ghosting, shutdown, timeouts, errors). */
  end(kind: SessionErrorKind): void {
    if (this.#endReason !== null) return;
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(sessionCloseCodes[kind], kind);
    this.#dropSoon();
    this.#beginEnd(kind);
  }

  /** A WebSocket ping frame (Liveness). */
  ping(): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping();
  }

  /** Megaphone (docs/compatibility.md): a changed broadcast goes out in place of a ping. */
  sendInsteadOfPing(): boolean {
    return sendChangedBroadcasts(this.#client);
  }

  ghost(): void {
    this.end('Ghost');
  }

  knownChannels(): KnownChannels | undefined {
    return this.#endReason === null ? this.#client?.knownChannels : undefined;
  }

  deliver(event: ServerEvent): boolean {
    if (this.#endReason !== null) return false;
    if (this.#pendingServer >= this.#env.settings.clientChannelCapacity) return false;
    // A UA that does not read is busy: routers then store instead of queueing.
    if (this.#ws.bufferedAmount > this.#env.settings.maxUnsentBytes) return false;
    this.#pendingServer++;
    if (event.kind === 'notification' && event.waiter !== undefined) {
      const { version } = event.notification;
      // The window runs from queueing, so a busy queue does not make the sender wait longer.
      this.#senders.add(version, event.waiter, () => this.#run(() => this.#windowPassed(version)));
    }
    this.#run(async () => {
      this.#pendingServer--;
      if (this.#endReason !== null || this.#client === null) {
        if (event.kind === 'notification') this.#undelivered.push(event.notification);
        return;
      }
      await this.#client.onServerEvent(event);
    });
    return true;
  }

  /** No ack within a sender's window: store the message, then answer the sender. */
  async #windowPassed(version: string): Promise<void> {
    const client = this.#client;
    // Acked meanwhile, or the session is ending (`#finish` answers once it has saved).
    if (!this.#senders.has(version) || client === null || this.#endReason !== null) return;
    this.#senders.settle(version, await client.storeUnacked(version));
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#endReason !== null) return;
    this.#liveness.frame();
    const first = !this.#firstFrameSeen;
    this.#firstFrameSeen = true;
    if (++this.#pendingClient > MAX_PENDING_CLIENT_FRAMES) this.#ws.pause();
    // Parsed in turn, so the UA gets the replies to its earlier frames before a close.
    this.#run(async () => {
      this.#pendingClient--;
      this.#resumeIfReady();
      if (this.#endReason !== null) return;
      if (isBinary) throw new SessionError('UnsupportedMessage');
      const frame = parseClientFrame(rawText(data));
      if (first) return this.#hello(frame);
      // Frames behind the hello run once it is accepted; if it was not, the session has ended.
      if (this.#client !== null) await this.#client.onClientFrame(frame);
    });
  }

  async #hello(frame: ClientFrame): Promise<void> {
    const client = await acceptHello(this.#env, frame, this, this, this.#senders);
    this.#client = client;
    if (this.#endReason !== null) {
      // Ghosted or shut down while the hello was in flight: leave the registry again.
      this.#env.registry.unregister(client.uaid, this);
      return;
    }
    await client.start();
  }

  /** Send a frame to the UA (the identified client's outbox); dropped once the session ends. */
  send(frame: ServerFrame): void {
    if (this.#endReason !== null || this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(JSON.stringify(frame));
    this.#checkUnsent();
  }

  /**
   * A batch of stored messages: the socket is corked around the writes, so the frames leave in
   * one `writev` instead of a system call each (`ws` corks only around each frame's own parts).
   */
  sendAll(frames: readonly ServerFrame[]): void {
    if (this.#endReason !== null || this.#ws.readyState !== WebSocket.OPEN) return;
    this.#socket.cork();
    try {
      for (const frame of frames) this.#ws.send(JSON.stringify(frame));
    } finally {
      this.#socket.uncork();
    }
    this.#checkUnsent();
  }

  /** After a write: past the cap, stop reading the UA until what it was sent drains. */
  #checkUnsent(): void {
    const unsent = this.#ws.bufferedAmount;
    if (unsent > this.#peakUnsent) this.#peakUnsent = unsent;
    if (unsent <= this.#env.settings.maxUnsentBytes || this.#stallTimer !== undefined) return;
    this.#ws.pause();
    // Over the cap (at least 64 KiB, 4x the socket's high-water mark) a write has returned
    // false, so 'drain' comes once the socket's buffer is empty.
    this.#socket.once('drain', () => {
      clearTimeout(this.#stallTimer);
      this.#stallTimer = undefined;
      this.#resumeIfReady();
    });
    this.#armStallTimer();
  }

  /** Close if still over the cap when the timer runs out; a UA that reads, however slowly, gets more time. */
  #armStallTimer(): void {
    this.#stallTimer = setTimeout(() => {
      if (this.#ws.bufferedAmount > this.#env.settings.maxUnsentBytes) return this.end('SendStalled');
      this.#armStallTimer();
    }, this.#env.settings.sendStallTimeout * 1000);
  }

  #resumeIfReady(): void {
    if (this.#stallTimer === undefined && this.#pendingClient <= MAX_PENDING_CLIENT_FRAMES && this.#ws.isPaused) this.#ws.resume();
  }

  /**
   * Run `job` after every job queued before it. With none queued it starts at once: most events
   * (a push, an ack) find the session idle, and waiting a turn of the promise queue for nothing
   * cost two promises and two hops each. Jobs queued from inside a starting job's synchronous
   * part (an `end()`, say) are held until its promise exists, then queued behind it.
   */
  #run(job: () => Promise<void>): void {
    this.#queued++;
    const held = heldWhileStarting(this);
    if (held !== undefined) return void held.push(job);
    if (this.#queued > 1) return void this.#then(this.#chain.then(job));
    const start = { session: this, held: [] as Array<() => Promise<void>> };
    starting.push(start);
    let started: Promise<void>;
    try {
      started = job();
    } catch (err) {
      started = Promise.reject(err);
    } finally {
      starting.pop();
    }
    this.#then(started);
    for (const next of start.held) this.#then(this.#chain.then(next));
  }

  /** Make `job` the chain's tail: settle the count when it ends, end the session if it failed. */
  #then(job: Promise<void>): void {
    this.#chain = job.then(
      () => this.#settled(),
      (err: unknown) => {
        this.#fail(err);
        this.#settled();
      },
    );
  }

  /** One queued event is done; with none left, drop the chain's last promise. */
  #settled(): void {
    if (--this.#queued === 0) this.#chain = IDLE;
  }

  #fail(err: unknown): void {
    if (err instanceof SessionError) return this.end(err.kind);
    if (this.#endReason === null) this.#env.logger.error({ err }, 'session failed on a storage error');
    this.end('Database');
  }

  /** Stop timers, leave the registry, then (after the running event) save and log. Idempotent. */
  #beginEnd(reason: string): void {
    if (this.#endReason !== null) return;
    this.#endReason = reason;
    clearTimeout(this.#stallTimer);
    this.#liveness.stop();
    // From now on routers see "not connected" and store instead.
    if (this.#client !== null) this.#env.registry.unregister(this.#client.uaid, this);
    this.#run(() => this.#finish());
  }

  async #finish(): Promise<void> {
    const client = this.#client;
    let saved = false;
    try {
      if (client !== null) {
        this.#env.registry.unregister(client.uaid, this);
        saved = await client.finish(this.#undelivered);
      }
      const { logger, clock } = this.#env;
      const stats = client?.stats ?? new SessionStats();
      logSessionEnd(logger, client?.uaid ?? null, stats, this.#endReason ?? 'unknown', clock.nowMs() - this.#startedAt, this.#peakUnsent);
    } finally {
      // Saved with the rest, or (not saved) the endpoint stores them itself.
      this.#senders.settleAll(saved ? 'stored' : 'not-connected');
      this.#isFinished = true;
      this.#finished?.resolve();
      this.#onFinished?.(this);
    }
  }

  /** Flush what was written (the close frame), send FIN, and destroy shortly after. */
  #dropSoon(): void {
    this.#socket.end();
    setTimeout(() => this.#ws.terminate(), CLOSE_LINGER_MS).unref();
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function onSocketMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  (this as SessionSocket)[SESSION].onSocketMessage(data, isBinary);
}

function onSocketPong(this: WebSocket): void {
  (this as SessionSocket)[SESSION].onSocketPong();
}

function onSocketError(this: WebSocket, err: Error): void {
  (this as SessionSocket)[SESSION].onSocketError(err);
}

function onSocketClose(this: WebSocket): void {
  (this as SessionSocket)[SESSION].onSocketClose();
}

/**
 * Sessions whose job is starting synchronously right now (innermost last), with what was queued
 * for them meanwhile. Module-wide rather than a field: a session must stay small (idle memory,
 * docs/benchmarks.md), and a job of one session may start another's (a hello ghosts the old one).
 */
const starting: Array<{ session: Session; held: Array<() => Promise<void>> }> = [];

function heldWhileStarting(session: Session): Array<() => Promise<void>> | undefined {
  for (const s of starting) if (s.session === session) return s.held;
  return undefined;
}
