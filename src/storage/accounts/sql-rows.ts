/**
 * The rows of the `account` and `account_device` tables as both SQL backends return them, and
 * their mapping to the store's records: one schema, one mapping.
 */
import type { AccountCode, AccountRecord, DeviceRecord } from './account-store.js';

export interface AccountRow {
  uid: string;
  email: string;
  password_hash: string;
  display_name: string | null;
  created_at: number;
  /** BOOLEAN on PostgreSQL, 0/1 on SQLite. */
  email_verified: boolean | number;
}

/** The columns of `AccountRow`, in both SQL backends. */
export const ACCOUNT_COLUMNS = 'uid, email, password_hash, display_name, created_at, email_verified';

export interface CodeRow {
  uid: string;
  purpose: string;
  code_hash: string;
  expires_at: number;
  attempts: number;
  data: string | null;
}

export function toCode(row: CodeRow | undefined): AccountCode | null {
  if (!row) return null;
  return { uid: row.uid, purpose: row.purpose, codeHash: row.code_hash, expiresAt: Number(row.expires_at), attempts: Number(row.attempts), data: row.data };
}

/** An `account_device` row joined with its session's `last_access`. */
export interface DeviceRow {
  uid: string;
  id: string;
  session_id: string;
  name: string;
  type: string;
  created_at: number;
  push_callback: string | null;
  push_public_key: string | null;
  push_auth_key: string | null;
  /** BOOLEAN on PostgreSQL, 0/1 on SQLite. */
  push_expired: boolean | number;
  capabilities: string;
  available_commands: string;
  last_access: number;
}

export function toAccount(row: AccountRow | undefined): AccountRecord | null {
  if (!row) return null;
  return {
    uid: row.uid,
    email: row.email,
    passwordHash: row.password_hash,
    displayName: row.display_name,
    createdAt: Number(row.created_at),
    emailVerified: row.email_verified === true || row.email_verified === 1,
  };
}

export function toDevice(row: DeviceRow | undefined): DeviceRecord | null {
  if (!row) return null;
  const push =
    row.push_callback !== null && row.push_public_key !== null && row.push_auth_key !== null
      ? { callback: row.push_callback, publicKey: row.push_public_key, authKey: row.push_auth_key }
      : null;
  return {
    uid: row.uid,
    id: row.id,
    sessionId: row.session_id,
    name: row.name,
    type: row.type,
    createdAt: row.created_at,
    push,
    pushEndpointExpired: row.push_expired === true || row.push_expired === 1,
    capabilities: JSON.parse(row.capabilities) as string[],
    availableCommands: JSON.parse(row.available_commands) as Record<string, string>,
    lastAccessTime: row.last_access,
  };
}
