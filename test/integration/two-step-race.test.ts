/**
 * The replay race of two-step codes (docs/accounts.md "Two-step authentication"): requests sent
 * at the same moment with one TOTP code, or one recovery code, to two Herald nodes sharing an
 * account store. Each backend (SQLite file, PostgreSQL, Redis) must let exactly one of them pass:
 * using a code is a compare-and-set in the store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { startPostgres, startRedis, type TestServer } from '../support/servers.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

async function call(base: string, path: string, body: unknown, token?: string): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const totpAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });

const PARALLEL = 6;

function raceSuite(name: string, dsn: () => Promise<{ dsn: string; stop(): Promise<void> }>) {
  describe(`two-step codes used at once on two nodes: ${name}`, () => {
    let nodes: HeraldWithAccounts[] = [];
    let backend: { stop(): Promise<void> } | undefined;
    before(async () => {
      const b = await dsn();
      backend = b;
      nodes = [await startHeraldWithAccounts({}, { db: b.dsn }), await startHeraldWithAccounts({}, { db: b.dsn })];
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await backend?.stop();
    });

    it('lets exactly one of concurrent requests with the same TOTP code, or recovery code, pass', async () => {
      const [a, b] = nodes.map((n) => n.url) as [string, string];
      const email = `race-${randomBytes(5).toString('hex')}@example.com`;
      const password = 'correct horse battery';
      const created = await call(a, '/v1/account/create', { email, password });
      assert.equal(created.status, 200);
      const token = created.json.sessionToken as string;
      const secret = (await call(a, '/v1/totp/create', {}, token)).json.secret as string;
      const enrolled = await call(b, '/v1/totp/verify', { code: totpAt(secret, Date.now()) }, token);
      assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
      const recoveryCodes = enrolled.json.recoveryCodes as string[];

      const signIns = async () =>
        Promise.all(Array.from({ length: PARALLEL }, async (_, i) => ((await call(i % 2 ? a : b, '/v1/account/login', { email, password })).json.sessionToken as string)));
      // One step ahead: newer than the enrolment's step, inside the accepted window.
      const code = totpAt(secret, Date.now() + 30_000);
      const sessions = await signIns();
      const totp = await Promise.all(sessions.map((s, i) => call(i % 2 ? a : b, '/v1/session/verify/totp', { code }, s)));
      assert.deepEqual(totp.map((r) => r.status).sort(), [200, ...Array(PARALLEL - 1).fill(400)], 'one sign-in per TOTP code');
      assert.ok(totp.filter((r) => r.status === 400).every((r) => r.json.errno === 105));

      const more = await signIns();
      const recovery = await Promise.all(more.map((s, i) => call(i % 2 ? a : b, '/v1/session/verify/recovery_code', { code: recoveryCodes[0] }, s)));
      assert.deepEqual(recovery.map((r) => r.status).sort(), [200, ...Array(PARALLEL - 1).fill(400)], 'one sign-in per recovery code');
      const exists = await fetch(`${a}/v1/totp/exists`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(((await exists.json()) as { recoveryCodesLeft: number }).recoveryCodesLeft, recoveryCodes.length - 1);
    });
  });
}

raceSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-race-'));
  return { dsn: `sqlite:${join(dir, 'herald.db')}`, stop: async () => rmSync(dir, { recursive: true, force: true }) };
});
raceSuite('PostgreSQL', async () => {
  const server: TestServer & { dsn: string } = await startPostgres();
  return { dsn: server.dsn, stop: () => server.stop() };
});
raceSuite('Redis', async () => {
  const server = await startRedis();
  return { dsn: server.dsn, stop: () => server.stop() };
});
