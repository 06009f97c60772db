/** node-id.ts: a node id is its router URL (docs/protocol.md#identifiers). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routerUrl } from './node-id.js';

describe('routerUrl', () => {
  it('is http://host:port', () => assert.equal(routerUrl('10.0.0.5', 8081), 'http://10.0.0.5:8081'));
  it('leaves out port 80', () => assert.equal(routerUrl('conn-1.internal', 80), 'http://conn-1.internal'));
  it('brackets an IPv6 literal', () => assert.equal(routerUrl('::1', 8081), 'http://[::1]:8081'));
});
