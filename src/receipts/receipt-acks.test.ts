import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MultiFernet, generateFernetKey } from '../crypto/fernet.js';
import { makeMessageId, parseMessageId, receiptKey } from '../crypto/message-id.js';
import type { ReceiptStore } from '../storage/receipt-store.js';
import { openSqliteReceipts } from '../storage/sqlite/sqlite-receipts.js';
import { receiptAckHandler } from './receipt-acks.js';
import { ReceiptBus } from './receipt-bus.js';

const cipher = new MultiFernet([generateFernetKey()]);
const UAID = 'deadbeef00000000decafbad00000000';
const CHID = 'decafbad-0000-4000-a000-000000000123';
const NOW = Date.now();
const SUB = 'abcdefghijklmnopqrstuv';

describe('receiptAckHandler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-receipt-acks-'));
  let store: ReceiptStore;
  const bus = new ReceiptBus();
  const woken: string[] = [];
  const warned: object[] = [];
  before(async () => {
    store = await openSqliteReceipts(join(dir, 'r.db'));
    await store.createSubscription({ id: SUB, owner: 'ip:127.0.0.1', createdAt: NOW, expiresAt: NOW + 60_000 }, 10, NOW);
    bus.listen(SUB, () => woken.push(SUB));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const handler = (s: ReceiptStore) => receiptAckHandler({ store: s, cipher, bus, maxQueued: 10, nowMs: () => NOW, log: { warn: (o) => warned.push(o) } });

  it('queues the receipt of an acked push that asked for one (also under a redelivered id) and wakes its stream', async () => {
    const m = { uaid: UAID, channelID: CHID, topic: null, receivedMicros: 42, receipt: true };
    const version = makeMessageId(cipher, m);
    await store.addPending({ key: receiptKey(parseMessageId(cipher, version))!, subscriptionId: SUB, messageId: version, expiresAt: NOW + 5000 });
    await handler(store)({ version: makeMessageId(cipher, { ...m, redelivery: 1 }) });
    assert.deepEqual(await store.queued(SUB, NOW, 10), [{ messageId: version, queuedAt: NOW }]);
    assert.deepEqual(woken, [SUB]);
  });

  it('ignores ids without a receipt request and ids that are not ours', async () => {
    const failing = new Proxy(store, { get: () => () => Promise.reject(new Error('must not be called')) });
    await handler(failing)({ version: makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: 'x', receivedMicros: 1 }) });
    await handler(failing)({ version: 'not-an-id' });
    assert.deepEqual(warned, []);
  });

  it('trusts a live message that says no receipt was asked, without opening its id', async () => {
    const failing = new Proxy(store, { get: () => () => Promise.reject(new Error('must not be called')) });
    let opened = 0;
    const counting = new Proxy(cipher, {
      get: (t, k) => (k === 'decrypt' ? (id: string) => (opened++, t.decrypt(id)) : Reflect.get(t, k)),
    });
    const h = receiptAckHandler({ store: failing, cipher: counting, bus, maxQueued: 10, nowMs: () => NOW, log: { warn: (o) => warned.push(o) } });
    await h({ version: makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: null, receivedMicros: 3 }), receipt: false });
    assert.equal(opened, 0);
    // Stored by an older Herald (no flag): the id is opened and says no receipt.
    await h({ version: makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: null, receivedMicros: 4 }) });
    assert.equal(opened, 1);
    assert.deepEqual(warned, []);
  });

  it('logs a storage failure and does not throw', async () => {
    const failing = new Proxy(store, { get: () => () => Promise.reject(new Error('down')) });
    await handler(failing)({ version: makeMessageId(cipher, { uaid: UAID, channelID: CHID, topic: null, receivedMicros: 7, receipt: true }), receipt: true });
    assert.equal(warned.length, 1);
  });
});
