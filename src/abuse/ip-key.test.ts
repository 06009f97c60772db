import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ipKey, isPrefixKey } from './ip-key.js';

describe('ipKey', () => {
  it('keeps IPv4 addresses and maps every IPv6 address of one /64 to one key', () => {
    assert.equal(ipKey('127.0.0.2'), '127.0.0.2');
    const key = '2001:db8:1:2::/64';
    for (const a of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:a:b:c:d', '2001:db8:1:2::', '2001:db8:1:2:0:0:0:9%eth0']) {
      assert.equal(ipKey(a), key, a);
    }
    assert.notEqual(ipKey('2001:db8:1:3::1'), key);
    assert.equal(ipKey('::1'), '0:0:0:0::/64');
    assert.equal(ipKey('fe80::1'), 'fe80:0:0:0::/64');
    assert.equal(ipKey('1::'), '1:0:0:0::/64');
    assert.equal(ipKey('64:ff9b::1.2.3.4'), '64:ff9b:0:0::/64');
    assert.ok(isPrefixKey(key));
    assert.ok(!isPrefixKey('2001:db8::1'));
    assert.ok(!isPrefixKey('127.0.0.1'));
  });
});
