/**
 * What the account API's quotas count on (docs/device-messages.md "Quotas"): the mailbox's
 * `usage` and the account store's `trimSessions`, the same on every backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountFixture } from './fixture.js';
import { hex, newUid } from './fixture.js';
import type { MailboxFixture } from './mailbox.js';

const HOUR = 3600;

export function mailboxUsageCases(f: MailboxFixture): void {
  describe('usage', () => {
    it('counts unexpired entries and their UTF-8 bytes per device (both boxes) and per account', async () => {
      const uid = newUid();
      const phone = hex(16);
      const laptop = hex(16);
      await f.store.append({ uid, deviceId: phone, box: 'commands' }, 'abc', HOUR);
      await f.store.append({ uid, deviceId: phone, box: 'messages' }, 'é€', HOUR); // 2 + 3 bytes
      await f.store.append({ uid, deviceId: laptop, box: 'commands' }, '1234567', HOUR);
      await f.store.append({ uid: newUid(), deviceId: phone, box: 'commands' }, 'another account', HOUR);
      assert.deepEqual(await f.store.usage(uid, phone), { device: { messages: 2, bytes: 8 }, account: { messages: 3, bytes: 15 } });
      assert.deepEqual(await f.store.usage(uid, hex(16)), { device: { messages: 0, bytes: 0 }, account: { messages: 3, bytes: 15 } });
    });

    it('leaves out expired entries, swept or not, and is zero for an unknown account', async () => {
      const uid = newUid();
      const device = hex(16);
      await f.store.append({ uid, deviceId: device, box: 'commands' }, 'short', 1);
      await f.store.append({ uid, deviceId: device, box: 'commands' }, 'long', HOUR);
      f.clock.advance(2000);
      assert.deepEqual(await f.store.usage(uid, device), { device: { messages: 1, bytes: 4 }, account: { messages: 1, bytes: 4 } });
      assert.deepEqual(await f.store.usage(newUid(), device), { device: { messages: 0, bytes: 0 }, account: { messages: 0, bytes: 0 } });
    });
  });
}

export function sessionQuotaCases(f: AccountFixture): void {
  describe('trimSessions', () => {
    it('signs out idle sessions without a device, least recently used first, down to `keep`', async () => {
      const uid = await f.account();
      const oldest = await f.session(uid);
      f.clock.advance(1000);
      const device = await f.device(uid); // its session is older than the next ones, and stays
      f.clock.advance(1000);
      const middle = await f.session(uid);
      f.clock.advance(1000);
      const newest = await f.session(uid);
      f.clock.advance(1000);
      await f.store.touchSession(oldest, f.clock.now()); // used lately: now the most recent
      assert.equal(await f.store.trimSessions(uid, 3), 3);
      assert.equal(await f.store.getSession(middle), null, 'the least recently used idle session went');
      for (const id of [oldest, device.sessionId, newest]) assert.notEqual(await f.store.getSession(id), null);
      assert.equal(await f.store.trimSessions(uid, 3), 3, 'nothing more to do');
    });

    it('never signs out a session with a device, and reports what is left over `keep`', async () => {
      const uid = await f.account();
      const a = await f.device(uid);
      const b = await f.device(uid);
      const idle = await f.session(uid);
      assert.equal(await f.store.trimSessions(uid, 1), 2);
      assert.equal(await f.store.getSession(idle), null);
      assert.equal((await f.store.listDevices(uid)).length, 2);
      for (const id of [a.sessionId, b.sessionId]) assert.notEqual(await f.store.getSession(id), null);
    });

    it('counts only the account\'s own sessions', async () => {
      const uid = await f.account();
      const other = await f.account();
      await f.session(other);
      await f.session(other);
      const mine = await f.session(uid);
      assert.equal(await f.store.trimSessions(uid, 1), 1);
      assert.notEqual(await f.store.getSession(mine), null);
      assert.equal(await f.store.trimSessions(newUid(), 0), 0);
    });
  });
}
