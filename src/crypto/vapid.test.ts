import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, sign } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import webpush from 'web-push';
import { ApiError } from '../errors/api-error.js';
import { b64uDecode, b64uEncode } from './base64url.js';
import { p256PrivateKey } from './p256.js';
import { generateVapidKeys, parseVapidAuthorization, signVapid, verifyVapidToken } from './vapid.js';

// RFC 8292 §2.4 example.
const RFC_JWT =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA';
const RFC_K = 'BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs';
const RFC_AUD = 'https://push.example.net';
const RFC_NOW = 1453518000;

const AUD = 'https://push.example.com';
const NOW = 1_700_000_000;
const keys = generateVapidKeys();
const publicKey = b64uDecode(keys.publicKey);

function apiError(kind: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.kind, kind);
    if (message) assert.match(err.message, message);
    return true;
  };
}
const vapidError = (message?: RegExp) => apiError('vapid', message);

/** A JWT with any header and claims, ES256-signed with our test key unless told otherwise. */
function craft(header: object, claims: object, signWith: 'es256' | 'hs256' | 'none' = 'es256'): string {
  const input = `${b64uEncode(Buffer.from(JSON.stringify(header)))}.${b64uEncode(Buffer.from(JSON.stringify(claims)))}`;
  if (signWith === 'none') return `${input}.`;
  if (signWith === 'hs256') return `${input}.${b64uEncode(createHmac('sha256', publicKey).update(input).digest())}`;
  const sig = sign('sha256', Buffer.from(input), { key: p256PrivateKey(b64uDecode(keys.privateKey)), dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64uEncode(sig)}`;
}
const ES256 = { typ: 'JWT', alg: 'ES256' };

describe('VAPID header parsing', () => {
  it('returns null when there is no Authorization header', () => {
    assert.equal(parseVapidAuthorization(undefined, 'p256ecdsa=x'), null);
  });

  it('reads t and k from "vapid t=…, k=…" (RFC 8292)', () => {
    const got = parseVapidAuthorization(`vapid t=${RFC_JWT}, k=${RFC_K}`, undefined);
    assert.equal(got?.token, RFC_JWT);
    assert.deepEqual(got?.publicKey, b64uDecode(RFC_K));
  });

  it('accepts k before t, odd spacing, a capitalised scheme and padded keys', () => {
    for (const header of [
      `vapid k=${RFC_K},t=${RFC_JWT}`,
      `Vapid   t = ${RFC_JWT} ,  k = ${RFC_K}=`,
      `VAPID t=${RFC_JWT},k=${RFC_K}`,
    ]) {
      const got = parseVapidAuthorization(header, undefined);
      assert.equal(got?.token, RFC_JWT, header);
      assert.equal(got?.publicKey.length, 65, header);
    }
  });

  it('accepts a key in standard base64 with + and /', () => {
    const standard = Buffer.from(RFC_K, 'base64url').toString('base64');
    assert.match(standard, /[+/]/);
    const got = parseVapidAuthorization(`vapid t=${RFC_JWT}, k=${standard}`, undefined);
    assert.deepEqual(got?.publicKey, b64uDecode(RFC_K));
  });

  it('reads "WebPush <jwt>" and "Bearer <jwt>" with the key from Crypto-Key p256ecdsa', () => {
    for (const scheme of ['WebPush', 'webpush', 'Bearer', 'bearer']) {
      for (const cryptoKey of [`p256ecdsa=${RFC_K}`, `dh=BAAA;p256ecdsa="${RFC_K}"`, `dh=BAAA, p256ecdsa=${RFC_K}`]) {
        const got = parseVapidAuthorization(`${scheme} ${RFC_JWT}`, cryptoKey);
        assert.equal(got?.token, RFC_JWT);
        assert.deepEqual(got?.publicKey, b64uDecode(RFC_K), `${scheme} / ${cryptoKey}`);
      }
    }
  });

  it('answers a WebPush/Bearer token without Crypto-Key p256ecdsa with invalid-encryption (400, errno 110)', () => {
    const check = (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.kind, 'invalid-encryption');
      assert.equal(err.status, 400);
      assert.equal(err.errno, 110);
      return true;
    };
    assert.throws(() => parseVapidAuthorization(`WebPush ${RFC_JWT}`, undefined), check);
    assert.throws(() => parseVapidAuthorization(`Bearer ${RFC_JWT}`, 'dh=BAAA'), check);
  });

  it('answers other schemes and missing parts with vapid (401, errno 109)', () => {
    const check = (err: unknown) => err instanceof ApiError && err.kind === 'vapid' && err.status === 401 && err.errno === 109;
    assert.throws(() => parseVapidAuthorization(`Basic abc`, undefined), check);
    assert.throws(() => parseVapidAuthorization(`key=AIza`, undefined), check);
    assert.throws(() => parseVapidAuthorization('', undefined), check);
    assert.throws(() => parseVapidAuthorization(`vapid t=${RFC_JWT}`, undefined), check);
    assert.throws(() => parseVapidAuthorization(`vapid k=${RFC_K}`, undefined), check);
    assert.throws(() => parseVapidAuthorization('WebPush', `p256ecdsa=${RFC_K}`), check);
  });

  it('rejects a key that is not a 65-byte point on P-256 with vapid', () => {
    const short = b64uEncode(b64uDecode(RFC_K).subarray(0, 64));
    const offCurve = Buffer.from(b64uDecode(RFC_K));
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    const compressed = Buffer.concat([Buffer.from([2]), b64uDecode(RFC_K).subarray(1, 33)]);
    for (const k of [short, b64uEncode(offCurve), b64uEncode(compressed), 'a*b']) {
      assert.throws(() => parseVapidAuthorization(`vapid t=${RFC_JWT}, k=${k}`, undefined), vapidError(), k);
      assert.throws(() => parseVapidAuthorization(`WebPush ${RFC_JWT}`, `p256ecdsa=${k}`), vapidError(), k);
    }
  });
});

describe('VAPID token verification', () => {
  it('verifies the RFC 8292 example at a fixed clock', () => {
    const claims = verifyVapidToken(RFC_JWT, b64uDecode(RFC_K), { audience: RFC_AUD, nowSeconds: RFC_NOW });
    assert.deepEqual(claims, { aud: RFC_AUD, exp: 1453523768, sub: 'mailto:push@example.com' });
  });

  it('rejects the RFC 8292 example today as expired', () => {
    assert.throws(() => verifyVapidToken(RFC_JWT, b64uDecode(RFC_K), { audience: RFC_AUD }), vapidError(/expired/));
  });

  it('reduces a configured endpoint URL to its origin before comparing aud', () => {
    const claims = verifyVapidToken(RFC_JWT, b64uDecode(RFC_K), { audience: `${RFC_AUD}/some/path`, nowSeconds: RFC_NOW });
    assert.equal(claims.aud, RFC_AUD);
  });

  it('rejects a token for another audience, including a trailing slash or another port', () => {
    for (const aud of ['https://evil.example.com', `${AUD}/`, `${AUD}:8443`, 'http://push.example.com']) {
      const token = craft(ES256, { aud, exp: NOW + 60 });
      assert.throws(() => verifyVapidToken(token, publicKey, { audience: AUD, nowSeconds: NOW }), vapidError(/aud/), aud);
    }
  });

  it('rejects exp more than 24 hours ahead, and accepts exactly 24 hours', () => {
    const tooFar = craft(ES256, { aud: AUD, exp: NOW + 86_401 });
    assert.throws(
      () => verifyVapidToken(tooFar, publicKey, { audience: AUD, nowSeconds: NOW }),
      vapidError(/^The VAPID token expiration is too long$/),
    );
    const limit = craft(ES256, { aud: AUD, exp: NOW + 86_400 });
    assert.equal(verifyVapidToken(limit, publicKey, { audience: AUD, nowSeconds: NOW }).exp, NOW + 86_400);
  });

  it('allows 60 seconds of leeway after exp, and no more', () => {
    const justExpired = craft(ES256, { aud: AUD, exp: NOW - 60 });
    assert.equal(verifyVapidToken(justExpired, publicKey, { audience: AUD, nowSeconds: NOW }).exp, NOW - 60);
    const expired = craft(ES256, { aud: AUD, exp: NOW - 61 });
    assert.throws(() => verifyVapidToken(expired, publicKey, { audience: AUD, nowSeconds: NOW }), vapidError(/expired/));
  });

  it('requires a numeric exp and an aud', () => {
    for (const claims of [{ aud: AUD }, { aud: AUD, exp: String(NOW + 60) }, { exp: NOW + 60 }, { aud: 7, exp: NOW + 60 }]) {
      const token = craft(ES256, claims);
      assert.throws(() => verifyVapidToken(token, publicKey, { audience: AUD, nowSeconds: NOW }), vapidError(), JSON.stringify(claims));
    }
  });

  it('does not require sub', () => {
    const token = craft(ES256, { aud: AUD, exp: NOW + 60 });
    assert.equal(verifyVapidToken(token, publicKey, { audience: AUD, nowSeconds: NOW }).sub, undefined);
  });

  it('rejects a tampered signature or payload', () => {
    const token = craft(ES256, { aud: AUD, exp: NOW + 60 });
    const [h, c, s] = token.split('.') as [string, string, string];
    const sig = b64uDecode(s);
    sig[10] = (sig[10] ?? 0) ^ 1;
    const otherClaims = b64uEncode(Buffer.from(JSON.stringify({ aud: AUD, exp: NOW + 120 })));
    for (const bad of [`${h}.${c}.${b64uEncode(sig)}`, `${h}.${otherClaims}.${s}`, `${h}.${c}.${s.slice(0, -4)}`]) {
      assert.throws(() => verifyVapidToken(bad, publicKey, { audience: AUD, nowSeconds: NOW }), vapidError(/signature/));
    }
  });

  it('rejects a token signed by another key than the one presented', () => {
    assert.throws(
      () => verifyVapidToken(RFC_JWT, publicKey, { audience: RFC_AUD, nowSeconds: RFC_NOW }),
      vapidError(/signature does not verify/),
    );
  });

  it('rejects alg none and HS256 (no algorithm confusion)', () => {
    const claims = { aud: AUD, exp: NOW + 60 };
    assert.throws(
      () => verifyVapidToken(craft({ alg: 'none' }, claims, 'none'), publicKey, { audience: AUD, nowSeconds: NOW }),
      vapidError(/ES256/),
    );
    assert.throws(
      () => verifyVapidToken(craft({ typ: 'JWT', alg: 'HS256' }, claims, 'hs256'), publicKey, { audience: AUD, nowSeconds: NOW }),
      vapidError(/ES256/),
    );
  });

  it('rejects things that are not JWTs', () => {
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.!!.!!', `${b64uEncode(Buffer.from('[1]'))}.x.y`]) {
      assert.throws(() => verifyVapidToken(bad, publicKey, { audience: AUD, nowSeconds: NOW }), vapidError(), bad);
    }
  });

  it('checks every claim again for a token whose signature verified before, and the signature for another key', () => {
    const claims = verifyVapidToken(RFC_JWT, b64uDecode(RFC_K), { audience: RFC_AUD, nowSeconds: RFC_NOW });
    assert.equal(claims.exp, 1453523768);
    // The same token, verified a moment ago: still expired later, still for its own audience only.
    assert.throws(() => verifyVapidToken(RFC_JWT, b64uDecode(RFC_K), { audience: RFC_AUD, nowSeconds: RFC_NOW + 86_400 }), vapidError(/expired/));
    assert.throws(() => verifyVapidToken(RFC_JWT, b64uDecode(RFC_K), { audience: AUD, nowSeconds: RFC_NOW }), vapidError(/aud/));
    // ... and another key does not inherit its verification.
    assert.throws(() => verifyVapidToken(RFC_JWT, publicKey, { audience: RFC_AUD, nowSeconds: RFC_NOW }), vapidError(/signature/));
  });
});

describe('VAPID signing', () => {
  it('signs tokens that verify, with aud reduced to the origin and the authorization in vapid form', () => {
    const signed = signVapid({ ...keys, audience: `${AUD}/wpush/v2/abc`, subject: 'mailto:ops@example.com', expSeconds: NOW + 3600 });
    assert.equal(signed.authorization, `vapid t=${signed.token}, k=${keys.publicKey}`);
    const parsed = parseVapidAuthorization(signed.authorization, undefined);
    assert.ok(parsed);
    const claims = verifyVapidToken(parsed.token, parsed.publicKey, { audience: AUD, nowSeconds: NOW });
    assert.deepEqual(claims, { aud: AUD, exp: NOW + 3600, sub: 'mailto:ops@example.com' });
  });

  it('defaults exp to about 12 hours from now', () => {
    const signed = signVapid({ ...keys, audience: AUD, subject: 'mailto:a@b' });
    const claims = verifyVapidToken(signed.token, publicKey, { audience: AUD });
    const now = Date.now() / 1000;
    assert.ok(Math.abs(claims.exp - (now + 12 * 3600)) < 5);
  });

  it('produces tokens an independent JWT library (jose) accepts', async () => {
    const signed = signVapid({ ...keys, audience: AUD, subject: 'mailto:a@b' });
    const pub = b64uDecode(keys.publicKey);
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: b64uEncode(pub.subarray(1, 33)), y: b64uEncode(pub.subarray(33)) }, 'ES256');
    const { payload } = await jwtVerify(signed.token, key, { audience: AUD });
    assert.equal(payload.sub, 'mailto:a@b');
  });

  it('refuses a public key that is not the private key’s', () => {
    const other = generateVapidKeys();
    assert.throws(() => signVapid({ privateKey: keys.privateKey, publicKey: other.publicKey, audience: AUD }), /does not belong/);
  });

  it('generates raw base64url keys: 65-byte public point, 32-byte private scalar', () => {
    for (let i = 0; i < 20; i++) {
      const k = generateVapidKeys();
      assert.equal(b64uDecode(k.publicKey).length, 65);
      assert.equal(b64uDecode(k.privateKey).length, 32);
    }
  });

  it('accepts the headers the web-push library sends, in both of its forms', () => {
    for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
      const h = webpush.getVapidHeaders(AUD, 'mailto:a@b', keys.publicKey, keys.privateKey, encoding) as Record<string, string>;
      const parsed = parseVapidAuthorization(h.Authorization, h['Crypto-Key']);
      assert.ok(parsed, encoding);
      assert.equal(verifyVapidToken(parsed.token, parsed.publicKey, { audience: AUD }).sub, 'mailto:a@b');
    }
  });
});
