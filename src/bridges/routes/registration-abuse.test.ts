/**
 * The registration API meets the endpoint's abuse controls (docs/bridges.md): the per-IP rate
 * limit, and the penalty box fed by 401s, so secrets cannot be guessed at speed.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbuseControls } from '../../abuse/abuse-controls.js';
import { defaultSettings, type Settings } from '../../config/settings.js';
import { MultiFernet, generateFernetKey } from '../../crypto/fernet.js';
import { buildEndpointApp } from '../../endpoint/app.js';
import type { NodeRouter } from '../../routing/node-router.js';
import { openSqliteBlocklist } from '../../storage/sqlite/sqlite-blocklist.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import { Bridges } from '../bridges.js';
import { StubRouter } from '../stub/stub-router.js';

const router: NodeRouter = { push: async () => 'not-connected', notify: async () => 'not-connected', disconnect: async () => 'not-connected' };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(over: Partial<Settings>) {
  const settings: Settings = { ...defaultSettings, ...over, endpointUrl: 'https://push.example.com', cryptoKeys: [generateFernetKey()], authKeys: ['k'] };
  const store = await openSqliteStore(':memory:');
  const blocklist = await openSqliteBlocklist(':memory:');
  const abuse = await AbuseControls.open({ settings, store, blocklist });
  const bridges = new Bridges(new Map([['stub', new StubRouter()]]), { store, authKeys: settings.authKeys });
  const app = buildEndpointApp({ settings, store, router, cipher: new MultiFernet(settings.cryptoKeys), abuse, bridges });
  cleanups.push(() => store.close(), () => blocklist.close(), () => abuse.close(), () => app.close());
  return app;
}

const register = (app: Awaited<ReturnType<typeof setup>>) =>
  app.inject({ method: 'POST', url: '/v1/stub/success/registration', payload: { token: 'device-token' }, remoteAddress: '127.0.0.9' });

describe('registration API abuse controls', () => {
  it('answers 429 errno 115 over --limit-push-per-ip', async () => {
    const app = await setup({ limitPushPerIp: '0.001:2' });
    assert.equal((await register(app)).statusCode, 200);
    assert.equal((await register(app)).statusCode, 200);
    const res = await register(app);
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().errno, 115);
  });

  it('blocks an IP that keeps sending wrong secrets (403 errno 116)', async () => {
    const app = await setup({ penaltyThreshold: 3, penaltyBlockSeconds: 60 });
    const { uaid } = (await register(app)).json() as { uaid: string };
    const guess = () => app.inject({ method: 'GET', url: `/v1/stub/success/registration/${uaid}`, headers: { authorization: `Bearer ${'0'.repeat(64)}` }, remoteAddress: '127.0.0.9' });
    for (let i = 0; i < 3; i++) assert.equal((await guess()).statusCode, 401);
    const res = await guess();
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().errno, 116);
  });
});
