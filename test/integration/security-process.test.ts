/**
 * Security findings that only a whole `herald serve` process shows (docs/security.md): SIGTERM
 * with the admin port on closes the store and exits 0 on every backend; a DSN's password never
 * reaches the banner or the log; the default SQLite files are private to their owner.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startHerald } from './helpers/herald-process.js';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from '../support/servers.js';

const PASSWORD = 'SuperSecretPW';

describe('herald serve process security', () => {
  let pg: PostgresServer;
  let redis: RedisServer;
  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis({ password: PASSWORD })]);
  });
  after(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  for (const backend of ['sqlite', 'postgres', 'redis'] as const) {
    it(`exits 0 on SIGTERM with the admin port on (${backend}), and the store is closed`, async () => {
      const db = backend === 'sqlite' ? undefined : backend === 'postgres' ? pg.dsn : redis.dsn;
      const herald = await startHerald({ ...(db ? { db } : {}), args: ['--admin-port', String(await freePort()), '--admin-host', '127.0.0.1', '--log-level', 'info'] });
      try {
        assert.equal(await herald.stop('SIGTERM'), 0, herald.output());
        assert.doesNotMatch(herald.output(), /shutdown failed|TypeError|private member/);
      } finally {
        await herald.dispose();
      }
    });
  }

  it('never prints a DSN password, in the banner or the log', async () => {
    const herald = await startHerald({ db: redis.dsn, args: ['--log-level', 'debug'] });
    try {
      assert.ok(redis.dsn.includes(PASSWORD), 'the DSN carries the password');
      assert.match(herald.output(), /Storage:\s+redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0/);
      await fetch(`${herald.publicUrl}/__heartbeat__`);
      assert.equal(await herald.stop('SIGTERM'), 0);
      assert.ok(!herald.output().includes(PASSWORD), herald.output());
    } finally {
      await herald.dispose();
    }
  });

  it('keeps the SQLite files and the keys file private to their owner', async () => {
    const herald = await startHerald();
    try {
      const db = join(herald.dataDir, 'herald.db');
      for (const f of [db, `${db}-wal`, `${db}-shm`, join(herald.dataDir, 'herald-keys.json')]) {
        assert.equal((statSync(f).mode & 0o777).toString(8), '600', f);
      }
    } finally {
      await herald.dispose();
    }
  });
});
