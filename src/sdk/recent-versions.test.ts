import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentVersions } from './recent-versions.js';

describe('recent versions (dedup)', () => {
  it('remembers versions and their channel', () => {
    const r = new RecentVersions();
    r.add('v1', 'chan-a');
    assert.ok(r.has('v1'));
    assert.equal(r.channelOf('v1'), 'chan-a');
    assert.ok(!r.has('v2'));
    assert.equal(r.channelOf('v2'), undefined);
  });

  it('keeps only the last 100, forgetting the oldest first', () => {
    const r = new RecentVersions();
    for (let i = 0; i < 150; i++) r.add(`v${i}`, 'c');
    assert.equal(r.size, 100);
    assert.ok(!r.has('v49'));
    assert.ok(r.has('v50'));
    assert.ok(r.has('v149'));
  });

  it('counts a re-added version as new', () => {
    const r = new RecentVersions(3);
    r.add('a', 'c');
    r.add('b', 'c');
    r.add('a', 'c');
    r.add('d', 'c');
    r.add('e', 'c');
    assert.ok(r.has('a'), 'a was refreshed, so b became the oldest');
    assert.ok(!r.has('b'));
  });
});
