/**
 * The PostgreSQL schema of accounts, devices and the mailbox, in the same database as the push
 * store. The push store counts its steps in `herald_schema` under its own advisory lock; these
 * tables count theirs in `herald_accounts_schema` under another lock key, so neither migration
 * list ever sees the other's steps, and either may be applied first. Append new steps; never
 * edit a shipped one. Also opens the pool both account-side stores use.
 */
import type pg from 'pg';
import { mapError } from '../../postgres/errors.js';
import { openMigratedPool, type PoolOptions } from '../../postgres/pool.js';

export const accountMigrations: readonly string[] = [
  // 1: accounts, sessions, devices, the device mailbox (as the SQLite schema, BIGINT for ms).
  `
  CREATE TABLE account (
    uid           TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name  TEXT,
    created_at    BIGINT NOT NULL
  );

  -- id is the SHA-256 of the session token: a stolen database holds no usable token.
  CREATE TABLE account_session (
    id          TEXT PRIMARY KEY,
    uid         TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    last_access BIGINT NOT NULL
  );
  CREATE INDEX account_session_uid ON account_session (uid);

  -- One device per session (UNIQUE), removed with it; the device's deletion removes the session.
  CREATE TABLE account_device (
    uid                TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    id                 TEXT NOT NULL,
    session_id         TEXT NOT NULL UNIQUE REFERENCES account_session (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    type               TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    push_callback      TEXT,
    push_public_key    TEXT,
    push_auth_key      TEXT,
    push_expired       BOOLEAN NOT NULL DEFAULT false,
    -- JSON text rather than jsonb: it comes back byte for byte as it was stored.
    capabilities       TEXT NOT NULL,
    available_commands TEXT NOT NULL,
    PRIMARY KEY (uid, id)
  );

  -- An identity column (a sequence): an index is never handed out again, even after the newest
  -- rows were deleted or swept (docs/device-messages.md#the-durable-mailbox).
  CREATE TABLE device_message (
    idx        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid        TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    box        TEXT NOT NULL,
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX device_message_box ON device_message (uid, device_id, box, idx);
  CREATE INDEX device_message_expiry ON device_message (expires_at);
  `,
  // 2: Herald's own secrets (its VAPID key pair), one per name, shared by every node.
  `
  CREATE TABLE service_key (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 3: account security (docs/accounts.md): email verification, one-time codes (hashed), per-account
  // secrets (recovery data, TOTP), sessions that still owe a second step.
  `
  ALTER TABLE account ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT false;
  ALTER TABLE account_session ADD COLUMN verified BOOLEAN NOT NULL DEFAULT true;
  CREATE TABLE account_code (
    uid        TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL,
    data       TEXT,
    PRIMARY KEY (uid, purpose)
  );
  CREATE TABLE account_secret (
    uid   TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (uid, name)
  );
  `,
  // 4: security events per account, newest kept (docs/accounts.md "Security events").
  `
  CREATE TABLE account_event (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid  TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    at   BIGINT NOT NULL,
    kind TEXT NOT NULL,
    ip   TEXT
  );
  CREATE INDEX account_event_uid ON account_event (uid, id);
  `,
  // 5: secondary email addresses (docs/accounts.md "Secondary emails"); an address is in at most
  // one of account.email and this table, which the store checks under an advisory lock on it.
  `
  CREATE TABLE account_email (
    email      TEXT PRIMARY KEY,
    uid        TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    verified   BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX account_email_uid ON account_email (uid);
  `,
];

/** The table these steps are counted in; the push store's is `herald_schema`. */
export const SCHEMA_TABLE = 'herald_accounts_schema';

/** Not the push store's key: the two migrations never wait on or collide with each other. */
const MIGRATION_LOCK = 0x4845_5241_4c45; // "HERALE"

/**
 * Bring these tables up to date in one transaction under a transaction-scoped advisory lock, so
 * nodes starting at once apply each step exactly once.
 */
export async function migrateAccounts(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${SCHEMA_TABLE}`);
    const current = rows[0]?.version ?? 0;
    if (current > accountMigrations.length) {
      throw new Error(
        `The accounts tables in this PostgreSQL database are at schema version ${current}, newer than this Herald build knows (${accountMigrations.length}); upgrade Herald or use another database`,
      );
    }
    for (let step = current; step < accountMigrations.length; step++) {
      await client.query(accountMigrations[step] as string);
      await client.query(`INSERT INTO ${SCHEMA_TABLE} (version) VALUES ($1)`, [step + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export type PostgresAccountsOptions = PoolOptions;

/** Open a pool on `dsn` and migrate the account tables; rejects if the server is unreachable. */
export function openAccountsPool(dsn: string, opts: PostgresAccountsOptions = {}): Promise<pg.Pool> {
  return openMigratedPool(dsn, opts, migrateAccounts);
}

/** One statement (its own transaction), mapping retryable failures to `StoreBusyError`. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  name: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>({ name, text, values });
  } catch (err) {
    throw mapError(err);
  }
}

/** Several statements in one transaction on one pooled connection. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw mapError(err);
  }
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // A connection that cannot even roll back is broken: destroy it rather than pool it.
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(!rolledBack);
    throw mapError(err);
  }
}

/** SELECT 1 on the pool; false on any failure. */
export async function poolAnswers(pool: pg.Pool): Promise<boolean> {
  try {
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    return rows[0]?.ok === 1;
  } catch {
    return false;
  }
}
