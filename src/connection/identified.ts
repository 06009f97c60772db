/**
 * A user agent after its `hello` (docs/protocol.md#storage-check,
 * docs/protocol.md#websocket-protocol): its uaid, what it has not acked
 * yet, and the state of the storage check. Events are split by where they come from, as in
 * autoconnect: `on-client-message.ts` (frames from the UA) and `on-server-event.ts` (the
 * registry's queue). The session calls one method at a time, never concurrently.
 */
import { isExpired, type Notification, type Urgency } from '../protocol/notification.js';
import { DEFAULT_UA_URGENCY } from '../protocol/urgency.js';
import type { ClientFrame } from '../protocol/frames.js';
import { USER_RECORD_VERSION, type UserRecord } from '../storage/store.js';
import { StorageCheck, runStorageCheck } from './check-storage.js';
import { onClientMessage } from './on-client-message.js';
import { onServerEvent } from './on-server-event.js';
import { SessionStats } from './session-stats.js';
import type { BroadcastSubscription } from './broadcasts/tracker.js';
import type { ConnectionEnv, Outbox, ServerEvent } from './types.js';
import { SenderWaits } from './sender-waits.js';
import type { AckWaitOutcome } from '../routing/node-router.js';
import { LazyMap } from '../common/lazy-map.js';
import { KnownChannels } from './known-channels.js';

export interface IdentifiedInit {
  uaid: string;
  connectedAt: number;
  /** The router record read at hello, or null for a new uaid (not stored until its first register). */
  user: UserRecord | null;
  /** Senders waiting for acks, owned by the session (which answers them when it ends). */
  senders?: SenderWaits;
  /** The lowest urgency the hello asked for (Herald extension); absent or null: everything. */
  urgency?: Urgency | null;
  /** The hello learned that nothing is stored for the uaid (unidentified.ts): the first storage check skips its reads. */
  nothingStored?: boolean;
}

export class IdentifiedClient {
  readonly uaid: string;
  readonly connectedAt: number;
  /** False for a new uaid until its first `register` writes the router record (lazy add_user). */
  userStored: boolean;
  /** `record_version` missing or < 1: the uaid is reset once everything is acked (docs/protocol.md#uaid-reset). */
  readonly oldRecordVersion: boolean;
  /** Set when the uaid is being reset: nothing is saved for a deleted user. */
  resetting = false;
  /**
   * Direct notifications sent and not acked yet, by version (TTL 0 ones are never tracked). While
   * here a message is in flight on the live path: the storage check neither re-sends nor counts it.
   */
  readonly unackedDirect = new LazyMap<string, Notification>();
  /** Senders waiting for the ack of a direct notification (ack-gated delivery). */
  readonly senders: SenderWaits;
  readonly storage: StorageCheck;
  /** Time of the last accepted app-level ping, ms; null before the first. */
  lastAppPingMs: number | null = null;
  readonly stats: SessionStats;
  /**
   * The lowest urgency the UA wants now (docs/protocol.md#urgency-herald-extension): messages
   * below it are stored, not sent, until the UA lowers it. Set at hello and by `urgency` messages.
   */
  urgency: Urgency;
  /**
   * The level at hello: stored messages below it were held back by the UA's choice, not missed
   * while it was away, so they never count toward `msgLimit`.
   */
  readonly helloUrgency: Urgency;
  /** Megaphone broadcasts this UA follows (docs/protocol.md#megaphone-broadcasts), set at hello; null without a broadcast source. */
  broadcasts: BroadcastSubscription | null = null;
  /** Made on first use: a session that is never pushed to or unregisters nothing has none. */
  #known: KnownChannels | undefined;
  readonly #nothingStoredAtHello: boolean;

  constructor(
    readonly env: ConnectionEnv,
    readonly out: Outbox,
    init: IdentifiedInit,
  ) {
    this.uaid = init.uaid;
    this.stats = new SessionStats(env.metrics);
    this.connectedAt = init.connectedAt;
    this.userStored = init.user !== null;
    this.oldRecordVersion = init.user !== null && !(init.user.recordVersion >= USER_RECORD_VERSION);
    this.storage = new StorageCheck(init.user?.currentTimestamp ?? 0);
    this.senders = init.senders ?? new SenderWaits();
    this.urgency = this.helloUrgency = init.urgency ?? DEFAULT_UA_URGENCY;
    this.#nothingStoredAtHello = init.nothingStored ?? false;
  }

