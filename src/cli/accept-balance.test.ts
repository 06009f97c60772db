import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AcceptBalancer, decideAccepting, resumeAtOrBelow, stopAbove, type AcceptOrder } from './accept-balance.js';

const map = <V>(entries: Array<[number, V]>) => new Map(entries);

describe('decideAccepting', () => {
  it('lets every worker accept while the counts are close', () => {
    assert.deepEqual(decideAccepting(map([[0, 1000], [1, 1050], [2, 980]]), new Map()), map([[0, true], [1, true], [2, true]]));
  });

  it('stops a worker more than 10 % (at least 64 sockets) over the mean', () => {
    // mean 1,100; stop above 1,210
    assert.deepEqual(decideAccepting(map([[0, 1000], [1, 1300], [2, 1000]]), new Map()), map([[0, true], [1, false], [2, true]]));
    // mean 220; 64 over it is the margin, not 10 %
    assert.deepEqual(decideAccepting(map([[0, 200], [1, 260]]), new Map()), map([[0, true], [1, true]]));
    assert.equal(stopAbove(220), 284);
    assert.equal(stopAbove(10_000), 11_000);
  });

  it('resumes a stopped worker only once it is back near the mean (no flapping at the line)', () => {
    const stopped = map([[1, false]]);
    // mean 1,100: resume at or below 1,155; 1,200 is under the stop line yet stays stopped
    assert.equal(decideAccepting(map([[0, 1000], [1, 1200], [2, 1100]]), stopped).get(1), false);
    assert.equal(decideAccepting(map([[0, 1100], [1, 1150], [2, 1050]]), stopped).get(1), true);
    assert.equal(resumeAtOrBelow(1100), 1155);
  });

  it('never stops the worker with the fewest sockets', () => {
    // Two workers: the mean sits between them, the lower one always accepts.
    assert.deepEqual(decideAccepting(map([[0, 0], [1, 5000]]), map([[0, false], [1, true]])), map([[0, true], [1, false]]));
    assert.deepEqual(decideAccepting(map([[3, 7]]), map([[3, false]])), map([[3, true]]));
    assert.deepEqual(decideAccepting(new Map(), new Map()), new Map());
  });
});

describe('AcceptBalancer', () => {
  it('tells a worker only when its part changes', () => {
    const told: Array<[number, AcceptOrder]> = [];
    const b = new AcceptBalancer((i, o) => told.push([i, o]));
    b.report({ type: 'herald-load', index: 0, open: 100 });
    b.report({ type: 'herald-load', index: 1, open: 120 });
    assert.deepEqual(told, []);
    b.report({ type: 'herald-load', index: 1, open: 400 });
    assert.deepEqual(told, [[1, { type: 'herald-accept', accepting: false }]]);
    b.report({ type: 'herald-load', index: 1, open: 410 });
    assert.equal(told.length, 1);
    b.report({ type: 'herald-load', index: 0, open: 400 });
    assert.deepEqual(told[1], [1, { type: 'herald-accept', accepting: true }]);
  });

  it('lets every remaining worker accept when one leaves, and counts the new one from its first report', () => {
    const told: Array<[number, AcceptOrder]> = [];
    const b = new AcceptBalancer((i, o) => told.push([i, o]));
    b.report({ type: 'herald-load', index: 0, open: 1000 });
    b.report({ type: 'herald-load', index: 1, open: 1000 });
    b.report({ type: 'herald-load', index: 2, open: 10 });
    assert.deepEqual(told, [
      [0, { type: 'herald-accept', accepting: false }],
      [1, { type: 'herald-accept', accepting: false }],
    ]);
    b.forget(2);
    assert.deepEqual(told.slice(2), [
      [0, { type: 'herald-accept', accepting: true }],
      [1, { type: 'herald-accept', accepting: true }],
    ]);
    // Its replacement starts empty: the others pause until it catches up.
    b.report({ type: 'herald-load', index: 2, open: 0 });
    assert.deepEqual(told.slice(4), [
      [0, { type: 'herald-accept', accepting: false }],
      [1, { type: 'herald-accept', accepting: false }],
    ]);
  });
});
