import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../../test/support/servers.js';
import { openAccountStores } from '../accounts/open-account-stores.js';
import { openRedisBlocklist } from './redis-blocklist.js';
import { rekey } from './rekey-hash-tags.js';

// A real server for this file; without one a local run skips with the reason, CI fails.
let server: RedisServer | undefined;
let unavailable: string | undefined;
try {
  server = await startRedis();
  after(() => server?.stop());
} catch (err) {
  if (process.env.CI) throw err;
  unavailable = `no Redis server: ${(err as Error).message}`;
}

describe('rekey-hash-tags: the names before Redis Cluster support, moved', { skip: unavailable }, () => {
  it('moves accounts, sessions, devices, mailboxes and the blocklist so the current stores find them, and finds nothing the second time', async () => {
    const dsn = (server as RedisServer).dsn;
    const raw = new Redis(dsn);
    const uid = 'ab'.repeat(16);
    const sid = 'cd'.repeat(32);
    const now = Date.now();
    try {
      // The layout of the Redis account, mailbox and blocklist stores before the hash tags.
      await raw.hset(`herald:acct:${uid}`, 'email', 'old@example.com', 'ph', 'hash', 'ca', '1');
      await raw.set('herald:acct-email:old@example.com', uid);
      await raw.sadd(`herald:acct:${uid}:sessions`, sid);
      await raw.sadd(`herald:acct:${uid}:devices`, 'dev1');
      await raw.hset(`herald:session:${sid}`, 'uid', uid, 'ca', '1', 'la', '5', 'dev', 'dev1');
      await raw.hset(`herald:device:${uid}:dev1`, 'sid', sid, 'name', 'phone', 'type', 'mobile', 'ca', '2', 'x', '0', 'caps', '[]', 'cmds', '{}');
      await raw.zadd(`herald:mailbox:${uid}:dev1:messages`, 7, '7');
      await raw.hset(`herald:mailbox:${uid}:dev1:messages:data`, '7', `${now + 60_000}:hello`);
      await raw.sadd(`herald:mailbox:${uid}:devices`, 'dev1');
      await raw.zadd('herald:mailbox-expiry', now + 60_000, `${uid}:dev1:messages:7`);
      await raw.zadd('herald:blocklist', now + 60_000, '192.0.2.7');
      await raw.hset('herald:blocklist:info', '192.0.2.7', JSON.stringify({ reason: 'abuse', createdAt: 1 }));
      await raw.hset('herald:{0123456789abcdef0123456789abcdef}:user', 'lu', '1');

      const dry = await rekey(raw, 'herald:', true);
      assert.deepEqual(dry, { renamed: 11, pointers: 1, expiryEntries: 1 });
      assert.equal(await raw.exists(`herald:acct:${uid}`), 1, 'a dry run changes nothing');
      assert.deepEqual(await rekey(raw, 'herald:'), dry);
      assert.deepEqual(await rekey(raw, 'herald:'), { renamed: 0, pointers: 0, expiryEntries: 0 });
      assert.equal(await raw.exists('herald:{0123456789abcdef0123456789abcdef}:user'), 1, 'push store keys are left alone');

      const stores = await openAccountStores(dsn);
      const blocklist = await openRedisBlocklist(dsn);
      try {
        assert.equal((await stores.accounts.findAccountByEmail('old@example.com'))?.uid, uid);
        assert.deepEqual(await stores.accounts.getSession(sid), { id: sid, uid, createdAt: 1, lastAccessTime: 5, deviceId: 'dev1', verified: true });
        assert.deepEqual((await stores.accounts.listDevices(uid)).map((d) => [d.id, d.name, d.lastAccessTime]), [['dev1', 'phone', 5]]);
        assert.deepEqual(await stores.mailbox.read({ uid, deviceId: 'dev1', box: 'messages' }, 0, 10), { messages: [{ index: 7, data: 'hello' }], last: true });
        assert.equal((await stores.mailbox.usage(uid, 'dev1')).device.messages, 1, 'the expiry entry moved with it');
        assert.equal(await blocklist.isBlocked('192.0.2.7', now), true);
      } finally {
        await stores.close();
        await blocklist.close();
      }
    } finally {
      raw.disconnect();
    }
  });
});
