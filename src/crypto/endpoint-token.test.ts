import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import { makeEndpoint, parseEndpointToken } from './endpoint-token.js';
import { MultiFernet, generateFernetKey } from './fernet.js';

const cipher = new MultiFernet([generateFernetKey()]);
const UAID = 'deadbeef00000000decafbad00000000';
const CHID = 'decafbad-0000-4000-a000-000000000123';
const VAPID_KEY = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]);

function tokenOf(endpoint: string): { version: string; token: string } {
  const m = /\/wpush\/(v[12])\/([^/]+)$/.exec(endpoint);
  assert.ok(m, endpoint);
  return { version: m[1]!, token: m[2]! };
}

function apiKind(kind: string) {
  return (err: unknown) => err instanceof ApiError && err.kind === kind;
}

describe('endpoint tokens', () => {
  it('builds a v1 endpoint without padding that opens to the uaid and channel', () => {
    const endpoint = makeEndpoint(cipher, 'https://push.example.com', UAID, CHID);
    assert.match(endpoint, /^https:\/\/push\.example\.com\/wpush\/v1\/[A-Za-z0-9_-]+$/);
    const { version, token } = tokenOf(endpoint);
    assert.deepEqual(parseEndpointToken(cipher, version, token), { uaid: UAID, channelID: CHID, vapidKeyHash: null });
  });

  it('builds a v2 endpoint that carries the SHA-256 of the VAPID key', () => {
    const endpoint = makeEndpoint(cipher, 'https://push.example.com/', UAID, CHID, VAPID_KEY);
    const { version, token } = tokenOf(endpoint);
    assert.equal(version, 'v2');
    const info = parseEndpointToken(cipher, 'v2', token);
    assert.equal(info.uaid, UAID);
    assert.equal(info.channelID, CHID);
    assert.deepEqual(info.vapidKeyHash, createHash('sha256').update(VAPID_KEY).digest());
  });

  it('has tokens of about the lengths autopush produces (v1 140, v2 183 characters)', () => {
    const v1 = tokenOf(makeEndpoint(cipher, 'http://h', UAID, CHID)).token;
    const v2 = tokenOf(makeEndpoint(cipher, 'http://h', UAID, CHID, VAPID_KEY)).token;
    assert.equal(v1.length, 140);
    assert.equal(v2.length, 183);
  });

  it('URL-joins wpush/ onto the base as autopush does (a last path segment is replaced)', () => {
    assert.match(makeEndpoint(cipher, 'http://h:8080', UAID, CHID), /^http:\/\/h:8080\/wpush\/v1\//);
    assert.match(makeEndpoint(cipher, 'https://h/push', UAID, CHID), /^https:\/\/h\/wpush\/v1\//);
    assert.match(makeEndpoint(cipher, 'https://h/push/', UAID, CHID), /^https:\/\/h\/push\/wpush\/v1\//);
  });

  it('accepts a dashed uaid and an uppercase channel id, and normalises them', () => {
    const dashedUaid = 'deadbeef-0000-0000-deca-fbad00000000';
    const { token } = tokenOf(makeEndpoint(cipher, 'http://h', dashedUaid, CHID.toUpperCase()));
    assert.deepEqual(parseEndpointToken(cipher, 'v1', token), { uaid: UAID, channelID: CHID, vapidKeyHash: null });
  });

  it('refuses ids that are not UUIDs', () => {
    assert.throws(() => makeEndpoint(cipher, 'http://h', 'nope', CHID), /uaid is not a UUID/);
    assert.throws(() => makeEndpoint(cipher, 'http://h', UAID, `${CHID}0`), /channelID is not a UUID/);
  });

  it('rejects an API version other than v1 and v2 with invalid-api-version (404, errno 102)', () => {
    const { token } = tokenOf(makeEndpoint(cipher, 'http://h', UAID, CHID));
    assert.throws(() => parseEndpointToken(cipher, 'v3', token), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.kind, 'invalid-api-version');
      assert.equal(err.status, 404);
      assert.equal(err.errno, 102);
      return true;
    });
  });

  it('rejects a token that does not decrypt with invalid-token', () => {
    assert.throws(() => parseEndpointToken(cipher, 'v1', 'garbage'), apiKind('invalid-token'));
    const { token } = tokenOf(makeEndpoint(cipher, 'http://h', UAID, CHID));
    const other = new MultiFernet([generateFernetKey()]);
    assert.throws(() => parseEndpointToken(other, 'v1', token), apiKind('invalid-token'));
  });

  it('rejects a v1 token presented as v2 and a v2 token presented as v1', () => {
    const v1 = tokenOf(makeEndpoint(cipher, 'http://h', UAID, CHID)).token;
    const v2 = tokenOf(makeEndpoint(cipher, 'http://h', UAID, CHID, VAPID_KEY)).token;
    assert.throws(() => parseEndpointToken(cipher, 'v2', v1), apiKind('invalid-token'));
    assert.throws(() => parseEndpointToken(cipher, 'v1', v2), apiKind('invalid-token'));
  });

  it('rejects a token whose plaintext has the wrong length', () => {
    const token = cipher.encrypt(Buffer.alloc(31)).replace(/=+$/, '');
    assert.throws(() => parseEndpointToken(cipher, 'v1', token), apiKind('invalid-token'));
  });

  it('answers a token opened before the same way, and only for the cipher and version that opened it', () => {
    const { version, token } = tokenOf(makeEndpoint(cipher, 'http://push.example.com', UAID, CHID));
    const first = parseEndpointToken(cipher, version, token);
    assert.deepEqual(parseEndpointToken(cipher, version, token), first);
    assert.throws(() => parseEndpointToken(new MultiFernet([generateFernetKey()]), version, token), apiKind('invalid-token'), 'another key set');
    assert.throws(() => parseEndpointToken(cipher, 'v2', token), apiKind('invalid-token'), 'a v1 token presented as v2');
    assert.throws(() => parseEndpointToken(cipher, version, token.slice(0, -2) + 'AA'), apiKind('invalid-token'), 'a tampered copy');
  });
});
