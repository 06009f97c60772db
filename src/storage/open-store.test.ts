import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseStoreDsn } from './open-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-open-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('parseStoreDsn', () => {
  it('reads sqlite:PATH, sqlite://PATH and sqlite::memory:', () => {
    assert.deepEqual(parseStoreDsn('sqlite:./data/herald.db'), { backend: 'sqlite', path: './data/herald.db' });
    assert.deepEqual(parseStoreDsn('sqlite:///var/lib/herald.db'), { backend: 'sqlite', path: '/var/lib/herald.db' });
    assert.deepEqual(parseStoreDsn('sqlite://data/herald.db'), { backend: 'sqlite', path: 'data/herald.db' });
    assert.deepEqual(parseStoreDsn('sqlite::memory:'), { backend: 'sqlite', path: ':memory:' });
  });

  it('reads a bare path ending in .db, .sqlite or .sqlite3 as SQLite', () => {
    assert.deepEqual(parseStoreDsn('/tmp/x/herald.db'), { backend: 'sqlite', path: '/tmp/x/herald.db' });
    assert.deepEqual(parseStoreDsn('herald.sqlite3'), { backend: 'sqlite', path: 'herald.sqlite3' });
    assert.deepEqual(parseStoreDsn('C:\\data\\herald.db'), { backend: 'sqlite', path: 'C:\\data\\herald.db' });
  });

  it('recognises postgres://, postgresql:// and redis:// URLs', () => {
    assert.equal(parseStoreDsn('postgres://u:p@db/herald').backend, 'postgres');
    assert.equal(parseStoreDsn('postgresql://db/herald').backend, 'postgres');
    assert.equal(parseStoreDsn('redis://localhost:6379/0').backend, 'redis');
  });

  it('rejects anything else with an error listing the accepted forms', () => {
    for (const dsn of ['mysql://db/herald', './data/herald', 'memory', 'sqlite:', 'sqlite://', 'http://x/herald.db']) {
      assert.throws(() => parseStoreDsn(dsn), /sqlite:PATH, sqlite:\/\/PATH/, dsn);
    }
  });
});

describe('openStore', () => {
  it('opens a SQLite store from sqlite:PATH, creating the parent directory', async () => {
    const path = join(dir, 'nested', 'deeper', 'herald.db');
    const store = await openStore(`sqlite:${path}`, { routerTtlDays: 30 });
    try {
      assert.ok(store instanceof SqliteStore);
      assert.equal(await store.healthCheck(), true);
      assert.ok(existsSync(path));
    } finally {
      await store.close();
    }
  });

  it('opens the same data from a bare .db path and from sqlite://PATH', async () => {
    const path = join(dir, 'same.db');
    const a = await openStore(path);
    await a.addUser({ uaid: 'a'.repeat(32), connectedAt: 1, nodeId: null });
    await a.close();
    const b = await openStore(`sqlite://${path}`);
    try {
      assert.equal((await b.getUser('a'.repeat(32)))?.connectedAt, 1);
    } finally {
      await b.close();
    }
  });

  it('opens an in-memory SQLite store from sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    assert.equal(await store.healthCheck(), true);
    await store.close();
  });

  it('says PostgreSQL and Redis are planned and points at sqlite:PATH', async () => {
    await assert.rejects(openStore('postgres://localhost/herald'), /PostgreSQL storage is planned; use sqlite:PATH/);
    await assert.rejects(openStore('postgresql://localhost/herald'), /PostgreSQL storage is planned/);
    await assert.rejects(openStore('redis://localhost:6379'), /Redis storage is planned; use sqlite:PATH/);
  });

  it('rejects an unknown DSN listing the accepted forms', async () => {
    await assert.rejects(openStore('mongodb://localhost/herald'), /Unsupported storage DSN "mongodb:\/\/localhost\/herald"; use sqlite:PATH/);
  });
});
