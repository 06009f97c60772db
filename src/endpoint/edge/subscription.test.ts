import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../errors/api-error.js';
import { MultiFernet, generateFernetKey } from '../../crypto/fernet.js';
import { makeEndpoint } from '../../crypto/endpoint-token.js';
import { b64uDecode } from '../../crypto/base64url.js';
import { generateVapidKeys, signVapid } from '../../crypto/vapid.js';
import { parseSubscription, type RawSubscription } from './subscription.js';

const ENDPOINT_URL = 'https://push.example.com';
const NOW = 1_700_000_000;
const cipher = new MultiFernet([generateFernetKey()]);
const uaid = randomUUID().replace(/-/g, '');
const chid = randomUUID();
const keys = generateVapidKeys();
const ctx = { cipher, endpointUrl: ENDPOINT_URL, nowSeconds: NOW };

/** `{ apiVersion, token }` of a fresh endpoint, v2 when a VAPID key is given. */
function endpoint(vapidKey?: string): RawSubscription {
  const url = makeEndpoint(cipher, ENDPOINT_URL, uaid, chid, vapidKey === undefined ? undefined : b64uDecode(vapidKey));
  const [, apiVersion, token] = /\/wpush\/(v[12])\/(.+)$/.exec(url)!;
  return { apiVersion: apiVersion!, token: token! };
}

function sign(opts: { audience?: string; exp?: number; pair?: typeof keys } = {}) {
  const pair = opts.pair ?? keys;
  return signVapid({ ...pair, audience: opts.audience ?? ENDPOINT_URL, expSeconds: opts.exp ?? NOW + 3600, subject: 'mailto:a@example.com' });
}

const rejects = (raw: RawSubscription, kind: string, status: number, errno: number | null, message?: RegExp) =>
  assert.throws(
    () => parseSubscription(raw, ctx),
    (e: unknown) => e instanceof ApiError && e.kind === kind && e.status === status && e.errno === errno && (!message || message.test(e.message)),
  );

describe('parseSubscription', () => {
  it('opens a v1 token without VAPID', () => {
    assert.deepEqual(parseSubscription(endpoint(), ctx), { uaid, channelID: chid, vapid: null });
  });
  it('verifies VAPID on a v1 endpoint when present (RFC 8292 vapid scheme)', () => {
    const sub = parseSubscription({ ...endpoint(), authorization: sign().authorization }, ctx);
    assert.equal(sub.vapid?.claims.aud, ENDPOINT_URL);
  });
  it('verifies the draft WebPush scheme with the key in Crypto-Key', () => {
    const s = sign();
    const sub = parseSubscription({ ...endpoint(keys.publicKey), authorization: `WebPush ${s.token}`, cryptoKey: `p256ecdsa=${s.publicKey}` }, ctx);
    assert.ok(sub.vapid);
  });
  it('accepts a v2 send signed by the endpoint key', () => {
    const sub = parseSubscription({ ...endpoint(keys.publicKey), authorization: sign().authorization }, ctx);
    assert.equal(sub.channelID, chid);
  });

  it('rejects an unknown API version with 404 and errno 102', () => rejects({ ...endpoint(), apiVersion: 'v3' }, 'invalid-api-version', 404, 102));
  it('rejects a token that does not decrypt with 404 and errno 102', () =>
    rejects({ apiVersion: 'v1', token: 'not-a-token' }, 'invalid-token', 404, 102));
  it('rejects a v1 token presented as v2 (wrong length) with 404 and errno 102', () =>
    rejects({ ...endpoint(), apiVersion: 'v2', authorization: sign().authorization }, 'invalid-token', 404, 102));
  it('rejects a v2 send without VAPID with 401 and errno 109', () => rejects(endpoint(keys.publicKey), 'vapid', 401, 109));
  it('rejects a v2 send signed by another key with 401 errno 109 "VAPID public key mismatch"', () =>
    rejects({ ...endpoint(keys.publicKey), authorization: sign({ pair: generateVapidKeys() }).authorization }, 'vapid', 401, 109, /^VAPID public key mismatch$/));
  it('rejects an unknown Authorization scheme with 401 and errno 109', () =>
    rejects({ ...endpoint(), authorization: 'Basic Zm9vOmJhcg==' }, 'vapid', 401, 109));
  it('rejects a VAPID token for another audience with 401 and errno 109', () =>
    rejects({ ...endpoint(), authorization: sign({ audience: 'https://other.example.com' }).authorization }, 'vapid', 401, 109));
  it('rejects an expired VAPID token with 401 and errno 109', () =>
    rejects({ ...endpoint(), authorization: sign({ exp: NOW - 3600 }).authorization }, 'vapid', 401, 109));
  it('rejects a VAPID token expiring more than 24 h ahead with 401 and errno 109', () =>
    rejects({ ...endpoint(), authorization: sign({ exp: NOW + 25 * 3600 }).authorization }, 'vapid', 401, 109, /too long/));
  it('rejects the WebPush scheme without Crypto-Key with 400 and errno 110', () =>
    rejects({ ...endpoint(), authorization: `WebPush ${sign().token}` }, 'invalid-encryption', 400, 110));

  describe('a sender verified once (the header cache)', () => {
    it('checks the clock again on every use: a header that verified is refused once it expires', () => {
      const { authorization } = sign({ exp: NOW + 10 });
      assert.equal(parseSubscription({ ...endpoint(), authorization }, ctx).vapid?.claims.exp, NOW + 10);
      assert.throws(
        () => parseSubscription({ ...endpoint(), authorization }, { ...ctx, nowSeconds: NOW + 10 + 61 }),
        (e: unknown) => e instanceof ApiError && e.errno === 109 && /expired/.test(e.message),
      );
    });
    it('is kept per audience: a header verified for one endpoint URL is refused by another', () => {
      const { authorization } = sign();
      assert.ok(parseSubscription({ ...endpoint(), authorization }, ctx).vapid);
      assert.throws(
        () => parseSubscription({ ...endpoint(), authorization }, { ...ctx, endpointUrl: 'https://other.example.com' }),
        (e: unknown) => e instanceof ApiError && e.errno === 109 && /aud/.test(e.message),
      );
    });
    it('still holds a v2 endpoint to its own key', () => {
      const other = generateVapidKeys();
      const { authorization } = sign({ pair: other });
      assert.ok(parseSubscription({ ...endpoint(), authorization }, ctx).vapid, 'verified (and cached) on a v1 endpoint');
      rejects({ ...endpoint(keys.publicKey), authorization }, 'vapid', 401, 109, /mismatch/);
    });
    it('names the sender by its key, and hashes it as v2 tokens do', () => {
      const vapid = parseSubscription({ ...endpoint(keys.publicKey), authorization: sign().authorization }, ctx).vapid!;
      assert.equal(vapid.keyId, keys.publicKey);
      assert.ok(Object.isFrozen(vapid) && Object.isFrozen(vapid.claims));
    });
  });
});
