import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiptClock } from './receipt-clock.js';

describe('ReceiptClock', () => {
  it('gives wall-clock seconds and microseconds', () => {
    assert.deepEqual(new ReceiptClock({ nowMs: () => 1_700_000_000_500 }).next(), { seconds: 1_700_000_000, micros: 1_700_000_000_500_000 });
  });
  it('never repeats a microsecond stamp within one millisecond', () => {
    const clock = new ReceiptClock({ nowMs: () => 5000 });
    assert.deepEqual([clock.next().micros, clock.next().micros, clock.next().micros], [5_000_000, 5_000_001, 5_000_002]);
  });
  it('keeps counting up when the wall clock steps back', () => {
    let ms = 10_000;
    const clock = new ReceiptClock({ nowMs: () => ms });
    const first = clock.next().micros;
    ms = 9_000;
    const second = clock.next();
    assert.ok(second.micros > first);
    assert.equal(second.seconds, 9, 'the timestamp still follows the wall clock');
  });
});
