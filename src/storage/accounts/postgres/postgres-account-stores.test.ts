import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../../test/support/servers.js';
import { openPostgresStore } from '../../postgres/postgres-store.js';
import { migrations as pushMigrations } from '../../postgres/migrations.js';
import { runAccountStoreConformance, runMailboxStoreConformance } from '../conformance.js';
import { openAccountStores } from '../open-account-stores.js';
import { accountMigrations, SCHEMA_TABLE } from './migrations.js';
import { openPostgresAccountStore } from './postgres-account-store.js';
import { openPostgresMailboxStore } from './postgres-mailbox-store.js';

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

runAccountStoreConformance({ name: 'PostgreSQL', skip: unavailable, open: () => openPostgresAccountStore(dsn, { poolSize: 4 }) });
runMailboxStoreConformance({ name: 'PostgreSQL', skip: unavailable, open: (o) => openPostgresMailboxStore(dsn, { ...o, poolSize: 4 }) });

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
const freshDatabase = () => (server as PostgresServer).createDatabase(`accounts_${++databases}`);

describe('accounts tables beside the push store in one PostgreSQL database', { skip: unavailable }, () => {
  for (const order of ['push store first', 'account stores first'] as const) {
    it(`migrate independently of herald_schema (${order})`, async () => {
      const url = await freshDatabase();
      const openPush = () => openPostgresStore(url);
      const openAccounts = () => openAccountStores(url);
      const first = order === 'push store first' ? await openPush() : await openAccounts();
      const second = order === 'push store first' ? await openAccounts() : await openPush();
      const push = 'addUser' in first ? first : (second as Awaited<ReturnType<typeof openPush>>);
      const acc = 'accounts' in first ? first : (second as Awaited<ReturnType<typeof openAccounts>>);
      assert.equal(await push.addUser({ uaid: 'a'.repeat(32), connectedAt: 1, nodeId: null }), true);
      assert.equal(await acc.accounts.createAccount({ uid: 'b'.repeat(32), email: 'x@example.com', passwordHash: 'h', displayName: null, createdAt: 1 }), true);
      assert.ok((await acc.mailbox.append({ uid: 'b'.repeat(32), deviceId: 'c'.repeat(32), box: 'commands' }, 'd', 60)) > 0);
      await push.close();
      await acc.close();

      const pushVersions = await sql<{ version: number }>(url, 'SELECT version FROM herald_schema ORDER BY version');
      assert.deepEqual(pushVersions.map((r) => r.version), pushMigrations.map((_, i) => i + 1), 'the push store\'s steps are its own');
      const accVersions = await sql<{ version: number }>(url, `SELECT version FROM ${SCHEMA_TABLE} ORDER BY version`);
      assert.deepEqual(accVersions.map((r) => r.version), accountMigrations.map((_, i) => i + 1));
      // Reopening applies nothing twice.
      const again = await openAccountStores(url);
      assert.equal((await again.accounts.findAccountByEmail('x@example.com'))?.uid, 'b'.repeat(32));
      await again.close();
      const pushAgain = await openPostgresStore(url);
      assert.notEqual(await pushAgain.getUser('a'.repeat(32)), null);
      await pushAgain.close();
    });
  }

  it('applies each step once when nodes open a fresh database at once', async () => {
    const url = await freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openAccountStores(url)));
    await Promise.all(stores.map((s) => s.close()));
    const rows = await sql<{ version: number }>(url, `SELECT version FROM ${SCHEMA_TABLE} ORDER BY version`);
    assert.deepEqual(rows.map((r) => r.version), accountMigrations.map((_, i) => i + 1));
  });

  it('refuses a database whose accounts tables are newer than this build', async () => {
    const url = await freshDatabase();
    await (await openAccountStores(url)).close();
    await sql(url, `INSERT INTO ${SCHEMA_TABLE} (version) VALUES (99)`);
    await assert.rejects(openPostgresAccountStore(url), /schema version 99, newer than this Herald build/);
  });

  it('reports health, and false once closed', async () => {
    const stores = await openAccountStores(dsn);
    assert.equal(await stores.accounts.healthCheck(), true);
    assert.equal(await stores.mailbox.healthCheck(), true);
    await stores.close();
    assert.equal(await stores.accounts.healthCheck(), false);
    assert.equal(await stores.mailbox.healthCheck(), false);
  });
});
