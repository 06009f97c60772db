/**
 * The rows of the `router` and `message` tables as both SQL backends (SQLite and PostgreSQL)
 * return them, and their mapping to the store's types: one schema, one mapping.
 */
import type { NotificationHeaders, StoredNotification, Urgency } from '../protocol/notification.js';
import type { RouterData, UserRecord } from './store.js';

export interface RouterRow {
  uaid: string;
  connected_at: number;
  router_type: string;
  node_id: string | null;
  record_version: number;
  read_pointer: number;
  last_update: number;
  /** JSON text, or null for WebPush users. */
  router_data: string | null;
}

export interface MessageRow {
  sort_key: number;
  channel_id: string;
  version: string;
  ttl: number;
  timestamp: number;
  topic: string | null;
  data: string | null;
  headers: string | null;
  urgency: string | null;
  /** 1 or 0; null for rows stored before the column existed. */
  receipt: number | null;
}

export function toUserRecord(row: RouterRow): UserRecord {
  return {
    uaid: row.uaid,
    connectedAt: row.connected_at,
    routerType: row.router_type,
    nodeId: row.node_id,
    recordVersion: row.record_version,
    currentTimestamp: row.read_pointer,
    lastUpdate: row.last_update,
    routerData: row.router_data === null ? null : (JSON.parse(row.router_data) as RouterData),
  };
}

export function toNotification(row: MessageRow): StoredNotification {
  const n: StoredNotification = {
    channelID: row.channel_id,
    version: row.version,
    ttl: row.ttl,
    topic: row.topic,
    timestamp: row.timestamp,
    sortKey: row.sort_key,
  };
  // Absent stays absent: no `data: undefined` keys for callers that serialise or compare.
  if (row.data !== null) n.data = row.data;
  if (row.headers !== null) n.headers = JSON.parse(row.headers) as NotificationHeaders;
  if (row.urgency !== null) n.urgency = row.urgency as Urgency;
  if (row.receipt !== null) n.receipt = row.receipt !== 0;
  return n;
}

/** The `receipt` column of a message about to be stored: null when nobody said. */
export function receiptColumn(n: { receipt?: boolean }): number | null {
  return n.receipt === undefined ? null : n.receipt ? 1 : 0;
}
