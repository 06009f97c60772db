/**
 * The HTTP/2 connection to APNs against a local APNs over TLS (test/support/fake-apns.ts): one
 * connection reused, PINGs while open, a new connection after GOAWAY, a timeout on a hung stream.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeApns } from '../../../test/support/fake-apns.js';
import { BridgeFailure } from '../upstream-failure.js';
import { ApnsSession } from './apns-session.js';
import { ProviderToken } from './provider-token.js';
import { createPrivateKey } from 'node:crypto';

let apns: FakeApns;
let token: ProviderToken;
before(async () => {
  apns = await FakeApns.start();
  token = new ProviderToken(createPrivateKey(readFileSync(apns.p8Path, 'utf8')), apns.keyId, apns.teamId);
});
after(() => apns.close());

const headers = async () => ({ ':method': 'POST', ':path': '/3/device/abcdef0123456789', 'apns-topic': 't', authorization: `bearer ${await token.get()}` });

async function until(what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('APNs HTTP/2 session', () => {
  it('reuses one connection and keeps it alive with PINGs', async () => {
    // 100 ms: short enough to see a PING soon, long enough that a loaded machine does not pile up
    // unanswered PINGs (the session drops a connection whose PINGs go unanswered).
    const session = new ApnsSession({ origin: apns.url, ca: readFileSync(apns.caPath, 'utf8'), pingIntervalMs: 100 });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await session.request(await headers(), '{}', 5000)).status, 200);
      assert.equal(session.connects, 1);
      const pings = apns.pings;
      await until('a keep-alive PING', () => apns.pings > pings);
    } finally {
      await session.close();
    }
  });

  it('opens a new connection after APNs closes the old one', async () => {
    const session = new ApnsSession({ origin: apns.url, ca: readFileSync(apns.caPath, 'utf8') });
    try {
      assert.equal((await session.request(await headers(), '{}', 5000)).status, 200);
      apns.dropConnections();
      assert.equal((await session.request(await headers(), '{}', 5000)).status, 200);
      assert.equal(session.connects, 2);
    } finally {
      await session.close();
    }
  });

  it('gives up on a hung stream with a timeout failure, and the connection still serves others', async () => {
    const session = new ApnsSession({ origin: apns.url, ca: readFileSync(apns.caPath, 'utf8') });
    try {
      apns.queue.push('hang');
      await assert.rejects(session.request(await headers(), '{}', 300), (e: unknown) => e instanceof BridgeFailure && e.kind === 'timeout');
      assert.equal((await session.request(await headers(), '{}', 5000)).status, 200);
    } finally {
      await session.close();
    }
  });

  it('answers unavailable when nothing listens', async () => {
    const session = new ApnsSession({ origin: 'https://127.0.0.1:1' });
    await assert.rejects(session.request({ ':method': 'POST', ':path': '/3/device/x' }, '{}', 5000), (e: unknown) => e instanceof BridgeFailure && e.kind === 'unavailable');
    await session.close();
  });
});

describe('APNs provider token', () => {
  it('is kept for 50 minutes, then signed anew; invalidate signs anew at once', async () => {
    let now = Date.now();
    const t = new ProviderToken(createPrivateKey(readFileSync(apns.p8Path, 'utf8')), 'KID', 'TEAM', () => now);
    const first = await t.get();
    now += 49 * 60_000;
    assert.equal(await t.get(), first);
    now += 2 * 60_000;
    const second = await t.get();
    assert.notEqual(second, first);
    t.invalidate();
    now += 1000;
    assert.notEqual(await t.get(), second);
    const [header, payload] = second.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>);
    assert.deepEqual(header, { alg: 'ES256', kid: 'KID' });
    assert.equal(payload!.iss, 'TEAM');
  });
});
