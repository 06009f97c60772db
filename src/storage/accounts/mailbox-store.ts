/**
 * The storage contract of the durable per-device mailbox, Pushbox
 * (docs/device-messages.md#the-durable-mailbox). Each (account, device, box) holds opaque text
 * entries with an expiry.
 *
 * Indexes: `append` returns an index greater than every index it returned before, for any key,
 * and an index is never handed out twice, not even after its entry was deleted or swept (one
 * counter for the whole store, like Pushbox's AUTO_INCREMENT; a backend may use a sequence or an
 * INCR). Per device the indexes therefore only grow, with gaps.
 *
 * Time: a backend takes every "now" from the clock it was opened with (epoch ms), so tests and
 * the suite in `conformance.ts` control expiry.
 */

/** The two mailboxes a device has: device commands and the messages API (docs/device-messages.md). */
export type MailboxName = 'commands' | 'messages';

export interface MailboxKey {
  uid: string;
  deviceId: string;
  box: MailboxName;
}

export interface MailboxEntry {
  index: number;
  data: string;
}

export interface MailboxPage {
  /** Unexpired entries with `index >= fromIndex`, ascending, at most `limit`. */
  messages: MailboxEntry[];
  /** True when no unexpired entry follows the returned ones (so also when none came back). */
  last: boolean;
}

/** Unexpired entries and the UTF-8 bytes of their data. */
export interface MailboxUsage {
  messages: number;
  bytes: number;
}

export interface MailboxStore {
  /**
   * Store `data` under `key`, expiring `ttlSeconds` from now (0: already expired), and return its
   * index. The caller clamps the TTL and checks the size; the store keeps `data` byte for byte.
   */
  append(key: MailboxKey, data: string, ttlSeconds: number): Promise<number>;
  /** Read without deleting: see `MailboxPage`. `fromIndex` is inclusive; `limit` ≥ 1. */
  read(key: MailboxKey, fromIndex: number, limit: number): Promise<MailboxPage>;
  /** The highest unexpired index under `key`, or 0 when there is none. */
  latestIndex(key: MailboxKey): Promise<number>;
  /**
   * What is stored unexpired (by the store's clock): for `deviceId` of account `uid` (both boxes)
   * and for all devices of the account. `bytes` counts `data` in UTF-8, as `append` was given it.
   */
  usage(uid: string, deviceId: string): Promise<{ device: MailboxUsage; account: MailboxUsage }>;
  /** Delete every entry of the device, in all its boxes; returns how many went. */
  deleteDevice(uid: string, deviceId: string): Promise<number>;
  /** Delete every entry of the account; returns how many went. */
  deleteAccount(uid: string): Promise<number>;
  /** Delete entries expired at `nowMs`; returns how many went. Indexes are not reused after. */
  purgeExpired(nowMs: number): Promise<number>;
  /** True when the backend answers. */
  healthCheck(): Promise<boolean>;
  close(): Promise<void>;
}
