/**
 * The live sessions of this node, by uaid (spec/autopush.md §1.3 "Connection-node side", §2.7).
 * Routers reach user agents only through `LocalDelivery`: `push` queues a notification, and
 * `checkStorage` a storage re-check, on the session's bounded queue; false means "not here or
 * busy", and the endpoint then stores the message.
 */
import type { Notification } from '../protocol/notification.js';
import type { LocalDelivery } from '../routing/node-router.js';
import type { RegisteredSession, SessionDirectory } from './types.js';

export class ClientRegistry implements LocalDelivery, SessionDirectory {
  readonly #sessions = new Map<string, RegisteredSession>();

  /**
   * Make `session` the one for `uaid`. An older session of the same uaid is ghosted: it closes
   * with 1011 "Ghost" and saves its unacked messages.
   */
  register(uaid: string, session: RegisteredSession): void {
    const previous = this.#sessions.get(uaid);
    this.#sessions.set(uaid, session);
    if (previous !== undefined && previous !== session) previous.ghost();
  }

  /** Forget `session`, unless a newer session already holds its uaid. */
  unregister(uaid: string, session: RegisteredSession): void {
    if (this.#sessions.get(uaid) === session) this.#sessions.delete(uaid);
  }

  current(uaid: string): RegisteredSession | undefined {
    return this.#sessions.get(uaid);
  }

  push(uaid: string, notification: Notification): boolean {
    return this.#sessions.get(uaid)?.deliver({ kind: 'notification', notification }) ?? false;
  }

  checkStorage(uaid: string): boolean {
    return this.#sessions.get(uaid)?.deliver({ kind: 'check-storage' }) ?? false;
  }

  /** Number of identified sessions. */
  get size(): number {
    return this.#sessions.size;
  }
}
