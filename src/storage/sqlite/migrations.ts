/**
 * The SQLite schema as an ordered list of steps (docs/protocol.md#storage-semantics). Step i brings the
 * database from `PRAGMA user_version` i to i + 1. Append new steps; never edit a shipped one.
 */
import type Database from 'better-sqlite3';

export const migrations: readonly string[] = [
  // 1: router records, channels, messages.
  `
  CREATE TABLE router (
    uaid           TEXT PRIMARY KEY,
    connected_at   INTEGER NOT NULL,
    router_type    TEXT NOT NULL,
    node_id        TEXT,
    record_version INTEGER NOT NULL,
    -- autopush's current_timestamp; that name is an SQL keyword (CURRENT_TIMESTAMP), so an
    -- unquoted use would silently read the clock instead of the column.
    read_pointer   INTEGER NOT NULL DEFAULT 0,
    last_update    INTEGER NOT NULL,
    -- Lowest sort key the next saved message may take; bumped in the inserting transaction.
    next_sort_key  INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX router_last_update ON router (last_update);

  -- No foreign key: the connection service may register a channel before or after the record
  -- is written; removeUser and purgeExpired delete a user's channels explicitly.
  CREATE TABLE channel (
    uaid       TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    PRIMARY KEY (uaid, channel_id)
  ) WITHOUT ROWID;

  CREATE TABLE message (
    uaid       TEXT NOT NULL REFERENCES router (uaid) ON DELETE CASCADE,
    sort_key   INTEGER NOT NULL,
    channel_id TEXT NOT NULL,
    version    TEXT NOT NULL,
    ttl        INTEGER NOT NULL,
    timestamp  INTEGER NOT NULL,
    -- timestamp + ttl, epoch seconds: the message is expired from this second on.
    expiry     INTEGER NOT NULL,
    topic      TEXT,
    data       TEXT,
    headers    TEXT,
    urgency    TEXT,
    PRIMARY KEY (uaid, sort_key)
  );
  CREATE UNIQUE INDEX message_version ON message (uaid, version);
  CREATE UNIQUE INDEX message_topic ON message (uaid, channel_id, topic) WHERE topic IS NOT NULL;
  CREATE INDEX message_expiry ON message (expiry);
  `,
  // 2: a bridged user's routing data (docs/bridges.md), JSON text; null for WebPush users.
  `ALTER TABLE router ADD COLUMN router_data TEXT`,
  // 3: whether the sender asked for a push receipt (1 or 0), so the ack of a stored message need
  // not open its id to know; null for messages stored before (their id tells).
  `ALTER TABLE message ADD COLUMN receipt INTEGER`,
];

/**
 * Bring the schema up to date. Runs under BEGIN IMMEDIATE and re-reads the version inside the
 * transaction, so two processes opening a fresh file at once apply each step exactly once.
 */
export function migrate(db: Database.Database): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const check = (v: number) => {
    if (v > migrations.length) {
      throw new Error(
        `SQLite database schema version ${v} is newer than this Herald build knows (${migrations.length}); upgrade Herald or use another database file`,
      );
    }
  };
  check(version());
  if (version() === migrations.length) return;
  db.transaction(() => {
    const current = version();
    check(current);
    for (let step = current; step < migrations.length; step++) db.exec(migrations[step] as string);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
