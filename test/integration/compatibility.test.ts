/**
 * Points of docs/compatibility.md that no other test pins down:
 * - RFC 8030 request headers autopush accepts but does not act on (docs/protocol.md#request-headers):
 *   `Prefer: respond-async` without `Push-Receipt` changes nothing (RFC 8030 §5: 202 is for pushes
 *   that ask for a receipt, test/integration/push-receipts.test.ts); `Urgency`
 *   (RFC 8030 §5.3) is delivered to a user agent that asked for no level, and a bad one is refused;
 * - where Herald's order of checks differs from autopush's (the "Differences" section): the body
 *   size is checked first, and the request headers before the subscription is looked up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { RawClient } from './helpers/raw-client.js';
import { post } from './helpers/send.js';

describe('compatibility points', () => {
  let herald: HeraldProcess;
  let raw: RawClient;
  let endpoint: string;

  before(async () => {
    herald = await startHerald();
    raw = await RawClient.connect(herald.wsUrl);
    await raw.hello();
    endpoint = (await raw.register(randomUUID())).pushEndpoint;
  });
  after(async () => {
    raw?.close();
    await herald?.dispose();
  });

  async function delivered() {
    const frame = await raw.next<{ messageType: string; channelID: string; version: string }>(5000);
    assert.equal(frame.messageType, 'notification');
    raw.send({ messageType: 'ack', updates: [{ channelID: frame.channelID, version: frame.version, code: 100 }] });
  }

  it('answers Prefer: respond-async without Push-Receipt with a plain 201 that advertises the receipt subscribe resource', async () => {
    const res = await post(endpoint, { headers: { TTL: '60', Prefer: 'respond-async' } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('preference-applied'), null);
    assert.equal(res.headers.get('link'), `<${herald.endpointUrl}/receipts>; rel="urn:ietf:params:push:receipt"`);
    assert.match(res.headers.get('location') ?? '', new RegExp(`^${herald.endpointUrl}/m/`));
    await delivered();
  });

  for (const urgency of ['very-low', 'high']) {
    it(`delivers a push with Urgency: ${urgency} like any other to a user agent that asked for no level`, async () => {
      const res = await post(endpoint, { headers: { TTL: '60', Urgency: urgency } });
      assert.equal(res.status, 201);
      await delivered();
    });
  }

  it('refuses an Urgency that is not one of the four levels with 400 errno 117 (autopush ignores it)', async () => {
    const res = await post(endpoint, { headers: { TTL: '60', Urgency: 'whenever' } });
    assert.equal(res.status, 400);
    assert.equal((res.json() as { errno: number }).errno, 117);
  });

  describe('order of checks (differences from autopush)', () => {
    const big = Buffer.alloc(5631, 1);
    const encrypted = { TTL: '60', 'Content-Encoding': 'aes128gcm' };

    it('answers a body over the limit with 413 errno 104 even when the token does not decrypt (autopush: 404)', async () => {
      const res = await post(`${herald.endpointUrl}/wpush/v1/not-a-token`, { headers: encrypted, body: big });
      assert.equal(res.status, 413);
      assert.equal(res.json().errno, 104);
    });

    it('answers a body over the limit with 413 errno 104 even on a v2 endpoint sent without VAPID (autopush: 401)', async () => {
      const c = await RawClient.connect(herald.wsUrl);
      try {
        await c.hello();
        const key = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
        const { pushEndpoint } = await c.register(randomUUID(), key);
        const res = await post(pushEndpoint, { headers: encrypted, body: big });
        assert.equal(res.status, 413);
        assert.equal(res.json().errno, 104);
      } finally {
        c.close();
      }
    });

    it('answers a bad TTL on an unsubscribed channel with 400 errno 111, before the subscription lookup (autopush: 410 errno 106)', async () => {
      const c = await RawClient.connect(herald.wsUrl);
      try {
        await c.hello();
        const gone = randomUUID();
        const { pushEndpoint } = await c.register(gone);
        c.send({ messageType: 'unregister', channelID: gone });
        assert.equal((await c.next<{ status: number }>()).status, 200);
        const bad = await post(pushEndpoint, { headers: { TTL: 'soon' } });
        assert.equal(bad.status, 400);
        assert.equal(bad.json().errno, 111);
        const good = await post(pushEndpoint, { headers: { TTL: '60' } });
        assert.equal(good.status, 410);
        assert.equal(good.json().errno, 106);
      } finally {
        c.close();
      }
    });
  });
});
