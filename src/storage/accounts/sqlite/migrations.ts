/**
 * The SQLite schema of accounts, devices and the mailbox, kept in the same database file as the
 * push store. The push store counts its steps in `PRAGMA user_version`; these tables count theirs
 * in a row of `herald_schema_part`, so neither migration list ever sees the other's steps, and
 * either may be applied first. Append new steps; never edit a shipped one.
 */
import type Database from 'better-sqlite3';

/** The row of `herald_schema_part` these steps are counted in. */
export const PART = 'accounts';

export const accountMigrations: readonly string[] = [
  // 1: accounts, sessions, devices, the device mailbox.
  `
  CREATE TABLE account (
    uid           TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name  TEXT,
    created_at    INTEGER NOT NULL
  );

  -- id is the SHA-256 of the session token: a stolen database holds no usable token.
  CREATE TABLE account_session (
    id          TEXT PRIMARY KEY,
    uid         TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    last_access INTEGER NOT NULL
  );
  CREATE INDEX account_session_uid ON account_session (uid);

  -- One device per session (UNIQUE), removed with it; the device's deletion removes the session
  -- explicitly (see deleteDevice).
  CREATE TABLE account_device (
    uid                TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    id                 TEXT NOT NULL,
    session_id         TEXT NOT NULL UNIQUE REFERENCES account_session (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    type               TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    push_callback      TEXT,
    push_public_key    TEXT,
    push_auth_key      TEXT,
    push_expired       INTEGER NOT NULL DEFAULT 0,
    capabilities       TEXT NOT NULL,
    available_commands TEXT NOT NULL,
    PRIMARY KEY (uid, id)
  );

  -- AUTOINCREMENT, not a plain rowid: SQLite then never hands out an index again, even after the
  -- newest rows were deleted or swept (docs/device-messages.md#the-durable-mailbox).
  CREATE TABLE device_message (
    idx        INTEGER PRIMARY KEY AUTOINCREMENT,
    uid        TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    box        TEXT NOT NULL,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
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
  ALTER TABLE account ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE account_session ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE account_code (
    uid        TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
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
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    uid  TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    at   INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ip   TEXT
  );
  CREATE INDEX account_event_uid ON account_event (uid, id);
  `,
  // 5: secondary email addresses (docs/accounts.md "Secondary emails"); an address is in at most
  // one of account.email and this table, which the store checks in the writing transaction.
  `
  CREATE TABLE account_email (
    email      TEXT PRIMARY KEY,
    uid        TEXT NOT NULL REFERENCES account (uid) ON DELETE CASCADE,
    verified   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX account_email_uid ON account_email (uid);
  `,
];

/**
 * Bring these tables up to date. Runs under BEGIN IMMEDIATE and re-reads the version inside the
 * transaction, so two connections opening a fresh file at once apply each step exactly once.
 */
export function migrateAccounts(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS herald_schema_part (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const version = () => (db.prepare('SELECT version FROM herald_schema_part WHERE part = ?').pluck().get(PART) as number | undefined) ?? 0;
  const check = (v: number) => {
    if (v > accountMigrations.length) {
      throw new Error(
        `The accounts tables in this SQLite database are at schema version ${v}, newer than this Herald build knows (${accountMigrations.length}); upgrade Herald or use another database file`,
      );
    }
  };
  check(version());
  if (version() === accountMigrations.length) return;
  db.transaction(() => {
    const current = version();
    check(current);
    for (let step = current; step < accountMigrations.length; step++) db.exec(accountMigrations[step] as string);
    db.prepare('INSERT INTO herald_schema_part (part, version) VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET version = excluded.version').run(
      PART,
      accountMigrations.length,
    );
  }).immediate();
}
