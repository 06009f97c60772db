import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../errors/api-error.js';
import { buildAps, DEFAULT_APS } from './aps.js';
import { apnsPriority } from './apns-router.js';
import { apnsOrigin } from './open-apns.js';

describe('aps dictionary', () => {
  it("is autopush's default alert with mutable-content when the app registered none", () => {
    assert.deepEqual(buildAps(undefined), DEFAULT_APS);
  });

  it('puts registered texts and localisation keys into the alert, under their APNs names', () => {
    const aps = buildAps({ title: 'T', title_loc_args: ['x'], launch_image: 'i.png', unknown: 1 });
    assert.deepEqual(aps.alert, { ...DEFAULT_APS.alert, title: 'T', 'title-loc-args': ['x'], 'launch-image': 'i.png' });
  });

  it('drops mutable-content for 0 and refuses values of the wrong type', () => {
    assert.equal(buildAps({ 'mutable-content': 0 })['mutable-content'], undefined);
    for (const bad of [{ title: 1 }, { loc_args: 'a' }, { loc_args: [1] }, { 'mutable-content': 'yes' }]) {
      assert.throws(() => buildAps(bad), (e: unknown) => e instanceof ApiError && e.kind === 'invalid-aps', JSON.stringify(bad));
    }
  });
});

describe('apns-priority', () => {
  it('is 10 unless Urgency is low or very-low', () => {
    assert.equal(apnsPriority(undefined), '10');
    assert.equal(apnsPriority('high'), '10');
    assert.equal(apnsPriority('normal'), '10');
    assert.equal(apnsPriority('low'), '5');
    assert.equal(apnsPriority('very-low'), '5');
  });
});

describe('APNs host', () => {
  it("is Apple's production or sandbox host by the channel's sandbox flag, unless --apns-base-url is set", () => {
    assert.equal(apnsOrigin(false, ''), 'https://api.push.apple.com');
    assert.equal(apnsOrigin(true, ''), 'https://api.sandbox.push.apple.com');
    assert.equal(apnsOrigin(true, 'https://127.0.0.1:8443'), 'https://127.0.0.1:8443');
  });
});
