import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../test/support/servers.js';
import { runStoreConformance } from '../conformance.js';
import { alternating } from '../conformance/alternating.js';
import { StoreBusyError } from '../store.js';
import { migrations } from './migrations.js';
import { openPostgresStore } from './postgres-store.js';

// A real server for this file; without one a local run skips with the reason, CI fails.
let server: PostgresServer | undefined;
let unavailable: string | undefined;
try {
  server = await startPostgres();
  after(() => server?.stop());
} catch (err) {
  if (process.env.CI) throw err;
  unavailable = `no PostgreSQL server: ${(err as Error).message}`;
}
const dsn = server?.dsn ?? '';

runStoreConformance({
  name: 'PostgreSQL',
  skip: unavailable,
  open: (opts) => openPostgresStore(dsn, { ...opts, poolSize: 4 }),
});

runStoreConformance({
  name: 'PostgreSQL, every call alternating between two pools on one database',
  skip: unavailable,
  open: async (opts) => alternating(await openPostgresStore(dsn, { ...opts, poolSize: 2 }), await openPostgresStore(dsn, { ...opts, poolSize: 2 })),
});

const message = (version: string) => ({
  channelID: '0c8e1b9e-6b0e-4b55-9d4b-4d1b3e1c0a01',
  version,
  ttl: 3600,
  topic: null,
  timestamp: Math.floor(Date.now() / 1000),
});
let uaids = 0;
const newUaid = () => (++uaids).toString(16).padStart(32, 'f');

async function sql<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

let databases = 0;
const freshDatabase = () => (server as PostgresServer).createDatabase(`fresh_${++databases}`);

describe('PostgresStore', { skip: unavailable }, () => {
  describe('schema migrations', () => {
    it('records each applied step in herald_schema, and reopening applies none again', async () => {
      const url = await freshDatabase();
      await (await openPostgresStore(url)).close();
      await (await openPostgresStore(url)).close();
      const rows = await sql<{ version: number }>(url, 'SELECT version FROM herald_schema ORDER BY version');
      assert.deepEqual(
        rows.map((r) => r.version),
        migrations.map((_, i) => i + 1),
      );
    });

    it('three stores opening a fresh database at once migrate it exactly once and all work', async () => {
      const url = await freshDatabase();
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
      try {
        const uaid = newUaid();
        const created = await Promise.all(stores.map((s) => s.addUser({ uaid, connectedAt: 1, nodeId: null })));
        assert.equal(created.filter(Boolean).length, 1, 'exactly one addUser created the record');
        const rows = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM herald_schema');
        assert.equal(rows[0]?.n, migrations.length);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('refuses a database whose schema is newer than this build, naming both versions', async () => {
      const url = await freshDatabase();
      await (await openPostgresStore(url)).close();
      await sql(url, `INSERT INTO herald_schema (version) VALUES (${migrations.length + 1})`);
      await assert.rejects(
        openPostgresStore(url),
        new RegExp(`schema version ${migrations.length + 1} is newer than this Herald build knows \\(${migrations.length}\\)`),
      );
    });
  });

  describe('a hello racing a save (READ COMMITTED)', () => {
    it('says messages may be stored when a save commits while the hello waits for the record lock', async () => {
      const store = await openPostgresStore(dsn, { poolSize: 2 });
      const saver = new pg.Client({ connectionString: dsn });
      await saver.connect();
      try {
        const uaid = newUaid();
        await store.addUser({ uaid, connectedAt: 1, nodeId: null });
        // A save as postgres-store.ts runs it: the router row locked by the sort-key update, then the insert.
        await saver.query('BEGIN');
        await saver.query('UPDATE router SET next_sort_key = next_sort_key + 1 WHERE uaid = $1', [uaid]);
        await saver.query(
          `INSERT INTO message (uaid, sort_key, channel_id, version, ttl, timestamp, expiry) VALUES ($1, 1, 'c', 'raced', 3600, 0, 99999999999)`,
          [uaid],
        );
        const hello = store.connectUser(uaid, 2, 'http://node-a');
        // Its snapshot is taken: it waits for the saver's lock. Its message probe cannot see the
        // save committed now, and the saver may re-read the record before the hello commits.
        for (let waited = 0; ; waited++) {
          const { rows } = await saver.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%WITH old AS%FOR UPDATE%'",
          );
          if ((rows[0]?.n ?? 0) > 0) break;
          assert.ok(waited < 1000, 'the hello waits for the lock');
          await new Promise((r) => setTimeout(r, 10));
        }
        await saver.query('COMMIT');
        const got = await hello;
        assert.equal(got.outcome, 'connected');
        assert.equal(got.outcome === 'connected' && got.mayHaveMessages, true);
      } finally {
        await saver.end();
        await store.close();
      }
    });
  });

  describe('outages', () => {
    it('maps a stopped server to StoreBusyError, and works again once it is back', async () => {
      const pgServer = server as PostgresServer;
      const store = await openPostgresStore(dsn, { connectTimeoutMs: 2000 });
      try {
        const uaid = newUaid();
        await store.addUser({ uaid, connectedAt: 1, nodeId: null });
        await pgServer.halt();
        try {
          await assert.rejects(store.saveMessage(uaid, message('during-outage')), StoreBusyError);
          await assert.rejects(store.getUser(uaid), StoreBusyError);
          await assert.rejects(store.addUser({ uaid: newUaid(), connectedAt: 1, nodeId: null }), StoreBusyError);
          assert.equal(await store.healthCheck(), false);
        } finally {
          await pgServer.resume();
        }
        assert.equal(await store.healthCheck(), true);
        assert.ok((await store.saveMessage(uaid, message('after-outage'))) > 0);
        assert.deepEqual(
          (await store.fetchTimestampMessages(uaid, 0, 10)).map((m) => m.version),
          ['after-outage'],
        );
      } finally {
        await store.close();
      }
    });

    it('opening against a server that is not there rejects with StoreBusyError', async () => {
      const url = new URL(dsn);
      url.port = '1';
      await assert.rejects(openPostgresStore(url.href), StoreBusyError);
    });

    it('rejects calls on a closed store', async () => {
      const store = await openPostgresStore(dsn);
      await store.close();
      await assert.rejects(store.getUser(newUaid()), /closed/);
    });
  });
});
