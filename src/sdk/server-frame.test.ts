import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerFrame } from './server-frame.js';

describe('server frames', () => {
  it('reads a hello reply', () => {
    const f = parseServerFrame('{"messageType":"hello","uaid":"abc","status":200,"use_webpush":true,"broadcasts":{}}');
    assert.deepEqual(f, { messageType: 'hello', uaid: 'abc', status: 200, use_webpush: true, broadcasts: {} });
  });

  it('reads register replies, including a failed one without an endpoint', () => {
    assert.deepEqual(parseServerFrame('{"messageType":"register","channelID":"c","status":200,"pushEndpoint":"http://x"}'), {
      messageType: 'register',
      channelID: 'c',
      status: 200,
      pushEndpoint: 'http://x',
    });
    assert.equal((parseServerFrame('{"messageType":"register","channelID":"c","status":500}') as { pushEndpoint: string }).pushEndpoint, '');
  });

  it('treats {} as the reply to a ping', () => {
    assert.deepEqual(parseServerFrame('{}'), { messageType: 'ping' });
  });

  it('reads notifications with and without data, keeping only known header fields', () => {
    assert.deepEqual(parseServerFrame('{"messageType":"notification","channelID":"c","version":"v"}'), {
      messageType: 'notification',
      channelID: 'c',
      version: 'v',
    });
    const f = parseServerFrame(
      '{"messageType":"notification","channelID":"c","version":"v","data":"AAA","headers":{"encoding":"aesgcm","encryption":"salt=x","crypto_key":"dh=y","other":1},"reliability_id":"r"}',
    );
    assert.deepEqual(f, {
      messageType: 'notification',
      channelID: 'c',
      version: 'v',
      data: 'AAA',
      headers: { encoding: 'aesgcm', encryption: 'salt=x', crypto_key: 'dh=y' },
    });
  });

  it('rejects non-objects, unknown types, missing fields and unknown encodings', () => {
    assert.throws(() => parseServerFrame('[1]'), /not a JSON object/);
    assert.throws(() => parseServerFrame('not json'), SyntaxError);
    assert.throws(() => parseServerFrame('{"messageType":"launch"}'), /unknown server messageType/);
    assert.throws(() => parseServerFrame('{"messageType":"notification","channelID":"c"}'), /lacks string version/);
    assert.throws(() => parseServerFrame('{"messageType":"hello","uaid":"a"}'), /lacks numeric status/);
    assert.throws(
      () => parseServerFrame('{"messageType":"notification","channelID":"c","version":"v","data":"A","headers":{"encoding":"rot13"}}'),
      /unknown encoding/,
    );
  });
});
