/** Broadcast change tracking (docs/protocol.md#megaphone-broadcasts), without sockets. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROADCAST_NOT_FOUND, BroadcastTracker } from './tracker.js';

function tracker(): BroadcastTracker {
  const t = new BroadcastTracker();
  t.update({ 'kinto:123': 'v1', 'remote-settings/monitor_changes': '"10"' });
  return t;
}

describe('BroadcastTracker', () => {
  it('counts each new or changed broadcast once and keeps ids a later snapshot leaves out', () => {
    const t = tracker();
    assert.equal(t.changeCount, 2);
    assert.equal(t.update({ 'kinto:123': 'v1' }), 0);
    assert.equal(t.update({ 'kinto:123': 'v2' }), 1);
    assert.equal(t.changeCount, 3);
    assert.equal(t.version('remote-settings/monitor_changes'), '"10"');
  });

  it('answers hello with the differing versions and errors for unknown ids', () => {
    const { reply, subscription } = tracker().open({ 'kinto:123': 'v0', 'remote-settings/monitor_changes': '"10"', 'nope:1': 'x' });
    assert.deepEqual(reply, { 'kinto:123': 'v1', errors: { 'nope:1': BROADCAST_NOT_FOUND } });
    assert.deepEqual([...subscription.ids].sort(), ['kinto:123', 'remote-settings/monitor_changes']);
  });

  it('answers hello with {} when the client is up to date', () => {
    assert.deepEqual(tracker().open({ 'kinto:123': 'v1' }).reply, {});
  });

  it('reports a change once, only to sessions subscribed to it', () => {
    const t = tracker();
    const a = t.open({ 'kinto:123': 'v1' }).subscription;
    const b = t.open({ 'remote-settings/monitor_changes': '"10"' }).subscription;
    assert.equal(a.takeChanges(), null);
    t.update({ 'kinto:123': 'v2' });
    assert.deepEqual(a.takeChanges(), { 'kinto:123': 'v2' });
    assert.equal(a.takeChanges(), null);
    assert.equal(b.takeChanges(), null);
  });

  it('subscribe adds ids, reports differing and pending ones, and stays silent when nothing differs', () => {
    const t = tracker();
    const s = t.open({}).subscription;
    assert.equal(s.subscribe({ 'kinto:123': 'v1' }), null);
    t.update({ 'kinto:123': 'v2' });
    assert.deepEqual(s.subscribe({ 'remote-settings/monitor_changes': '"9"' }), { 'kinto:123': 'v2', 'remote-settings/monitor_changes': '"10"' });
    assert.deepEqual(s.subscribe({ 'x:1': '1' }), { errors: { 'x:1': BROADCAST_NOT_FOUND } });
  });

  it('keeps an id such as __proto__ a plain key', () => {
    const t = new BroadcastTracker();
    t.update(JSON.parse('{"__proto__":"v1"}') as Record<string, string>);
    const reply = t.open(JSON.parse('{"__proto__":"v0"}') as Record<string, string>).reply;
    assert.equal(JSON.stringify(reply), '{"__proto__":"v1"}');
  });
});
