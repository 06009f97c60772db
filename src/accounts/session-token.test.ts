import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { newSessionToken, sameId, sessionIdOfToken } from './session-token.js';

describe('session tokens', () => {
  it('are 32 random bytes in hex, stored as their SHA-256', () => {
    const { token, id } = newSessionToken();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(id, createHash('sha256').update(Buffer.from(token, 'hex')).digest('hex'));
    assert.notEqual(newSessionToken().token, token);
  });

  it('map to the same id in upper case, and malformed ones to null', () => {
    const { token, id } = newSessionToken();
    assert.equal(sessionIdOfToken(token.toUpperCase()), id);
    for (const bad of ['', 'xyz', token.slice(1), `${token}0`, `${token.slice(0, 63)}g`]) assert.equal(sessionIdOfToken(bad), null);
  });

  it('compare ids by content', () => {
    assert.equal(sameId('ab', 'ab'), true);
    assert.equal(sameId('ab', 'ac'), false);
    assert.equal(sameId('ab', 'abc'), false);
  });
});
