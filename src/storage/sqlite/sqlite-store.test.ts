import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runStoreConformance } from '../conformance.js';
import { alternating } from '../conformance/alternating.js';
import { StoreBusyError } from '../store.js';
import { migrations } from './migrations.js';
import { openSqliteStore, SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `store-${++files}.db`);

runStoreConformance({
  name: 'SQLite file',
  open: (() => {
    const file = freshFile();
    return (opts) => openSqliteStore(file, opts);
  })(),
});

runStoreConformance({
  name: 'SQLite, every call alternating between two connections on one file',
  open: (() => {
    const file = freshFile();
    return async (opts) => alternating(await openSqliteStore(file, opts), await openSqliteStore(file, opts));
  })(),
});

runStoreConformance({
  name: 'SQLite :memory:',
  open: (opts) => openSqliteStore(':memory:', opts),
  notShared: 'an in-memory database is private to its connection',
});

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const storeModule = new URL('./sqlite-store.ts', import.meta.url).href;

/** Run ES-module code in a second Node process (through tsx, as the tests run) and return its stdout. */
function inChildProcess(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { openSqliteStore } = await import(${JSON.stringify(storeModule)});\n${code}`],
      { cwd: repoRoot, timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`child failed: ${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

const uaid = (c: string) => c.repeat(32);
const message = (version: string) => ({
  channelID: '0c8e1b9e-6b0e-4b55-9d4b-4d1b3e1c0a01',
  version,
  ttl: 3600,
  topic: null,
  timestamp: Math.floor(Date.now() / 1000),
});

describe('SqliteStore', () => {
  describe('schema migrations', () => {
    it('sets user_version to the number of migrations', async () => {
      const file = freshFile();
      await (await openSqliteStore(file)).close();
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
      db.close();
    });

    it('reopening applies no migration again and keeps the data', async () => {
      const file = freshFile();
      const first = await openSqliteStore(file);
      await first.addUser({ uaid: uaid('a'), connectedAt: 1, nodeId: null });
      await first.addChannel(uaid('a'), 'c1');
      const key = await first.saveMessage(uaid('a'), message('v1'));
      await first.close();

      const second = await openSqliteStore(file);
      try {
        assert.equal((await second.getUser(uaid('a')))?.connectedAt, 1);
        assert.deepEqual(await second.getChannels(uaid('a')), new Set(['c1']));
        assert.deepEqual(
          (await second.fetchTimestampMessages(uaid('a'), 0, 10)).map((m) => m.sortKey),
          [key],
        );
        assert.ok((await second.saveMessage(uaid('a'), message('v2'))) > key, 'the sort key counter survives a reopen');
      } finally {
        await second.close();
      }
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
      db.close();
    });

    it('refuses a database whose schema is newer than this build, naming both versions', async () => {
      const file = freshFile();
      const db = new Database(file);
      db.pragma(`user_version = ${migrations.length + 1}`);
      db.close();
      await assert.rejects(openSqliteStore(file), new RegExp(`schema version ${migrations.length + 1} is newer than this Herald build knows \\(${migrations.length}\\)`));
    });

    it('leaves the file in WAL mode so other processes can read while one writes', async () => {
      const file = freshFile();
      await (await openSqliteStore(file)).close();
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
    });
  });

  describe('opening', () => {
    it('keeps savepoint journals in memory (temp_store), not in temporary files', async () => {
      const db = new Database(':memory:');
      const store = new SqliteStore(db);
      assert.equal(db.pragma('temp_store', { simple: true }), 2);
      await store.close();
    });

    it('creates the parent directories of the file', async () => {
      const store = await openSqliteStore(join(dir, 'a', 'b', 'c', 'herald.db'));
      assert.equal(await store.healthCheck(), true);
      await store.close();
    });

    it('rejects a path under a regular file with the file-system error, not a busy error', async () => {
      const file = join(dir, 'plain-file');
      writeFileSync(file, 'not a directory');
      await assert.rejects(openSqliteStore(join(file, 'x.db')), (err: unknown) => !(err instanceof StoreBusyError) && /ENOTDIR|EEXIST/.test(String(err)));
    });
  });

  describe('locking', () => {
    it('maps a write lock held past busy_timeout to StoreBusyError', async () => {
      const file = freshFile();
      const store = await openSqliteStore(file, { busyTimeoutMs: 50 });
      await store.addUser({ uaid: uaid('b'), connectedAt: 1, nodeId: null });
      const holder = new Database(file);
      holder.exec('BEGIN IMMEDIATE');
      try {
        await assert.rejects(store.saveMessage(uaid('b'), message('v1')), StoreBusyError);
        assert.equal((await store.getUser(uaid('b')))?.connectedAt, 1, 'reads still work beside the writer (WAL)');
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      assert.ok((await store.saveMessage(uaid('b'), message('v1'))) > 0, 'works again once the lock is gone');
      await store.close();
    });

    it('rejects calls on a closed store', async () => {
      const store = await openSqliteStore(':memory:');
      await store.close();
      await assert.rejects(store.getUser(uaid('c')), /closed/);
    });
  });

  describe('several processes on one file', () => {
    it("sees a second process's writes", async () => {
      const file = freshFile();
      const store = await openSqliteStore(file);
      await store.addUser({ uaid: uaid('d'), connectedAt: 1, nodeId: null });
      await inChildProcess(`
        const s = await openSqliteStore(${JSON.stringify(file)});
        await s.addChannel(${JSON.stringify(uaid('d'))}, 'from-child');
        await s.saveMessage(${JSON.stringify(uaid('d'))}, ${JSON.stringify(message('child-v1'))});
        await s.connectUser(${JSON.stringify(uaid('d'))}, 2, 'http://child');
        await s.close();`);
      try {
        assert.equal((await store.getUser(uaid('d')))?.nodeId, 'http://child');
        assert.equal(await store.hasChannel(uaid('d'), 'from-child'), true);
        assert.deepEqual(
          (await store.fetchTimestampMessages(uaid('d'), 0, 10)).map((m) => m.version),
          ['child-v1'],
        );
      } finally {
        await store.close();
      }
    });

    it('processes opening a fresh file at once migrate it once, and concurrent saves get unique increasing sort keys', async (t) => {
      const file = freshFile();
      const perWriter = 1000;
      // A start line after every child's start-up, so the writers overlap instead of taking turns.
      const startAt = Date.now() + 2000;
      const writer = (name: string) =>
        inChildProcess(`
          const s = await openSqliteStore(${JSON.stringify(file)});
          const created = await s.addUser({ uaid: ${JSON.stringify(uaid('e'))}, connectedAt: 1, nodeId: null });
          while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 2));
          const keys = [];
          for (let i = 0; i < ${perWriter}; i++) {
            keys.push(await s.saveMessage(${JSON.stringify(uaid('e'))}, { ...${JSON.stringify(message(''))}, version: '${name}-' + i }));
          }
          await s.close();
          console.log(JSON.stringify({ created, keys }));`);
      const results = (await Promise.all(['p1', 'p2', 'p3'].map(writer))).map(
        (out) => JSON.parse(out) as { created: boolean; keys: number[] },
      );
      assert.equal(results.filter((r) => r.created).length, 1, 'exactly one process created the user');

      const store = await openSqliteStore(file);
      try {
        const stored = await store.fetchTimestampMessages(uaid('e'), 0, 10_000);
        assert.equal(stored.length, 3 * perWriter);
        const keys = stored.map((m) => m.sortKey);
        assert.equal(new Set(keys).size, keys.length, 'no two messages share a sort key');
        for (const name of ['p1', 'p2', 'p3']) {
          const own = stored.filter((m) => m.version.startsWith(`${name}-`)).map((m) => Number(m.version.slice(3)));
          assert.deepEqual(own, [...own].sort((x, y) => x - y), `${name}'s saves are stored in its commit order`);
        }
        for (const r of results) assert.deepEqual(r.keys, [...r.keys].sort((x, y) => x - y));
        const switches = stored.filter((m, i) => i > 0 && m.version.slice(0, 2) !== stored[i - 1]?.version.slice(0, 2)).length;
        t.diagnostic(`writer switches in sort-key order: ${switches}`);
      } finally {
        await store.close();
      }
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
      db.close();
    });
  });
});
