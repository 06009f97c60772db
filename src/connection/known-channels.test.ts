/** known-channels.ts: what a live session knows of its channels, and the epoch that guards learning. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KnownChannels } from './known-channels.js';

describe('KnownChannels', () => {
  it('learns a channel read at the current epoch, and forgets it on unregister', () => {
    const k = new KnownChannels();
    assert.equal(k.has('a'), false);
    k.learn('a', k.epoch());
    k.learn('b', k.epoch());
    assert.ok(k.has('a') && k.has('b'));
    k.forgetting('a');
    k.forgotten();
    assert.equal(k.has('a'), false);
    assert.equal(k.has('b'), true);
  });

  it('learns nothing from a read that began before or during an unregister', () => {
    const k = new KnownChannels();
    const before = k.epoch();
    k.forgetting('a');
    assert.equal(k.epoch(), 0, 'no token while the unregister runs');
    k.learn('a', before);
    k.learn('a', 0);
    assert.equal(k.has('a'), false);
    k.forgotten();
    k.learn('a', before);
    assert.equal(k.has('a'), false, 'the epoch moved on');
    k.learn('a', k.epoch());
    assert.equal(k.has('a'), true, 'a read after the unregister may teach it again (it was registered again)');
  });

  it("never takes another session's token", () => {
    const old = new KnownChannels();
    const token = old.epoch();
    const next = new KnownChannels();
    assert.notEqual(next.epoch(), token);
    next.learn('a', token);
    assert.equal(next.has('a'), false);
  });

  it('keeps at most 64 channels; the rest are read from storage as before', () => {
    const k = new KnownChannels();
    for (let i = 0; i < 100; i++) k.learn(`c${i}`, k.epoch());
    let known = 0;
    for (let i = 0; i < 100; i++) if (k.has(`c${i}`)) known++;
    assert.equal(known, 64);
  });
});