  /** The channels this session knows to be registered (pushes to them skip the storage read). */
  get knownChannels(): KnownChannels {
    return (this.#known ??= new KnownChannels());
  }

  /** Right after the hello reply: an existing user gets its stored messages (docs/protocol.md#storage-check). */
  async start(): Promise<void> {
    if (this.userStored) await runStorageCheck(this, this.#nothingStoredAtHello);
  }

  onClientFrame(frame: ClientFrame): Promise<void> {
    return onClientMessage(this, frame);
  }

  onServerEvent(event: ServerEvent): Promise<void> {
    return onServerEvent(this, event);
  }

  /**
   * A sender's ack window passed (ack-gated delivery): store the unacked direct notification and
   * mark it stored, so its ack deletes the copy and the end of the session does not save it
   * again. `delivered` when it could not be stored (the endpoint then stores it) or is no longer
   * tracked; the mark stays, so the endpoint's copy is the only one.
   */
  async storeUnacked(version: string): Promise<AckWaitOutcome> {
    const n = this.unackedDirect.get(version);
    if (n === undefined) return 'delivered';
    if (n.stored) return 'stored';
    this.unackedDirect.set(version, { ...n, stored: true });
    try {
      await this.env.store.saveMessage(this.uaid, n);
      this.stats.directStorage++;
      return 'stored';
    } catch (err) {
      this.env.logger.warn({ err }, 'could not store an unacked direct message; the endpoint stores it');
      return 'delivered';
    }
  }

  /**
   * The session is over. Unacked direct notifications (and those still queued, `undelivered`)
   * with a TTL go to storage so the next connection gets them (docs/protocol.md#close-codes), and
   * if the uaid has reconnected on another node meanwhile, that node is
   * nudged to check storage; then the router record stops pointing at this node, unless a newer
   * connection already owns it. Never throws: failures are logged. Returns whether what was
   * unacked is in storage now (false: reset, or the save failed).
   */
  async finish(undelivered: readonly Notification[]): Promise<boolean> {
    const { store, logger, registry, nodeId, clock } = this.env;
    if (this.resetting) return false; // the user record and its messages are gone on purpose
    let saved = true;
    const nowSec = Math.floor(clock.nowMs() / 1000);
    // Messages the endpoint stored before routing them here are in storage already.
    const toSave = [...this.unackedDirect.values(), ...undelivered].filter((n) => !n.stored && n.ttl > 0 && !isExpired(n, nowSec));
    // Those stored before (by the endpoint, or when their ack window passed) may be newer than a
    // newer session's hello too, which then skipped reading storage.
    const leftStored = toSave.length > 0 || [...this.unackedDirect.values()].some((n) => n.stored === true);
    if (toSave.length > 0) {
      try {
        await store.saveMessages(this.uaid, toSave);
        this.stats.directStorage += toSave.length;
      } catch (err) {
        saved = false;
        logger.error({ err, count: toSave.length }, 'could not save unacked direct messages');
      }
    }
    if (leftStored) {
      // A newer session of this uaid, here or on another node, may have checked storage already.
      registry.current(this.uaid)?.deliver({ kind: 'check-storage' });
      await this.#nudgeNewNode();
    }
    if (!this.userStored) return saved;
    try {
      await store.removeNodeId(this.uaid, nodeId, this.connectedAt);
    } catch (err) {
      logger.warn({ err }, 'could not clear the node id of a closed session');
    }
    return saved;
  }

  /** The uaid now lives on another node (docs/protocol.md#delivery-policy): `PUT {its node_id}/notif/{uaid}`. */
  async #nudgeNewNode(): Promise<void> {
    const { store, router, nodeId, logger } = this.env;
    if (router === undefined) return;
    try {
      const now = await store.getUser(this.uaid);
      if (now?.nodeId == null || now.nodeId === nodeId) return;
      const outcome = await router.notify(now.nodeId, this.uaid);
      logger.debug({ node: now.nodeId, outcome }, 'nudged the node that now holds the uaid');
    } catch (err) {
      logger.warn({ err }, 'could not nudge the node that now holds the uaid');
    }
  }
}
