import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../errors/api-error.js';
import { parseTtl } from './ttl.js';

const MAX = 2_592_000;
const fails = (raw: string | undefined, kind: string, status: number, errno: number) =>
  assert.throws(() => parseTtl(raw, MAX), (e: unknown) => e instanceof ApiError && e.kind === kind && e.status === status && e.errno === errno);

describe('parseTtl', () => {
  it('reads whole seconds', () => {
    assert.equal(parseTtl('60', MAX), 60);
    assert.equal(parseTtl('0', MAX), 0);
    assert.equal(parseTtl('+15', MAX), 15);
  });
  it('rejects a missing TTL with 400 and errno 111', () => fails(undefined, 'invalid-ttl', 400, 111));
  it('rejects a non-numeric TTL with 400 and errno 111', () => {
    for (const raw of ['soon', '', '60.5', '1e3', '0x10', '6 0']) fails(raw, 'invalid-ttl', 400, 111);
  });
  it('rejects a TTL beyond a 64-bit integer with errno 111, as autopush cannot parse it', () =>
    fails('99999999999999999999', 'invalid-ttl', 400, 111));
  it('rejects a negative TTL with 400 and errno 114', () => {
    fails('-1', 'negative-ttl', 400, 114);
    fails('-9223372036854775808', 'negative-ttl', 400, 114);
  });
  it('treats -0 as zero, not as negative', () => assert.equal(parseTtl('-0', MAX), 0));
  it('clamps a TTL above the maximum silently', () => {
    assert.equal(parseTtl(String(MAX + 1), MAX), MAX);
    assert.equal(parseTtl('9223372036854775807', MAX), MAX);
    assert.equal(parseTtl(String(MAX), MAX), MAX);
  });
});
