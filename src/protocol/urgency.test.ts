import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { URGENCY_LEVELS, isLowerUrgency, meetsUrgency, urgencyOrUndefined } from './urgency.js';

describe('urgency levels', () => {
  it('orders very-low < low < normal < high', () => {
    assert.deepEqual(URGENCY_LEVELS, ['very-low', 'low', 'normal', 'high']);
    for (let i = 1; i < URGENCY_LEVELS.length; i++) assert.ok(isLowerUrgency(URGENCY_LEVELS[i - 1]!, URGENCY_LEVELS[i]!));
  });

  it('lets a message through at its own level and every lower one', () => {
    assert.equal(meetsUrgency('normal', 'normal'), true);
    assert.equal(meetsUrgency('normal', 'low'), true);
    assert.equal(meetsUrgency('normal', 'high'), false);
    assert.equal(meetsUrgency('very-low', 'very-low'), true);
    assert.equal(meetsUrgency('very-low', 'low'), false);
    assert.equal(meetsUrgency('high', 'high'), true);
  });

  it('counts a message without urgency as normal', () => {
    assert.equal(meetsUrgency(undefined, 'normal'), true);
    assert.equal(meetsUrgency(undefined, 'high'), false);
  });

  it('reads only the four exact lowercase names', () => {
    for (const u of URGENCY_LEVELS) assert.equal(urgencyOrUndefined(u), u);
    for (const bad of ['High', ' high', 'urgent', '', 'toString', '__proto__', 3, null, undefined, {}]) {
      assert.equal(urgencyOrUndefined(bad), undefined, String(bad));
    }
  });
});
