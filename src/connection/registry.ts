/**
 * The live sessions of this node, by uaid (docs/protocol.md#internal-router-port,
 * docs/protocol.md#ghosting-and-takeover).
 * Routers reach user agents only through `LocalDelivery`: `push` queues a notification (and
 * `pushAwaitingAck` one whose sender waits for the ack), and `checkStorage` a storage re-check, on
 * the session's bounded queue; false means "not here or busy", and the endpoint then stores the
 * message. `disconnect` is the takeover of a uaid by a
 * newer connection on another node (beyond autopush).
 */
import type { Notification } from '../protocol/notification.js';
import type { AckWaitOutcome, LocalChannels, LocalDelivery } from '../routing/node-router.js';
import type { RegisteredSession, SessionDirectory } from './types.js';

interface Entry {
  session: RegisteredSession;
  /** The session's `connected_at` (ms), as written into the router record at its hello. */
  connectedAt: number;
}

/** The hellos of one uaid between their router-record write and their registration. */
interface Connecting {
  hellos: number;
  /** A storage check was asked for the uaid while no session held it. */
  checkAsked: boolean;
}

export class ClientRegistry implements LocalDelivery, SessionDirectory {
  readonly #sessions = new Map<string, Entry>();
  /** Bounded by the sockets in their hello. */
  readonly #connecting = new Map<string, Connecting>();

  /**
   * Make `session` the one for `uaid`. An older session of the same uaid is ghosted: it closes
   * with 1011 "Ghost" and saves its unacked messages.
   */
  register(uaid: string, session: RegisteredSession, connectedAt: number): void {
    const previous = this.#sessions.get(uaid)?.session;
    this.#sessions.set(uaid, { session, connectedAt });
    if (previous !== undefined && previous !== session) previous.ghost();
  }

  /** Forget `session`, unless a newer session already holds its uaid. */
  unregister(uaid: string, session: RegisteredSession): void {
    if (this.#sessions.get(uaid)?.session === session) this.#sessions.delete(uaid);
  }

  current(uaid: string): RegisteredSession | undefined {
    return this.#sessions.get(uaid)?.session;
  }

  push(uaid: string, notification: Notification): boolean {
    return this.#sessions.get(uaid)?.session.deliver({ kind: 'notification', notification }) ?? false;
  }

  pushAwaitingAck(uaid: string, notification: Notification, windowMs: number): Promise<AckWaitOutcome> {
    const session = this.#sessions.get(uaid)?.session;
    if (session === undefined) return Promise.resolve('not-connected');
    return new Promise((resolve) => {
      if (!session.deliver({ kind: 'notification', notification, waiter: { windowMs, settle: resolve } })) resolve('not-connected');
    });
  }

  channels(uaid: string): LocalChannels | undefined {
    return this.#sessions.get(uaid)?.session.knownChannels();
  }

  /**
   * Queue a storage check. A hello of the uaid under way is told too (its first check then reads,
   * see unidentified.ts): the session here may be the older one it is about to replace. With no
   * session, that hello counts as reached.
   */
  checkStorage(uaid: string): boolean {
    const connecting = this.#connecting.get(uaid);
    if (connecting !== undefined) connecting.checkAsked = true;
    const session = this.#sessions.get(uaid)?.session;
    if (session !== undefined) return session.deliver({ kind: 'check-storage' });
    return connecting !== undefined;
  }

  helloStarting(uaid: string): void {
    const connecting = this.#connecting.get(uaid);
    if (connecting !== undefined) connecting.hellos++;
    else this.#connecting.set(uaid, { hellos: 1, checkAsked: false });
  }

  helloSettled(uaid: string): boolean {
    const connecting = this.#connecting.get(uaid);
    if (connecting === undefined) return false;
    if (--connecting.hellos === 0) this.#connecting.delete(uaid);
    return connecting.checkAsked;
  }

  /**
   * A connection made at `connectedAt` on another node took `uaid` over: ghost this node's
   * session if it is older. A session that is as new or newer stays (the request is stale).
   */
  disconnect(uaid: string, connectedAt: number): boolean {
    const entry = this.#sessions.get(uaid);
    if (entry === undefined || entry.connectedAt >= connectedAt) return false;
    this.#sessions.delete(uaid);
    entry.session.ghost();
    return true;
  }

  /** Number of identified sessions. */
  get size(): number {
    return this.#sessions.size;
  }
}
