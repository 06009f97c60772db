/**
 * The PostgreSQL schema as an ordered list of steps (docs/storage.md#postgresql,
 * docs/protocol.md#storage-semantics), tracked in
 * `herald_schema`: one row per applied step. Append new steps; never edit a shipped one.
 */
import type pg from 'pg';

export const migrations: readonly string[] = [
  // 1: router records, channels, messages (as the SQLite schema, with BIGINT for milliseconds).
  `
  CREATE TABLE router (
    uaid           TEXT PRIMARY KEY,
    connected_at   BIGINT NOT NULL,
    router_type    TEXT NOT NULL,
    node_id        TEXT,
    record_version INTEGER NOT NULL,
    -- autopush's current_timestamp; that name is an SQL keyword, hence read_pointer.
    read_pointer   BIGINT NOT NULL DEFAULT 0,
    last_update    BIGINT NOT NULL,
    -- Lowest sort key the next saved message may take; moved by UPDATE … RETURNING in the
    -- inserting transaction, whose row lock orders concurrent saves of one uaid.
    next_sort_key  BIGINT NOT NULL DEFAULT 1
  );
  CREATE INDEX router_last_update ON router (last_update);

  -- No foreign key: a channel may be registered before or after the record is written;
  -- removeUser and purgeExpired delete a user's channels explicitly.
  CREATE TABLE channel (
    uaid       TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    PRIMARY KEY (uaid, channel_id)
  );

  CREATE TABLE message (
    uaid       TEXT NOT NULL REFERENCES router (uaid) ON DELETE CASCADE,
    sort_key   BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    version    TEXT NOT NULL,
    ttl        BIGINT NOT NULL,
    timestamp  BIGINT NOT NULL,
    -- timestamp + ttl, epoch seconds: the message is expired from this second on.
    expiry     BIGINT NOT NULL,
    topic      TEXT,
    data       TEXT,
    -- JSON text rather than jsonb: it comes back byte for byte as it was stored.
    headers    TEXT,
    urgency    TEXT,
    PRIMARY KEY (uaid, sort_key)
  );
  CREATE UNIQUE INDEX message_version ON message (uaid, version);
  -- The arbiter of the topic upsert (INSERT … ON CONFLICT (uaid, channel_id, topic) WHERE topic IS NOT NULL).
  CREATE UNIQUE INDEX message_topic ON message (uaid, channel_id, topic) WHERE topic IS NOT NULL;
  CREATE INDEX message_expiry ON message (expiry);
  `,
  // 2: a bridged user's routing data (docs/bridges.md), JSON text; null for WebPush users.
  `ALTER TABLE router ADD COLUMN router_data TEXT`,
  // 3: whether the sender asked for a push receipt (1 or 0), so the ack of a stored message need
  // not open its id to know; null for messages stored before (their id tells).
  `ALTER TABLE message ADD COLUMN receipt INTEGER`,
];

/** Any fixed 64-bit number; every Herald node migrating a database takes the same lock. */
const MIGRATION_LOCK = 0x4845_5241_4c44; // "HERALD"

/**
 * Bring the schema up to date in one transaction under a transaction-scoped advisory lock, so
 * nodes starting at once apply each step exactly once: the others wait, then find nothing to do.
 */
export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS herald_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM herald_schema');
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(
        `PostgreSQL database schema version ${current} is newer than this Herald build knows (${migrations.length}); upgrade Herald or use another database`,
      );
    }
    for (let step = current; step < migrations.length; step++) {
      await client.query(migrations[step] as string);
      await client.query('INSERT INTO herald_schema (version) VALUES ($1)', [step + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
