/** parse-frame.ts: docs/protocol.md#connecting-and-framing and the fields of each message. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionError } from '../errors/session-error.js';
import { parseClientFrame, uuidHexOrNull } from './parse-frame.js';

const CHID = '5a0b4c52-8e0a-4a4c-9f0e-2b6f2a1e9d11';
const HEX = '5a0b4c528e0a4a4c9f0e2b6f2a1e9d11';

function rejects(text: string, why?: RegExp): void {
  assert.throws(
    () => parseClientFrame(text),
    (err: unknown) => {
      assert.ok(err instanceof SessionError, 'a SessionError');
      assert.equal(err.kind, 'InvalidMessage');
      assert.equal(err.closeCode, 1011);
      if (why) assert.match(err.message, why);
      return true;
    },
  );
}

describe('parseClientFrame', () => {
  describe('framing', () => {
    it('rejects text that is not JSON', () => rejects('{"messageType": "hello",', /not JSON/));
    it('rejects an empty frame', () => rejects(''));
    for (const text of ['[]', '[1,2]', '"hello"', '42', 'null', 'true']) {
      it(`rejects the non-object ${text}`, () => rejects(text, /not a JSON object/));
    }
    it('reads {} as an app-level ping', () => assert.deepEqual(parseClientFrame('{}'), { messageType: 'ping' }));
    it('reads an empty object with whitespace as a ping', () => assert.deepEqual(parseClientFrame(' { \n } '), { messageType: 'ping' }));
    it('reads messageType ping as a ping', () => assert.deepEqual(parseClientFrame('{"messageType":"ping"}'), { messageType: 'ping' }));
    it('rejects an unknown messageType', () => rejects('{"messageType":"launch-missiles"}', /unknown messageType/));
    it('rejects an object with keys but no messageType', () => rejects('{"uaid":null}', /missing messageType/));
    it('rejects a messageType that is not a string', () => rejects('{"messageType":1}'));
    it('is case-sensitive about messageType', () => rejects('{"messageType":"Hello"}'));
    it('ignores unknown fields', () =>
      assert.deepEqual(parseClientFrame('{"messageType":"ping","extra":[1,2,3]}'), { messageType: 'ping' }));
  });

  describe('hello', () => {
    it('reads a fresh Firefox hello (no uaid) as a new user', () =>
      assert.deepEqual(parseClientFrame('{"messageType":"hello","broadcasts":{},"use_webpush":true}'), {
        messageType: 'hello',
        uaid: null,
        broadcasts: {},
        urgency: null,
      }));
    it('keeps a simple uaid, lowercased', () =>
      assert.equal((parseClientFrame(`{"messageType":"hello","uaid":"${HEX.toUpperCase()}"}`) as { uaid: string }).uaid, HEX));
    it('normalises a dashed uaid to 32 lowercase hex', () =>
      assert.equal((parseClientFrame(`{"messageType":"hello","uaid":"${CHID.toUpperCase()}"}`) as { uaid: string }).uaid, HEX));
    it('treats a null uaid as a new user', () =>
      assert.equal((parseClientFrame('{"messageType":"hello","uaid":null}') as { uaid: unknown }).uaid, null));
    for (const bad of ['', 'not-a-uuid', `${HEX}0`, `${HEX.slice(1)}g`, 'deadbeef']) {
      it(`treats the unparseable uaid ${JSON.stringify(bad)} as a new user, not an error`, () =>
        assert.equal((parseClientFrame(JSON.stringify({ messageType: 'hello', uaid: bad })) as { uaid: unknown }).uaid, null));
    }
    it('rejects a uaid that is not a string', () => rejects('{"messageType":"hello","uaid":42}', /uaid/));
    it('keeps the broadcasts the UA sends', () =>
      assert.deepEqual(
        (parseClientFrame('{"messageType":"hello","broadcasts":{"remote-settings/monitor_changes":"\\"0\\""}}') as { broadcasts: unknown })
          .broadcasts,
        { 'remote-settings/monitor_changes': '"0"' },
      ));
    it('rejects broadcasts with non-string versions', () => rejects('{"messageType":"hello","broadcasts":{"a":1}}', /broadcast/));
    it('rejects broadcasts that are not an object', () => rejects('{"messageType":"hello","broadcasts":[]}', /broadcasts/));
    it('ignores channelIDs and use_webpush', () =>
      assert.deepEqual(parseClientFrame('{"messageType":"hello","channelIDs":["x"],"use_webpush":false}'), {
        messageType: 'hello',
        uaid: null,
        broadcasts: {},
        urgency: null,
      }));
    it('keeps a "__proto__" broadcast id as data', () => {
      const f = parseClientFrame('{"messageType":"hello","broadcasts":{"__proto__":"v"}}') as { broadcasts: Record<string, string> };
      assert.equal(Object.getOwnPropertyDescriptor(f.broadcasts, '__proto__')?.value, 'v');
    });
  });

  describe('urgency (Herald extension)', () => {
    it('reads the lowest urgency a hello asks for', () =>
      assert.equal((parseClientFrame('{"messageType":"hello","urgency":"high"}') as { urgency: unknown }).urgency, 'high'));
    it('treats a hello without urgency, or with urgency null, as wanting everything', () => {
      assert.equal((parseClientFrame('{"messageType":"hello"}') as { urgency: unknown }).urgency, null);
      assert.equal((parseClientFrame('{"messageType":"hello","urgency":null}') as { urgency: unknown }).urgency, null);
    });
    for (const bad of ['"High"', '"urgent"', '""', '1', '{}', '"toString"']) {
      it(`rejects a hello with urgency ${bad}`, () => rejects(`{"messageType":"hello","urgency":${bad}}`, /urgency/));
      it(`rejects an urgency message with urgency ${bad}`, () => rejects(`{"messageType":"urgency","urgency":${bad}}`, /urgency/));
    }
    it('reads an urgency message for each of the four levels', () => {
      for (const u of ['very-low', 'low', 'normal', 'high']) {
        assert.deepEqual(parseClientFrame(JSON.stringify({ messageType: 'urgency', urgency: u })), { messageType: 'urgency', urgency: u });
      }
    });
    it('rejects an urgency message without a level', () => rejects('{"messageType":"urgency"}', /urgency/));
  });

  describe('register', () => {
    it('reads a Firefox register with a padded key', () =>
      assert.deepEqual(parseClientFrame(`{"channelID":"${CHID}","messageType":"register","key":"BAAA=="}`), {
        messageType: 'register',
        channelID: CHID,
        key: 'BAAA==',
      }));
    it('reads a register without key', () =>
      assert.deepEqual(parseClientFrame(`{"messageType":"register","channelID":"${CHID}"}`), {
        messageType: 'register',
        channelID: CHID,
        key: null,
      }));
    it('passes an undecodable key through (the reply, not the parser, handles it)', () =>
      assert.equal((parseClientFrame(`{"messageType":"register","channelID":"${CHID}","key":"a+b/"}`) as { key: string }).key, 'a+b/'));
    it('rejects a missing channelID', () => rejects('{"messageType":"register"}', /channelID/));
    it('rejects an uppercase channelID', () => rejects(`{"messageType":"register","channelID":"${CHID.toUpperCase()}"}`, /lowercase dashed/));
    it('rejects a simple (dashless) channelID', () => rejects(`{"messageType":"register","channelID":"${HEX}"}`, /lowercase dashed/));
    it('rejects a channelID that is not a UUID', () => rejects('{"messageType":"register","channelID":"abc"}'));
    it('rejects a channelID that is not a string', () => rejects('{"messageType":"register","channelID":7}'));
    it('rejects a key that is not a string', () => rejects(`{"messageType":"register","channelID":"${CHID}","key":{}}`, /key/));
  });

  describe('unregister', () => {
    for (const form of [CHID, CHID.toUpperCase(), HEX, `{${CHID}}`, `urn:uuid:${CHID}`]) {
      it(`accepts the channelID form ${form} and returns it lowercase dashed`, () =>
        assert.deepEqual(parseClientFrame(JSON.stringify({ messageType: 'unregister', channelID: form, code: 200 })), {
          messageType: 'unregister',
          channelID: CHID,
          code: 200,
        }));
    }
    it('has a null code when none is given', () =>
      assert.equal((parseClientFrame(`{"messageType":"unregister","channelID":"${CHID}"}`) as { code: unknown }).code, null));
    it('rejects a missing channelID', () => rejects('{"messageType":"unregister"}'));
    it('rejects a channelID that is not a UUID', () => rejects('{"messageType":"unregister","channelID":"nope"}', /not a UUID/));
    it('rejects a non-integer code', () => rejects(`{"messageType":"unregister","channelID":"${CHID}","code":"200"}`, /code/));
    it('rejects a fractional code', () => rejects(`{"messageType":"unregister","channelID":"${CHID}","code":1.5}`, /code/));
  });

  describe('ack', () => {
    it('reads updates, normalising channel ids', () =>
      assert.deepEqual(
        parseClientFrame(JSON.stringify({ messageType: 'ack', updates: [{ channelID: HEX, version: 'v1', code: 100 }, { channelID: CHID, version: 'v2' }] })),
        {
          messageType: 'ack',
          updates: [
            { channelID: CHID, version: 'v1', code: 100 },
            { channelID: CHID, version: 'v2', code: null },
          ],
        },
      ));
    it('accepts an empty update list', () => assert.deepEqual(parseClientFrame('{"messageType":"ack","updates":[]}'), { messageType: 'ack', updates: [] }));
    it('rejects a missing update list', () => rejects('{"messageType":"ack"}', /updates/));
    it('rejects updates that are not a list', () => rejects('{"messageType":"ack","updates":{}}', /updates/));
    it('rejects an update without version', () => rejects(`{"messageType":"ack","updates":[{"channelID":"${CHID}"}]}`, /version/));
    it('rejects an update with a bad channelID', () => rejects('{"messageType":"ack","updates":[{"channelID":"x","version":"v"}]}'));
    it('rejects an update that is not an object', () => rejects('{"messageType":"ack","updates":["v"]}'));
  });

  describe('nack', () => {
    it('reads version and code', () =>
      assert.deepEqual(parseClientFrame('{"messageType":"nack","version":"v","code":302}'), { messageType: 'nack', version: 'v', code: 302 }));
    it('has a null code when none is given', () =>
      assert.deepEqual(parseClientFrame('{"messageType":"nack","version":"v"}'), { messageType: 'nack', version: 'v', code: null }));
    it('rejects a missing version', () => rejects('{"messageType":"nack","code":301}', /version/));
  });

  describe('broadcast_subscribe', () => {
    it('reads the broadcasts', () =>
      assert.deepEqual(parseClientFrame('{"messageType":"broadcast_subscribe","broadcasts":{"a":"1"}}'), {
        messageType: 'broadcast_subscribe',
        broadcasts: { a: '1' },
      }));
    it('rejects missing broadcasts', () => rejects('{"messageType":"broadcast_subscribe"}', /broadcasts/));
  });
});

describe('uuidHexOrNull', () => {
  it('accepts simple, dashed, braced and urn forms in any case', () => {
    for (const s of [HEX, HEX.toUpperCase(), CHID, `{${CHID}}`, `urn:uuid:${CHID}`, `URN:UUID:${CHID.toUpperCase()}`]) {
      assert.equal(uuidHexOrNull(s), HEX, s);
    }
  });
  it('rejects misplaced dashes, wrong lengths and non-hex', () => {
    for (const s of ['', `${CHID}-`, CHID.replace('-', ''), `${HEX}00`, `{${HEX}}`, 'g'.repeat(32), `{${CHID}`]) {
      assert.equal(uuidHexOrNull(s), null, s);
    }
  });
});
