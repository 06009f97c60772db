import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../errors/api-error.js';
import { parsePushReceipt, prefersRespondAsync } from './push-receipt.js';

const BASE = 'https://push.example/';
const ID = 'abcdefghijklmnopqrstuv';

describe('Push-Receipt and Prefer', () => {
  it('reads the receipt subscription id of this server, none when the header is absent', () => {
    assert.equal(parsePushReceipt(`${BASE}receipts/${ID}`, BASE), ID);
    assert.equal(parsePushReceipt(undefined, BASE), null);
  });

  it('rejects a URL of another server or path with 400 and errno 118', () => {
    for (const bad of [`https://other.example/receipts/${ID}`, `${BASE}m/${ID}`, '', 'x']) {
      assert.throws(
        () => parsePushReceipt(bad, BASE),
        (err) => err instanceof ApiError && err.kind === 'invalid-receipt-subscription' && err.status === 400 && err.errno === 118,
      );
    }
  });

  it('finds respond-async among other preferences, in any case, with parameters', () => {
    for (const yes of ['respond-async', 'RESPOND-ASYNC', 'return=minimal, respond-async', 'respond-async; wait=10', ' wait=5 , Respond-Async ']) {
      assert.equal(prefersRespondAsync(yes), true, yes);
    }
    for (const no of [undefined, '', 'return=minimal', 'wait=5', 'respond-asyncx']) assert.equal(prefersRespondAsync(no), false, String(no));
  });
});
