/**
 * The one storage contract (docs/protocol.md#storage-semantics). Every backend implements it and passes
 * the shared suite in `conformance.ts`. Only `open-store.ts` knows the concrete backends.
 *
 * Ordering: the store assigns each saved message a `sortKey` that strictly increases per uaid in
 * the order saves commit. The read pointer (`currentTimestamp`) is such a key, so a message saved
 * while a batch is outstanding can never fall behind the pointer and be skipped.
 */
import type { Notification, StoredNotification } from '../protocol/notification.js';

export const USER_RECORD_VERSION = 1;

/**
 * What a bridge needs to reach a native app (docs/bridges.md): `{token, app_id}` for FCM and the
 * stub, `{token, rel_channel, aps?}` for APNs. Plain JSON; the store keeps it as it was given.
 */
export type RouterData = Readonly<Record<string, unknown>>;

export interface UserRecord {
  /** 32 lowercase hex characters. */
  uaid: string;
  /** Milliseconds since the epoch of the last hello. */
  connectedAt: number;
  routerType: string;
  /** Internal URL of the connection node holding the UA, or null when not connected. */
  nodeId: string | null;
  recordVersion: number;
  /** Sort key of the last acknowledged timestamp message; 0 when none. */
  currentTimestamp: number;
  /** Updated on every write (hello, register, increment); drives router-record expiry. */
  lastUpdate: number;
  /** A bridged user's routing data (router type `fcm`, `gcm`, `apns`, `stub`); null for WebPush users. */
  routerData: RouterData | null;
}

export type NewUser = Pick<UserRecord, 'uaid' | 'connectedAt' | 'nodeId'> &
  Partial<Pick<UserRecord, 'routerType' | 'recordVersion' | 'currentTimestamp' | 'routerData'>>;

/** What a push needs to know about its subscription, read in one storage round trip. */
export interface ChannelLookup {
  user: UserRecord;
  /** Whether the channel is in the user's set. */
  channelExists: boolean;
}

/**
 * What a hello of a known uaid found and did (`connectUser`), in one storage round trip. `user` is
 * the live router record as it was before the call: the node it named is the one to take the uaid
 * over from, and its `currentTimestamp` and `recordVersion` start the session.
 */
export type HelloOutcome =
  /**
   * A live WebPush record with an older `connectedAt`: it now names the hello (`connectedAt`,
   * `nodeId`, `lastUpdate` now). `mayHaveMessages` is false only when the user has no stored
   * message at all, read atomically with that write (expired ones may count as stored): a hint
   * that lets the first storage check skip its reads.
   */
  | { outcome: 'connected'; user: UserRecord; mayHaveMessages: boolean }
  /** A connection as new as this hello, or newer, owns the record; nothing changed. */
  | { outcome: 'newer-connection'; user: UserRecord }
  /** A bridged native app's record (router type other than `webpush`); nothing changed. */
  | { outcome: 'bridged'; user: UserRecord }
  /** No live record (absent, or past the router TTL); nothing changed. */
  | { outcome: 'absent' };

export interface Store {
  /** Create the router record; false (and no change) when it already exists. */
  addUser(user: NewUser): Promise<boolean>;
  /**
   * Record a hello, atomically and in one round trip: read the live router record and, when it is
   * a WebPush user's whose stored `connectedAt` is older than the given one, set `connectedAt`,
   * `nodeId` and `lastUpdate`; see `HelloOutcome` for what comes back.
   */
  connectUser(uaid: string, connectedAt: number, nodeId: string): Promise<HelloOutcome>;
  /** The router record, or null when absent or unseen for longer than the router TTL. */
  getUser(uaid: string): Promise<UserRecord | null>;
  /**
   * Replace a live user's router type and data (a bridged app's new token) and set `lastUpdate`
   * to now, which also keeps the record from expiring. Returns false (and changes nothing) when
   * the user is absent or expired.
   */
  updateRouter(uaid: string, routerType: string, routerData: RouterData | null): Promise<boolean>;
  /** Delete the user, its channels and its messages. */
  removeUser(uaid: string): Promise<void>;
  /**
   * Clear `nodeId` only if it still equals `nodeId` and `connectedAt` still equals `connectedAt`
   * (the record was not taken over meanwhile). Returns whether it cleared.
   */
  removeNodeId(uaid: string, nodeId: string, connectedAt: number): Promise<boolean>;

  addChannel(uaid: string, channelId: string): Promise<void>;
  getChannels(uaid: string): Promise<Set<string>>;
  hasChannel(uaid: string, channelId: string): Promise<boolean>;
  /**
   * `getUser` and `hasChannel` in one round trip (the push path's only read): null when the
   * user is absent or past the router TTL.
   */
  lookupChannel(uaid: string, channelId: string): Promise<ChannelLookup | null>;
  /** Returns whether the channel existed. Stored messages of the channel are left alone. */
  removeChannel(uaid: string, channelId: string): Promise<boolean>;

  /**
   * Store a message (TTL > 0). A message with a topic replaces any stored message with the same
   * (uaid, channelID, topic). Returns the assigned sort key. Throws `UnknownUserError` (and stores
   * nothing) when the uaid has no live router record.
   */
  saveMessage(uaid: string, message: Notification): Promise<number>;
  /** Save several in one transaction, in the given order; `UnknownUserError` as for saveMessage. */
  saveMessages(uaid: string, messages: readonly Notification[]): Promise<void>;
  /** Unexpired topic messages, oldest first. */
  fetchTopicMessages(uaid: string, limit: number): Promise<StoredNotification[]>;
  /** Unexpired non-topic messages with sortKey > `after`, ascending. */
  fetchTimestampMessages(uaid: string, after: number, limit: number): Promise<StoredNotification[]>;
  /** Move the user's read pointer to `sortKey` (never backwards) and drop what it passed. */
  incrementStorage(uaid: string, sortKey: number): Promise<void>;
  /** Delete one stored message by its id; returns whether one was deleted. */
  removeMessage(uaid: string, version: string): Promise<boolean>;
  /** Count of stored, unexpired messages of a user (topic and timestamp). */
  countMessages(uaid: string): Promise<number>;

  /** Delete expired messages and stale router records; returns how many rows went. */
  purgeExpired(nowMs: number): Promise<number>;
  /** True when the backend answers. */
  healthCheck(): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown by backends for failures worth a retry (locked database, pool exhausted). */
export class StoreBusyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreBusyError';
  }
}

/**
 * Thrown by `saveMessage`/`saveMessages` when the uaid has no live router record: messages only
 * exist for users. The endpoint checks the user first, so this means the user was deleted (or
 * expired) meanwhile; the endpoint answers as for a deleted user (410, errno 105).
 */
export class UnknownUserError extends Error {
  readonly uaid: string;
  constructor(uaid: string) {
    super(`no router record for uaid ${uaid}; message not stored`);
    this.name = 'UnknownUserError';
    this.uaid = uaid;
  }
}
