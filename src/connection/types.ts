/**
 * What the parts of the connection service (docs/protocol.md#delivery-policy,
 * docs/protocol.md#websocket-protocol) share: the injected
 * dependencies, the events a session receives from the server side, and the outbox it writes to.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import type { MultiFernet } from '../crypto/fernet.js';
import type { Notification } from '../protocol/notification.js';
import type { ServerFrame } from '../protocol/frames.js';
import type { LocalChannels, NodeRouter } from '../routing/node-router.js';
import type { BroadcastTracker } from './broadcasts/tracker.js';
import type { ConnectionMetrics } from './metrics.js';
import type { AckWaiter } from './sender-waits.js';
import type { Store } from '../storage/store.js';
import type { LivenessTimers } from './liveness.js';
import type { RecentlyAcked } from './nack.js';

export interface Clock {
  nowMs(): number;
}

/** Built once by `server.ts`; every session reads from it and never changes it. */
export interface ConnectionEnv {
  readonly settings: Readonly<Settings>;
  readonly store: Store;
  readonly cipher: MultiFernet;
  /** This node's id as written into router records (`node_id`). */
  readonly nodeId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly registry: SessionDirectory;
  /**
   * Reaches other nodes (and this one): takeover of a uaid another node still holds, and the
   * nudge after saving unacked messages of a uaid that reconnected elsewhere. Absent: this node
   * works alone.
   */
  readonly router?: NodeRouter;
  /** Megaphone broadcast versions (docs/protocol.md#megaphone-broadcasts); absent: no broadcast source is configured. */
  readonly broadcasts?: BroadcastTracker;
  /** Handshake and ping deadlines, on one timer for all sessions. */
  readonly liveness: LivenessTimers;
  /** Messages acked in the last seconds, for a nack that follows its ack (Firefox does); one for all sessions. */
  readonly recentlyAcked: RecentlyAcked;
  /** A `connected_at` for a new hello: now in ms, strictly increasing within this process. */
  nextConnectedAt(): number;
  /** Where the session counters are reported (src/admin); absent: nowhere. */
  readonly metrics?: ConnectionMetrics;
  /**
   * Abuse controls on `register` (src/abuse): the status of the refusal reply (429 over the rate,
   * 413 too many channels), or null to register. Absent: no limits.
   */
  readonly admitRegister?: (uaid: string, channelID: string, userStored: boolean) => Promise<413 | 429 | null>;
  /**
   * Told of each message the UA acked, once it is settled here (push receipts,
   * docs/protocol.md#push-message-receipts); must not throw. Absent: nobody is told.
   */
  readonly onAcked?: (message: Notification) => Promise<void>;
}

/**
 * What a session receives from the server side through the registry's bounded queue
 * (docs/protocol.md#internal-router-port). A
 * notification with a `waiter` has a sender waiting for the UA's ack (ack-gated delivery).
 */
export type ServerEvent = { kind: 'notification'; notification: Notification; waiter?: AckWaiter } | { kind: 'check-storage' };

/** A live, identified session as the registry sees it. */
export interface RegisteredSession {
  /** Queue an event; false when the queue is full or the session is ending. */
  deliver(event: ServerEvent): boolean;
  /** End the session because a newer one took its uaid (docs/protocol.md#ghosting-and-takeover). */
  ghost(): void;
  /** What the session knows of its channels; undefined before its hello is done or once it ends. */
  knownChannels(): LocalChannels | undefined;
}

/** The part of the registry a session uses: join, leave and look up by uaid. */
export interface SessionDirectory {
  /** `connectedAt`: the session's hello time, compared on takeover. */
  register(uaid: string, session: RegisteredSession, connectedAt: number): void;
  unregister(uaid: string, session: RegisteredSession): void;
  current(uaid: string): RegisteredSession | undefined;
  /**
   * A hello of `uaid` is about to write the router record: until `helloSettled`, a storage check
   * asked for `uaid` while no session holds it is noted rather than dropped.
   */
  helloStarting(uaid: string): void;
  /** The hello of `helloStarting` is registered (or failed): whether a storage check was asked for meanwhile. */
  helloSettled(uaid: string): boolean;
}

/** Where an identified client writes its frames; the session owns the socket. */
export interface Outbox {
  send(frame: ServerFrame): void;
  /** Several frames at once: written to the socket together (one system call, not one each). */
  sendAll(frames: readonly ServerFrame[]): void;
}
