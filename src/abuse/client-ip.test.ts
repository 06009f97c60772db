import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientIp, normalizeIp } from './client-ip.js';

const none = new Set<string>();
const proxy = new Set(['10.0.0.2']);

describe('clientIp', () => {
  it('is the socket peer by default, X-Forwarded-For ignored', () => {
    assert.equal(clientIp('203.0.113.7', '198.51.100.1', none), '203.0.113.7');
  });
  it('maps IPv4-mapped IPv6 to the IPv4 address', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.2'), '127.0.0.2');
    assert.equal(normalizeIp('2001:DB8::1'), '2001:db8::1');
  });
  it('behind a trusted proxy, is the right-most forwarded address that is not a proxy', () => {
    assert.equal(clientIp('10.0.0.2', '1.1.1.1, 198.51.100.1, 10.0.0.2', proxy), '198.51.100.1');
  });
  it('ignores X-Forwarded-For from a peer that is not a listed proxy', () => {
    assert.equal(clientIp('203.0.113.7', '198.51.100.1', proxy), '203.0.113.7');
  });
  it('falls back to the proxy itself when the header names only proxies', () => {
    assert.equal(clientIp('10.0.0.2', '10.0.0.2', proxy), '10.0.0.2');
    assert.equal(clientIp('10.0.0.2', undefined, proxy), '10.0.0.2');
  });
});
