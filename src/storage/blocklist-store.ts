/**
 * The blocklist every node shares (the penalty box's other half, src/abuse): IPs blocked until a
 * time, written by the node whose penalty box tripped (or by an admin) and read by every node
 * into its own cache. Small and separate from `Store`: it has its own table or keys in the same
 * database, opened by `open-blocklist.ts`. Each backend passes `blocklist-conformance.ts`.
 */

export interface BlockEntry {
  /** Normalized IP address (IPv4 dotted, IPv6 lowercase). */
  ip: string;
  /** Why: `penalty-box`, `admin`, or an admin's note. */
  reason: string;
  /** Epoch ms of the block. */
  createdAt: number;
  /** Epoch ms from which the IP is no longer blocked. */
  expiresAt: number;
}

export interface BlocklistStore {
  /** Block (or re-block) `entry.ip`; an existing entry for the IP is replaced. */
  add(entry: BlockEntry): Promise<void>;
  /** Lift the block; returns whether an unexpired one existed. */
  remove(ip: string, nowMs: number): Promise<boolean>;
  /** Unexpired blocks (expiresAt > nowMs), soonest to expire first. */
  list(nowMs: number): Promise<BlockEntry[]>;
  /** Whether `ip` has an unexpired block. */
  isBlocked(ip: string, nowMs: number): Promise<boolean>;
  /** Delete expired entries; returns how many went. */
  purgeExpired(nowMs: number): Promise<number>;
  close(): Promise<void>;
}
