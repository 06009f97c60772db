import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, parseStoreDsn } from './open-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { RedisStore } from './redis/redis-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { StoreBusyError } from './store.js';
import { startPostgres, startRedis } from '../../test/support/servers.js';

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

  it('recognises postgres://, postgresql://, redis:// and rediss:// URLs, keeping the URL whole', () => {
    assert.deepEqual(parseStoreDsn('postgres://u:p@db/herald'), { backend: 'postgres', url: 'postgres://u:p@db/herald' });
    assert.equal(parseStoreDsn('postgresql://db/herald').backend, 'postgres');
    assert.equal(parseStoreDsn('POSTGRES://db/herald').backend, 'postgres');
    assert.deepEqual(parseStoreDsn('redis://localhost:6379/0'), { backend: 'redis', url: 'redis://localhost:6379/0' });
    assert.equal(parseStoreDsn('rediss://cache.example:6380').backend, 'redis');
  });

  it('rejects anything else with an error listing the accepted forms', () => {
    for (const dsn of ['mysql://db/herald', './data/herald', 'memory', 'sqlite:', 'sqlite://', 'http://x/herald.db']) {
      assert.throws(() => parseStoreDsn(dsn), /sqlite:PATH, sqlite:\/\/PATH.*postgres:\/\/USER@HOST\/DB.*redis:\/\/HOST:PORT\/DB/, dsn);
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

  it('opens a PostgresStore from postgres:// and postgresql://, and a RedisStore from redis://', async (t) => {
    const [pgServer, redisServer] = await Promise.all([startPostgres(), startRedis()]);
    t.after(() => Promise.all([pgServer.stop(), redisServer.stop()]));
    const dsns = [pgServer.dsn, pgServer.dsn.replace(/^postgres:/, 'postgresql:'), redisServer.dsn];
    const stores = await Promise.all(dsns.map((dsn) => openStore(dsn, { routerTtlDays: 30 })));
    try {
      assert.ok(stores[0] instanceof PostgresStore);
      assert.ok(stores[1] instanceof PostgresStore);
      assert.ok(stores[2] instanceof RedisStore);
      for (const store of stores) assert.equal(await store.healthCheck(), true);
      // The two Postgres DSNs reach the same database.
      await stores[0]?.addUser({ uaid: 'b'.repeat(32), connectedAt: 7, nodeId: null });
      assert.equal((await stores[1]?.getUser('b'.repeat(32)))?.connectedAt, 7);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('rejects an unreachable PostgreSQL or Redis server with StoreBusyError', async () => {
    await assert.rejects(openStore('postgres://postgres@127.0.0.1:1/herald'), StoreBusyError);
    await assert.rejects(openStore('redis://127.0.0.1:1/0'), StoreBusyError);
  });

  it('loads neither pg nor ioredis for a SQLite DSN', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const code = `
        const { openStore } = await import(${JSON.stringify(new URL('./open-store.ts', import.meta.url).href)});
        await (await openStore('sqlite::memory:')).close();
        const { createRequire } = await import('node:module');
        const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /node_modules[\\/](pg|ioredis)[\\/]/.test(f));
        console.log(JSON.stringify(loaded));`;
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: fileURLToPath(new URL('../../', import.meta.url)), timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    assert.deepEqual(JSON.parse(out), []);
  });

  it('rejects an unknown DSN listing the accepted forms', async () => {
    await assert.rejects(openStore('mongodb://localhost/herald'), /Unsupported storage DSN "mongodb:\/\/localhost\/herald"; use sqlite:PATH/);
  });
});
