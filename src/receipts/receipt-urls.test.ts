import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseReceiptSubscriptionUrl, receiptLinkHeader, receiptSubscriptionUrl } from './receipt-urls.js';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('receipt URLs', () => {
  it('joins the receipt resources to the public base URL, path kept', () => {
    assert.equal(receiptSubscriptionUrl('https://push.example/base/', ID), `https://push.example/base/receipts/${ID}`);
    assert.equal(receiptLinkHeader('http://h:8080'), '<http://h:8080/receipts>; rel="urn:ietf:params:push:receipt"');
  });

  it('reads the id back from a receipt subscription URL of this server', () => {
    assert.equal(parseReceiptSubscriptionUrl('https://push.example/base/', ` https://push.example/base/receipts/${ID} `), ID);
  });

  it('refuses another origin, path, a query, or a malformed id', () => {
    const base = 'https://push.example/';
    for (const bad of [
      `https://evil.example/receipts/${ID}`,
      `http://push.example/receipts/${ID}`,
      `https://push.example/other/${ID}`,
      `https://push.example/receipts/${ID}?x=1`,
      'https://push.example/receipts/short',
      `https://push.example/receipts/${ID}/more`,
      'not a url',
      '',
    ]) {
      assert.equal(parseReceiptSubscriptionUrl(base, bad), null, bad);
    }
  });
});
