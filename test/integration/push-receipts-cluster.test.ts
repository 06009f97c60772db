/**
 * Push receipts (docs/protocol.md#push-message-receipts) in a cluster on PostgreSQL and on Redis
 * (real servers, test/support/servers.ts): the push is posted to an `herald endpoint` node, the
 * user agent acks on a separate `herald connect` node, and the application server holds its
 * HTTP/2 GET on the endpoint node, which finds the receipt in the shared store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startPostgres, startRedis } from '../support/servers.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { createReceiptSubscription, ReceiptListener, receiptPath } from './helpers/receipt-server.js';
import { sendNotification } from './helpers/web-push-send.js';

const backends = [
  { name: 'PostgreSQL', start: startPostgres },
  { name: 'Redis', start: startRedis },
] as const;

for (const backend of backends) {
  describe(`push receipts in a cluster on ${backend.name}`, { timeout: 120_000 }, () => {
    let server: { dsn: string; stop(): Promise<void> } | undefined;
    let endpoint: HeraldProcess;
    let connect: HeraldProcess;
    const open: { close(): unknown }[] = [];

    before(async () => {
      server = await backend.start();
      const key = generateFernetKey();
      endpoint = await startHerald({ db: server.dsn, role: 'endpoint', args: ['--crypto-keys', key, '--receipt-poll-interval', '0.2'] });
      connect = await startHerald({ db: server.dsn, role: 'connect', endpointUrl: endpoint.endpointUrl, args: ['--crypto-keys', key] });
    });
    after(async () => {
      for (const o of open) await o.close();
      await connect?.dispose();
      await endpoint?.dispose();
      await server?.stop();
    });

    it('delivers the receipt of a push posted to the endpoint node and acked on a connection node', async () => {
      const receiptUrl = await createReceiptSubscription(endpoint.endpointUrl);
      const listener = await ReceiptListener.open(receiptUrl);
      open.push(listener);
      const ua = new PushUserAgent({ serverUrl: connect.wsUrl, reconnect: false });
      open.push(ua);
      const got = collectPushes(ua);
      await ua.connect();
      const sub = await ua.subscribe();
      const res = await sendNotification(sub, 'clustered', { TTL: 600, headers: { 'Push-Receipt': receiptUrl, Prefer: 'respond-async' } });
      assert.equal(res.statusCode, 202);
      await got.waitCount(1);
      assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(res.headers.location!), status: 410 }]);
    });
  });
}
