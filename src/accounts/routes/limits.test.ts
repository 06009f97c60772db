/**
 * The account API's limits on its real routes (docs/operations.md "Account API limits"): the
 * per-IP sign-in rate, the capped per-email delay, account creation, blocked IPs and the
 * penalty box, and JSON depth. In-memory SQLite, a clock the tests move; no timing assertions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultAccountsSettings } from '../settings.js';
import { noAccountLimits } from '../account-limits.js';
import { startTestApp, type Response } from '../../device-messages/test-harness.js';

const OPEN_URI = 'https://identity.mozilla.com/cmd/open-uri';

function assertThrottled(res: Response): number {
  assert.equal(res.status, 429, res.body);
  assert.equal(res.json.errno, 114);
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${res.headers['retry-after']}`);
  assert.equal(res.json.retryAfter, retryAfter, 'FxA clients read retryAfter from the body');
  return retryAfter;
}

describe('account API limits', () => {
  it('answers 429 with Retry-After once one IP has guessed past the default sign-in rate', async () => {
    const t = await startTestApp({ limits: defaultAccountsSettings.limits });
    try {
      const { email } = await t.signUp();
      const answers: number[] = [];
      for (let i = 0; i < 60; i++) {
        const res = await t.call('POST', '/v1/account/login', { body: { email: `guess${i}-${email}`, password: `wrong password ${i}` } });
        answers.push(res.status);
        if (res.status === 429) assertThrottled(res);
      }
      assert.equal(answers.filter((s) => s === 400).length, 30, 'the burst of 30 is checked, the rest refused before scrypt');
      assert.equal(answers.filter((s) => s === 429).length, 30);
    } finally {
      await t.close();
    }
  });

  it('delays guesses at one account, the right password too, up to the cap, and a success resets it', async () => {
    const t = await startTestApp({ limits: { ...noAccountLimits, loginFailuresBeforeDelay: 5, loginDelayMax: 60 } });
    try {
      const { email, password } = await t.signUp();
      const login = (pw: string) => t.call('POST', '/v1/account/login', { body: { email, password: pw } });
      for (let i = 0; i < 5; i++) assert.equal((await login(`wrong password ${i}`)).status, 400);
      assert.equal(assertThrottled(await login(password)), 1, 'while waiting the password is not even checked');
      const waits: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await login(`wrong again ${i}`);
        const wait = assertThrottled(res);
        waits.push(wait);
        t.clock.advance(wait * 1000);
        assert.equal((await login(`wrong once more ${i}`)).status, 400);
      }
      assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60], 'doubling, never more than a minute');
      t.clock.advance(60_000);
      assert.equal((await login(password)).status, 200, 'the owner gets in a minute after the last guess');
      assert.equal((await login('wrong after success')).status, 400, 'a success clears the tally');
    } finally {
      await t.close();
    }
  });

  it('treats an unknown email like a known one, so the delay does not reveal which exist', async () => {
    const t = await startTestApp({ limits: { ...noAccountLimits, loginFailuresBeforeDelay: 2 } });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await t.call('POST', '/v1/account/login', { body: { email: 'nobody@example.com', password: 'whatever123' } })).status, 400);
      assertThrottled(await t.call('POST', '/v1/account/login', { body: { email: 'nobody@example.com', password: 'whatever123' } }));
    } finally {
      await t.close();
    }
  });

  it('limits account creation per IP, and the password re-check of account deletion like a sign-in', async () => {
    const t = await startTestApp({ limits: { ...noAccountLimits, createPerIp: '0.01:2', loginFailuresBeforeDelay: 1 } });
    try {
      const a = await t.signUp();
      await t.signUp();
      assert.equal(assertThrottled(await t.call('POST', '/v1/account/create', { body: { email: 'third@example.com', password: 'long enough password' } })), 100);
      assert.equal((await t.call('POST', '/v1/account/destroy', { token: a.token, body: { password: 'not the password' } })).status, 400);
      assertThrottled(await t.call('POST', '/v1/account/destroy', { token: a.token, body: { password: a.password } }));
      t.clock.advance(1000);
      assert.equal((await t.call('POST', '/v1/account/destroy', { token: a.token, body: { password: a.password } })).status, 200);
    } finally {
      await t.close();
    }
  });

  it('limits costly writes per account, and any request per IP', async () => {
    const t = await startTestApp({ limits: { ...noAccountLimits, writesPerAccount: '1:3', requestsPerIp: '1:13' } });
    try {
      // Requests from this IP so far in comments; the clock stands still, so nothing refills.
      const account = await t.signUp(); // 1
      const sender = await t.device(account); // 4: sign-in, register (write 1), profile
      const target = await t.device(account, { availableCommands: { [OPEN_URI]: 'bundle' } }); // 7, write 2
      const invoke = () => t.call('POST', '/v1/account/devices/invoke_command', { token: sender.token, body: { target: target.id, command: OPEN_URI, payload: {} } });
      assert.equal((await invoke()).status, 200); // 8, write 3
      assertThrottled(await invoke()); // 9: one write too many
      for (let i = 0; i < 4; i++) assert.equal((await t.call('GET', '/v1/account/devices', { token: sender.token })).status, 200); // 13
      assertThrottled(await t.call('GET', '/v1/account/devices', { token: sender.token }));
    } finally {
      await t.close();
    }
  });

  it('refuses blocked IPs on every account route and counts failed sign-ins in the penalty box', async () => {
    const bad: string[] = [];
    const blocked = new Set<string>();
    const t = await startTestApp(
      {},
      {
        abuse: {
          clientIp: (peer) => peer ?? '',
          blockedFor: (ip) => (blocked.has(ip) ? 600 : 0),
          recordBadOutcome: (ip, cause) => void bad.push(`${ip} ${cause}`),
        },
      },
    );
    try {
      const { email, password } = await t.signUp();
      await t.call('POST', '/v1/account/login', { body: { email, password: 'wrong password' } });
      await t.call('POST', '/v1/account/login', { body: { email, password } });
      assert.deepEqual(bad, ['127.0.0.1 login'], 'the failure counted, the success did not');
      blocked.add('127.0.0.1');
      const res = await t.call('POST', '/v1/account/login', { body: { email, password } });
      assert.equal(assertThrottled(res), 600);
      assert.equal((await t.call('GET', '/devices')).status, 429);
    } finally {
      await t.close();
    }
  });

  it('refuses a body nested deeper than the limit with 400 invalid-json, not a 500', async () => {
    const t = await startTestApp();
    try {
      const account = await t.signUp();
      const sender = await t.device(account);
      const target = await t.device(account, { availableCommands: { [OPEN_URI]: 'bundle' } });
      const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      const raw = `{"target":"${target.id}","command":"${OPEN_URI}","payload":${deep}}`;
      const res = await t.call('POST', '/v1/account/devices/invoke_command', { token: sender.token, raw, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, res.body);
      assert.equal(res.json.errno, 106);
      assert.match(res.json.message, /nested deeper than 32 levels/);
      const ok = { target: target.id, command: OPEN_URI, payload: JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20)) };
      assert.equal((await t.call('POST', '/v1/account/devices/invoke_command', { token: sender.token, body: ok })).status, 200, 'reasonable nesting is fine');
    } finally {
      await t.close();
    }
  });
});
