/** transport-notification.ts: the body of PUT /push (docs/protocol.md#delivery-policy), checked at the edge. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../protocol/notification.js';
import { TransportError, parseTransportNotification } from './transport-notification.js';

const full: Notification = {
  channelID: '5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f',
  version: 'gAAAAABk-some_message-id==',
  ttl: 60,
  topic: 'news',
  timestamp: 1_700_000_000,
  data: 'aGVsbG8',
  headers: { encoding: 'aesgcm', encryption: 'salt=abc', crypto_key: 'dh=xyz' },
  urgency: 'high',
  receipt: false,
};
const bad = (body: unknown) => assert.throws(() => parseTransportNotification(JSON.stringify(body)), TransportError);

describe('parseTransportNotification', () => {
  it('reads back exactly what the sender serialised', () => {
    assert.deepEqual(parseTransportNotification(JSON.stringify(full)), full);
    const bare: Notification = { channelID: full.channelID, version: 'v', ttl: 0, topic: null, timestamp: 0 };
    assert.deepEqual(parseTransportNotification(Buffer.from(JSON.stringify(bare))), bare);
  });

  it("accepts autopush's body: null topic, reliability fields, which are dropped", () => {
    const n = parseTransportNotification(JSON.stringify({ ...full, topic: null, reliability_id: 'r', reliable_state: 'received', extra: 1 }));
    assert.equal(n.topic, null);
    assert.ok(!('reliability_id' in n) && !('extra' in n));
  });

  it('treats a missing topic as none', () => {
    const { topic: _, ...rest } = full;
    assert.equal(parseTransportNotification(JSON.stringify(rest)).topic, null);
  });

  it('refuses a body that is not JSON, or not an object', () => {
    assert.throws(() => parseTransportNotification('{'), /not JSON/);
    assert.throws(() => parseTransportNotification(''), /not JSON/);
    bad([1]);
    bad(null);
  });

  it('refuses bad fields, naming them', () => {
    assert.throws(() => parseTransportNotification(JSON.stringify({ ...full, channelID: '5A0D3A4E8A6F4A1E9D7E0C1B2A3D4E5F' })), /channelID/);
    assert.throws(() => parseTransportNotification(JSON.stringify({ ...full, ttl: -1 })), /ttl/);
    bad({ ...full, ttl: 1.5 });
    bad({ ...full, ttl: '60' });
    bad({ ...full, version: '' });
    bad({ ...full, version: 5 });
    bad({ ...full, timestamp: -1 });
    bad({ ...full, topic: 'has space' });
    bad({ ...full, topic: 'x'.repeat(33) });
    bad({ ...full, data: 'not base64url!' });
    bad({ ...full, data: 'aGVsbG8=' });
    bad({ ...full, headers: { encoding: 'gzip' } });
    bad({ ...full, urgency: 'urgent' });
    bad({ ...full, receipt: 'yes' });
    const { version: _, ...noVersion } = full;
    bad(noVersion);
  });
});
