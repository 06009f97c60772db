import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AcceptBalancer, decideAccepting, resumeAtOrBelow, STALE_MS, stopAbove, type AcceptOrder, type WorkerLoad } from './accept-balance.js';

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
  /** Worker `index` reports, having carried out its orders so far (`seq` given: up to that one). */
  let seqs = new Map<number, number>();
  const load = (index: number, open: number, accepting = true, seq = seqs.get(index) ?? 0): WorkerLoad => ({ type: 'herald-load', index, open, accepting, seq });
  /** A balancer whose orders are kept as [worker, accepting]; `seqs` follows the orders' numbers. */
  const balancer = (told: Array<[number, boolean]>, now?: () => number) => {
    seqs = new Map();
    const tell = (i: number, o: AcceptOrder) => {
      assert.equal(o.seq, (seqs.get(i) ?? 0) + 1, 'orders to one worker are numbered 1, 2, ...');
      seqs.set(i, o.seq);
      told.push([i, o.accepting]);
    };
    return now === undefined ? new AcceptBalancer(tell) : new AcceptBalancer(tell, now);
  };
  const order = (accepting: boolean) => accepting;

  it('tells a worker only when its part changes', () => {
    const told: Array<[number, boolean]> = [];
    const b = balancer(told);
    b.report(load(0, 100));
    b.report(load(1, 120));
    assert.deepEqual(told, []);
    b.report(load(1, 400));
    assert.deepEqual(told, [[1, order(false)]]);
    b.report(load(1, 410, false));
    assert.equal(told.length, 1);
    b.report(load(0, 400));
    assert.deepEqual(told[1], [1, order(true)]);
  });

  it('stops a worker only while another says it accepts, so the shared socket always has one', () => {
    const told: Array<[number, boolean]> = [];
    const b = balancer(told);
    b.report(load(0, 100));
    b.report(load(1, 1000));
    assert.deepEqual(told, [[1, order(false)]]);
    b.report(load(1, 1000, false));
    // The counts turn over: 0 is now over the mean, 1 under. 1 is told to resume at once; 0 keeps
    // accepting until 1 says it does.
    b.report(load(0, 3000));
    assert.deepEqual(told.slice(1), [[1, order(true)]]);
    b.report(load(1, 1000, true));
    assert.deepEqual(told.slice(2), [[0, order(false)]]);
  });

  it('does not count a worker as accepting on a report made before its last order', () => {
    const told: Array<[number, boolean]> = [];
    const b = balancer(told);
    b.report(load(0, 100));
    b.report(load(1, 100));
    b.report(load(0, 1000));
    assert.deepEqual(told, [[0, order(false)]]);
    // 0 has not reported since it was told to stop; told to resume now, it may not listen yet:
    // 1 keeps accepting until 0 says it does.
    b.report(load(1, 5000));
    assert.deepEqual(told.slice(1), [[0, order(true)]]);
    b.report(load(0, 1000, true));
    assert.deepEqual(told.slice(2), [[1, order(false)]]);
  });

  it('does not take a report sent before the last order for what the worker does now', () => {
    const told: Array<[number, boolean]> = [];
    const b = balancer(told);
    b.report(load(0, 100));
    b.report(load(1, 100));
    b.report(load(0, 1000));
    assert.deepEqual(told, [[0, false]]);
    b.report(load(1, 5000));
    assert.deepEqual(told.slice(1), [[0, true]]);
    // Sent before either order reached it: 0 says it accepts, but that predates "resume".
    b.report(load(0, 1000, true, 0));
    b.report(load(0, 1000, true, 1));
    assert.equal(told.length, 2, '1 keeps accepting');
    b.report(load(0, 1000, true, 2));
    assert.deepEqual(told.slice(2), [[1, false]]);
  });

  it('does not count a worker that stopped reporting (it may hang), and resumes a stopped one when no live one accepts', () => {
    let now = 0;
    const told: Array<[number, boolean]> = [];
    const b = balancer(told, () => now);
    b.report(load(0, 100));
    b.report(load(1, 1000));
    assert.deepEqual(told, [[1, false]]);
    // 0 falls silent: after STALE_MS it no longer counts, and 1, the only live worker, resumes.
    now = STALE_MS - 1;
    b.report(load(1, 1000, false));
    assert.equal(told.length, 1, '0 reported less than STALE_MS ago');
    now = STALE_MS;
    b.report(load(1, 1000, false));
    assert.deepEqual(told.slice(1), [[1, true]]);
    // Over the mean, it is not stopped again while 0 is silent.
    b.report(load(1, 2000, true));
    assert.equal(told.length, 2);
    // 0 is back: 1 stops.
    b.report(load(0, 100));
    assert.deepEqual(told.slice(2), [[1, false]]);
  });

  it('lets every remaining worker accept when one leaves, and counts the new one from its first report', () => {
    const told: Array<[number, boolean]> = [];
    const b = balancer(told);
    b.report(load(0, 1000));
    b.report(load(1, 1000));
    b.report(load(2, 10));
    assert.deepEqual(told, [
      [0, order(false)],
      [1, order(false)],
    ]);
    b.forget(2);
    assert.deepEqual(told.slice(2), [
      [0, order(true)],
      [1, order(true)],
    ]);
    // Its replacement starts empty: the others stop once it says it accepts.
    b.report(load(2, 0));
    assert.deepEqual(told.slice(4), [
      [0, order(false)],
      [1, order(false)],
    ]);
  });
});
