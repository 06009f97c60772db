import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registrationSecret, secretFromAuthorization, verifyRegistrationSecret } from './registration-secret.js';

// autopush's own test vector (autoendpoint/src/extractors/authorization_check.rs).
const KEY = 'HJVPy4ZwF4Yz_JdvXTL8hRcwIhv742vC60Tg5Ycrvw8=';
const UAID = '729e5104f5f04abc9196085340317dea';
const SECRET = 'f694963453adf5dedcc379bbdd6900d692b6e09f1c91f44169bfcd2f941bf36c';

describe('registration secret', () => {
  it('is the hex HMAC-SHA256 of the uaid under the key, as autopush computes it', () => {
    assert.equal(registrationSecret(KEY, UAID), SECRET);
  });

  it('verifies under any configured key, so keys can rotate', () => {
    assert.equal(verifyRegistrationSecret(['new-key', KEY], UAID, SECRET), true);
  });

  it('refuses a secret of another uaid, another key, or of another length', () => {
    assert.equal(verifyRegistrationSecret([KEY], '829e5104f5f04abc9196085340317dea', SECRET), false);
    assert.equal(verifyRegistrationSecret(['other'], UAID, SECRET), false);
    assert.equal(verifyRegistrationSecret([KEY], UAID, SECRET.slice(1)), false);
    assert.equal(verifyRegistrationSecret([], UAID, SECRET), false);
  });

  it('reads Bearer and WebPush authorization in any case, and nothing else', () => {
    assert.equal(secretFromAuthorization(`Bearer ${SECRET}`), SECRET);
    assert.equal(secretFromAuthorization(`webpush ${SECRET}`), SECRET);
    assert.equal(secretFromAuthorization(`BEARER ${SECRET}`), SECRET);
    assert.equal(secretFromAuthorization(`Basic ${SECRET}`), null);
    assert.equal(secretFromAuthorization('Bearer'), null);
    assert.equal(secretFromAuthorization(undefined), null);
  });
});
