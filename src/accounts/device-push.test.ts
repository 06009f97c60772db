import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { generateSubscriptionKeys } from '../crypto/ece.js';
import { generateVapidKeys } from '../crypto/vapid.js';
import type { AccountStore, DeviceRecord } from '../storage/accounts/account-store.js';
import { DevicePusher } from './device-push.js';

/** A loopback HTTP server answering every request with `answer`; counts what it received. */
async function listen(answer: (res: import('node:http').ServerResponse) => void): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

function device(callback: string): DeviceRecord {
  const keys = generateSubscriptionKeys();
  return {
    uid: 'u'.repeat(32),
    id: 'd'.repeat(32),
    sessionId: 's'.repeat(64),
    name: 'Phone',
    type: 'mobile',
    createdAt: 0,
    push: { callback, publicKey: keys.publicKey.toString('base64url'), authKey: keys.auth.toString('base64url') },
    pushEndpointExpired: false,
    capabilities: [],
    availableCommands: {},
    lastAccessTime: 0,
  };
}

const unusedStore = { markPushEndpointExpired: async () => false } as unknown as AccountStore;

describe('DevicePusher', () => {
  it('does not follow a redirect from a push callback: a 3xx is a failed push and the target hears nothing', async () => {
    const elsewhere = await listen((res) => res.writeHead(201).end());
    const allowed = await listen((res) => res.writeHead(307, { location: `${elsewhere.url}/steal` }).end());
    try {
      const pusher = new DevicePusher({ store: unusedStore, vapid: generateVapidKeys(), subject: 'mailto:ops@example.com', timeoutMs: 5000, log: pino({ level: 'silent' }) });
      const outcome = await pusher.push(device(`${allowed.url}/wpush/v1/abc`), { command: 'x' }, 60);
      assert.deepEqual(outcome, { ok: false, reason: 'redirected', status: 307 });
      assert.equal(allowed.hits(), 1);
      assert.equal(elsewhere.hits(), 0, 'the redirect target got no request');
    } finally {
      allowed.server.close();
      elsewhere.server.close();
    }
  });

  it('still counts a 2xx from the callback itself as delivered', async () => {
    const push = await listen((res) => res.writeHead(201).end());
    try {
      const pusher = new DevicePusher({ store: unusedStore, vapid: generateVapidKeys(), subject: 'mailto:ops@example.com', timeoutMs: 5000, log: pino({ level: 'silent' }) });
      assert.deepEqual(await pusher.push(device(`${push.url}/wpush/v1/abc`), null, 0), { ok: true });
    } finally {
      push.server.close();
    }
  });
});
