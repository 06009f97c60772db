/** registry.ts: docs/protocol.md#internal-router-port, docs/protocol.md#ghosting-and-takeover. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KnownChannels } from './known-channels.js';
import { ClientRegistry } from './registry.js';
import type { RegisteredSession, ServerEvent } from './types.js';
import { makeNotification } from './test-harness.js';

class FakeSession implements RegisteredSession {
  events: ServerEvent[] = [];
  ghosted = 0;
  constructor(private readonly accept = true) {}
  deliver(event: ServerEvent): boolean {
    if (!this.accept) return false;
    this.events.push(event);
    return true;
  }
  ghost(): void {
    this.ghosted++;
  }
  readonly known = new KnownChannels();
  knownChannels(): KnownChannels {
    return this.known;
  }
}

describe('ClientRegistry', () => {
  it('answers false for a uaid with no session', () => {
    const r = new ClientRegistry();
    assert.equal(r.push('u', makeNotification('c')), false);
    assert.equal(r.checkStorage('u'), false);
    assert.equal(r.channels('u'), undefined);
  });

  it("hands out the channel knowledge of the uaid's current session only", () => {
    const r = new ClientRegistry();
    const a = new FakeSession();
    const b = new FakeSession();
    r.register('u', a, 1);
    assert.equal(r.channels('u'), a.known);
    r.register('u', b, 2);
    assert.equal(r.channels('u'), b.known);
    r.unregister('u', b);
    assert.equal(r.channels('u'), undefined);
  });

  it('queues notifications and check-storage signals on the session', () => {
    const r = new ClientRegistry();
    const s = new FakeSession();
    r.register('u', s, 1);
    const n = makeNotification('c');
    assert.equal(r.push('u', n), true);
    assert.equal(r.checkStorage('u'), true);
    assert.deepEqual(s.events, [{ kind: 'notification', notification: n }, { kind: 'check-storage' }]);
  });

  it('notes a storage check asked for while a hello of the uaid is writing its record', () => {
    const r = new ClientRegistry();
    r.helloStarting('u');
    assert.equal(r.checkStorage('u'), true, 'the hello counts as reached');
    assert.equal(r.helloSettled('u'), true);
    assert.equal(r.checkStorage('u'), false, 'settled: no longer noted');
  });

  it('tells a hello under way of a check asked for while an older session of its uaid is still here', () => {
    const r = new ClientRegistry();
    const old = new FakeSession();
    r.register('u', old, 1);
    r.helloStarting('u');
    assert.equal(r.checkStorage('u'), true);
    assert.deepEqual(old.events, [{ kind: 'check-storage' }]);
    assert.equal(r.helloSettled('u'), true);
  });

  it('settles a hello with no check asked for as false, and keeps hellos of one uaid apart only by count', () => {
    const r = new ClientRegistry();
    r.helloStarting('u');
    r.helloStarting('u');
    assert.equal(r.helloSettled('u'), false);
    assert.equal(r.checkStorage('u'), true, 'the second hello is still under way');
    assert.equal(r.helloSettled('u'), true);
    assert.equal(r.helloSettled('u'), false, 'nothing left under way');
  });

  it('answers false when the session refuses (queue full)', () => {
    const r = new ClientRegistry();
    r.register('u', new FakeSession(false), 1);
    assert.equal(r.push('u', makeNotification('c')), false);
  });

  it('ghosts the older session when a uaid registers again', () => {
    const r = new ClientRegistry();
    const old = new FakeSession();
    const fresh = new FakeSession();
    r.register('u', old, 1);
    r.register('u', fresh, 2);
    assert.equal(old.ghosted, 1);
    assert.equal(fresh.ghosted, 0);
    assert.equal(r.current('u'), fresh);
    assert.equal(r.size, 1);
  });

  it('lets a session leave only its own entry', () => {
    const r = new ClientRegistry();
    const old = new FakeSession();
    const fresh = new FakeSession();
    r.register('u', old, 1);
    r.register('u', fresh, 2);
    r.unregister('u', old);
    assert.equal(r.current('u'), fresh);
    r.unregister('u', fresh);
    assert.equal(r.current('u'), undefined);
  });

  it('on takeover ghosts a session older than the newer connection elsewhere', () => {
    const r = new ClientRegistry();
    const s = new FakeSession();
    r.register('u', s, 1000);
    assert.equal(r.disconnect('u', 1001), true);
    assert.equal(s.ghosted, 1);
    assert.equal(r.current('u'), undefined, 'routers now see "not connected"');
  });

  it('on takeover keeps a session as new as or newer than the other connection', () => {
    const r = new ClientRegistry();
    const s = new FakeSession();
    r.register('u', s, 1000);
    assert.equal(r.disconnect('u', 1000), false);
    assert.equal(r.disconnect('u', 999), false);
    assert.equal(r.disconnect('other', 5000), false);
    assert.equal(s.ghosted, 0);
    assert.equal(r.current('u'), s);
  });
});
