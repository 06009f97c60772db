import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TimerWheel, type WheelEntry } from './timer-wheel.js';

function entry(log: Array<[string, number]>, name: string, again?: () => number | null): WheelEntry & { wheel?: TimerWheel } {
  const e: WheelEntry & { wheel?: TimerWheel } = {
    wheelSlot: -1,
    onTimer(now) {
      log.push([name, now]);
      const next = again?.();
      if (next != null) e.wheel!.schedule(e, next);
    },
  };
  return e;
}

describe('TimerWheel', () => {
  it('fires each entry once, at or after its time and at most about a tick late, in time order', async () => {
    const wheel = new TimerWheel(10);
    const log: Array<[string, number]> = [];
    const start = wheel.now();
    const at = { a: start + 60, b: start + 20, c: start + 40 };
    for (const [name, t] of Object.entries(at)) wheel.schedule(entry(log, name), t);
    assert.equal(wheel.size, 3);
    await sleep(150);
    assert.deepEqual(log.map(([n]) => n), ['b', 'c', 'a']);
    for (const [name, firedAt] of log) {
      const due = at[name as keyof typeof at];
      assert.ok(firedAt >= due, `${name} not early`);
    }
    assert.equal(wheel.size, 0);
  });

  it('moves a rescheduled entry, forgets a cancelled one, and lets an entry schedule itself again', async () => {
    const wheel = new TimerWheel(5);
    const log: Array<[string, number]> = [];
    const start = wheel.now();
    const moved = entry(log, 'moved');
    wheel.schedule(moved, start + 10);
    wheel.schedule(moved, start + 60); // later: must not fire at 10
    const cancelled = entry(log, 'cancelled');
    wheel.schedule(cancelled, start + 20);
    wheel.cancel(cancelled);
    assert.equal(cancelled.wheelSlot, -1);
    let rounds = 0;
    const repeating = entry(log, 'repeat', () => (++rounds < 3 ? wheel.now() + 15 : null));
    repeating.wheel = wheel;
    wheel.schedule(repeating, start + 15);
    await sleep(120);
    assert.deepEqual(log.map(([n]) => n).filter((n) => n !== 'repeat'), ['moved']);
    assert.ok(log.find(([n]) => n === 'moved')![1] >= start + 60);
    assert.equal(log.filter(([n]) => n === 'repeat').length, 3);
    wheel.stop();
  });

  it('holds many entries on one timer and fires none after stop', async () => {
    const wheel = new TimerWheel(5);
    const log: Array<[string, number]> = [];
    for (let i = 0; i < 10_000; i++) wheel.schedule(entry(log, `e${i}`), wheel.now() + 20 + (i % 50));
    assert.equal(wheel.size, 10_000);
    wheel.stop();
    await sleep(100);
    assert.equal(log.length, 0);
  });
});
