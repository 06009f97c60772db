import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedPushCallback } from './push-callback.js';

describe('push callback host check', () => {
  const own = ['https://push.example.com'];

  it('accepts callbacks on an allowed origin, :443 or not', () => {
    assert.equal(isAllowedPushCallback('https://push.example.com/wpush/v1/abc', own), true);
    assert.equal(isAllowedPushCallback('https://push.example.com:443/wpush/v2/abc', own), true);
  });

  it('refuses other hosts, ports, schemes, look-alikes and credentials', () => {
    for (const bad of [
      'https://evil.example.com/wpush/v1/abc',
      'https://push.example.com.evil.net/wpush/v1/abc',
      'https://push.example.com:8443/wpush/v1/abc',
      'http://push.example.com/wpush/v1/abc',
      'https://user:pw@push.example.com/wpush/v1/abc',
      'not a url',
      '',
    ]) {
      assert.equal(isAllowedPushCallback(bad, own), false, bad);
    }
  });

  it('accepts an http callback where an http origin is listed (a local Herald)', () => {
    assert.equal(isAllowedPushCallback('http://127.0.0.1:8080/wpush/v1/x', ['http://127.0.0.1:8080']), true);
  });

  it('accepts any subdomain of a *. entry, not the bare domain', () => {
    const mozilla = ['https://*.push.services.mozilla.com'];
    assert.equal(isAllowedPushCallback('https://updates.push.services.mozilla.com/wpush/v1/x', mozilla), true);
    assert.equal(isAllowedPushCallback('https://push.services.mozilla.com/wpush/v1/x', mozilla), false);
    assert.equal(isAllowedPushCallback('https://updates.push.services.mozilla.com.evil.net/x', mozilla), false);
  });
});
