import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations as pushMigrations } from '../../sqlite/migrations.js';
import { openSqliteStore } from '../../sqlite/sqlite-store.js';
import { runAccountStoreConformance, runMailboxStoreConformance } from '../conformance.js';
import { openAccountStores } from '../open-account-stores.js';
import { accountMigrations, migrateAccounts } from './migrations.js';
import { openSqliteAccountStore } from './sqlite-account-store.js';
import { openSqliteMailboxStore } from './sqlite-mailbox-store.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-accounts-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `accounts-${++files}.db`);

runAccountStoreConformance({ name: 'SQLite file', open: (() => { const file = freshFile(); return () => openSqliteAccountStore(file); })() });
runAccountStoreConformance({ name: 'SQLite :memory:', open: () => openSqliteAccountStore(':memory:'), notShared: 'an in-memory database is private to its connection' });
runMailboxStoreConformance({ name: 'SQLite file', open: (() => { const file = freshFile(); return (o) => openSqliteMailboxStore(file, o); })() });
runMailboxStoreConformance({ name: 'SQLite :memory:', open: (o) => openSqliteMailboxStore(':memory:', o), notShared: 'an in-memory database is private to its connection' });

describe('accounts tables beside the push store in one SQLite file', () => {
  for (const order of ['push store first', 'account stores first'] as const) {
    it(`migrate independently of PRAGMA user_version (${order})`, async () => {
      const file = freshFile();
      const openPush = () => openSqliteStore(file);
      const openAccounts = () => openAccountStores(`sqlite:${file}`);
      const first = order === 'push store first' ? await openPush() : await openAccounts();
      const second = order === 'push store first' ? await openAccounts() : await openPush();
      const push = 'addUser' in first ? first : (second as Awaited<ReturnType<typeof openPush>>);
      const acc = 'accounts' in first ? first : (second as Awaited<ReturnType<typeof openAccounts>>);
      assert.equal(await push.addUser({ uaid: 'a'.repeat(32), connectedAt: 1, nodeId: null }), true);
      assert.equal(await acc.accounts.createAccount({ uid: 'b'.repeat(32), email: 'x@example.com', passwordHash: 'h', displayName: null, createdAt: 1 }), true);
      assert.ok((await acc.mailbox.append({ uid: 'b'.repeat(32), deviceId: 'c'.repeat(32), box: 'commands' }, 'd', 60)) > 0);
      await push.close();
      await acc.close();

      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), pushMigrations.length, 'the push store\'s version is its own');
      assert.equal(db.prepare("SELECT version FROM herald_schema_part WHERE part = 'accounts'").pluck().get(), accountMigrations.length);
      db.close();
      // Reopening applies nothing twice.
      const again = await openAccountStores(`sqlite:${file}`);
      assert.equal((await again.accounts.findAccountByEmail('x@example.com'))?.uid, 'b'.repeat(32));
      await again.close();
      const pushAgain = await openSqliteStore(file);
      assert.notEqual(await pushAgain.getUser('a'.repeat(32)), null);
      await pushAgain.close();
    });
  }

  it('refuses a database whose accounts tables are newer than this build', () => {
    const db = new Database(':memory:');
    migrateAccounts(db);
    db.prepare("UPDATE herald_schema_part SET version = 99 WHERE part = 'accounts'").run();
    assert.throws(() => migrateAccounts(db), /schema version 99, newer than this Herald build/);
    db.close();
  });

  it('refuses a DSN that names no storage backend', async () => {
    await assert.rejects(openAccountStores('mysql://db/herald'), /Unsupported storage DSN/);
  });
});
