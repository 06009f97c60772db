import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildAdminApp, type AdminDeps } from './admin-app.js';
import type { BlockView, BlocklistAdmin } from './blocklist-admin.js';
import { HeraldMetrics } from './metrics.js';
import { RateHistory } from './rate-history.js';
import { TopSenders } from './top-senders.js';
import { pathVariants, rawRequest } from '../../test/support/raw-http.js';

const TOKEN = 'a-long-enough-admin-token';

function memoryBlocks(): BlocklistAdmin {
  const blocks = new Map<string, BlockView>();
  return {
    list: async () => [...blocks.values()],
    add: async (ip, seconds = 600, reason = 'admin') => {
      const b = { ip, reason, createdAt: 0, expiresAt: seconds * 1000 };
      blocks.set(ip, b);
      return b;
    },
    lift: async (ip) => blocks.delete(ip),
  };
}

function app(overrides: Partial<AdminDeps> = {}) {
  const metrics = new HeraldMetrics({ defaultMetrics: false });
  const rates = new RateHistory({ totals: () => ({ received: metrics.totals.received }), gauges: () => ({}) }, { intervalMs: 0 });
  return { metrics, app: buildAdminApp({ token: TOKEN, metrics, rates, node: { role: 'serve', nodeId: null, startedAt: 0 }, blocks: memoryBlocks(), ...overrides }) };
}

const bearer = { authorization: `Bearer ${TOKEN}` };

describe('admin account security events', () => {
  it('looks an account\'s events up by email, with the token only', async () => {
    const events = [{ kind: 'sign-in', at: 5, ip: '192.0.2.1' }];
    const { app: a } = app({ accountEvents: async (email) => (email === 'ann@example.com' ? events : null) });
    const get = (url: string, headers: Record<string, string> = bearer) => a.inject({ method: 'GET', url, headers });
    const ok = await get('/admin/api/account-events?email=Ann@Example.com');
    assert.deepEqual([ok.statusCode, ok.json()], [200, { email: 'ann@example.com', events }]);
    assert.equal((await get('/admin/api/account-events?email=nobody@example.com')).statusCode, 404);
    assert.equal((await get('/admin/api/account-events')).statusCode, 400);
    assert.equal((await get('/admin/api/account-events?email=ann@example.com', {})).statusCode, 401);
    const { app: none } = app();
    assert.equal((await none.inject({ method: 'GET', url: '/admin/api/account-events?email=a@b', headers: bearer })).statusCode, 404);
  });
});

describe('admin app', () => {
  it('answers 401 without the token, with a wrong one, or without the Bearer scheme', async () => {
    const { app: a } = app();
    for (const headers of [{}, { authorization: 'Bearer a-long-enough-admin-tokeX' }, { authorization: TOKEN }, { authorization: 'Basic x' }]) {
      for (const url of ['/metrics', '/admin/api/summary', '/admin/api/blocks']) {
        const res = await a.inject({ url, headers });
        assert.equal(res.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
    }
    assert.equal((await a.inject({ url: '/admin/api/summary', headers: bearer })).statusCode, 200);
  });

  it('serves only /metrics, unauthenticated, when no token is set', async () => {
    const { app: a } = app({ token: '' });
    assert.equal((await a.inject({ url: '/metrics' })).statusCode, 200);
    assert.equal((await a.inject({ url: '/admin/api/summary', headers: { authorization: 'Bearer ' } })).statusCode, 404);
    assert.equal((await a.inject({ url: '/admin/' })).statusCode, 404);
  });

  it('counts pushes into the summary and the Prometheus text', async () => {
    const { app: a, metrics } = app();
    metrics.pushAccepted('direct', 'key-a', 0.002);
    metrics.pushAccepted('stored', null, 0.004);
    metrics.request('/wpush/:version/:token', 404, 0.001);
    const sum = (await a.inject({ url: '/admin/api/summary', headers: bearer })).json();
    assert.equal(sum.totals.received, 2);
    assert.equal(sum.totals.rejected, 1);
    const text = (await a.inject({ url: '/metrics', headers: bearer })).body;
    assert.match(text, /^herald_messages_received_total\{outcome="direct"\} 1$/m);
    assert.match(text, /^herald_endpoint_requests_total\{route="\/wpush\/:version\/:token",status="404"\} 1$/m);
  });

  it('adds, lists and lifts blocks, and refuses a bad address', async () => {
    const blocks = memoryBlocks();
    const { app: a } = app({ blocks });
    const add = await a.inject({ method: 'POST', url: '/admin/api/blocks', headers: bearer, payload: { ip: '2001:db8::1', seconds: 60 } });
    assert.equal(add.statusCode, 201);
    assert.deepEqual((await a.inject({ url: '/admin/api/blocks', headers: bearer })).json().blocks.map((b: BlockView) => b.ip), ['2001:db8::1']);
    assert.equal((await a.inject({ method: 'POST', url: '/admin/api/blocks', headers: bearer, payload: { ip: '1.2.3' } })).statusCode, 400);
    assert.equal((await a.inject({ method: 'POST', url: '/admin/api/blocks', headers: bearer, payload: { ip: '1.2.3.4', seconds: -1 } })).statusCode, 400);
    assert.equal((await a.inject({ method: 'DELETE', url: '/admin/api/blocks/2001:db8::1', headers: bearer })).statusCode, 204);
    assert.equal((await a.inject({ method: 'DELETE', url: '/admin/api/blocks/2001:db8::1', headers: bearer })).statusCode, 404);
    // The penalty box blocks IPv6 clients by /64; the dashboard lifts one with the slash encoded.
    await blocks.add('2001:db8:1:2::/64');
    assert.equal((await a.inject({ method: 'DELETE', url: `/admin/api/blocks/${encodeURIComponent('2001:db8:1:2::/64')}`, headers: bearer })).statusCode, 204, 'a /64 key is lifted');
    assert.equal((await a.inject({ method: 'DELETE', url: `/admin/api/blocks/${encodeURIComponent('2001:db8:1:2::/48')}`, headers: bearer })).statusCode, 400);
  });

  it('serves the dashboard with a strict CSP and no inline script', async () => {
    const { app: a } = app();
    const page = await a.inject({ url: '/admin/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.doesNotMatch(page.body, /<script>|style=/);
  });
});

/** Every admin route, as an attacker would call it without the token. */
const ROUTES: Array<{ method: string; path: string; query?: string; body?: string; kind: 'api' | 'metrics' | 'page' }> = [
  { method: 'GET', path: '/metrics', kind: 'metrics' },
  { method: 'GET', path: '/admin/api/summary', kind: 'api' },
  { method: 'GET', path: '/admin/api/rates', kind: 'api' },
  { method: 'GET', path: '/admin/api/top-senders', kind: 'api' },
  { method: 'GET', path: '/admin/api/blocks', kind: 'api' },
  { method: 'POST', path: '/admin/api/blocks', body: JSON.stringify({ ip: '127.0.0.9', seconds: 600 }), kind: 'api' },
  { method: 'DELETE', path: '/admin/api/blocks/127.0.0.8', kind: 'api' },
  { method: 'GET', path: '/admin/api/subscription', query: '?endpoint=http%3A%2F%2Fx%2Fwpush%2Fv1%2Fabc', kind: 'api' },
  { method: 'GET', path: '/admin/api/account-events', query: '?email=ann%40example.com', kind: 'api' },
  { method: 'GET', path: '/admin/', kind: 'page' },
];

describe('admin access on the matched route (docs/security.md)', () => {
  async function listening(token: string) {
    const blocks = memoryBlocks();
    await blocks.add('127.0.0.8', 600);
    const { app: a } = app({ token, blocks, lookup: async () => ({}) as never });
    await a.listen({ host: '127.0.0.1', port: 0 });
    return { a, blocks, port: (a.server.address() as { port: number }).port };
  }

  it('refuses every spelling of every route without the token (encoded, doubled slash, dot segments, fragment)', async () => {
    const { a, blocks, port } = await listening(TOKEN);
    try {
      for (const r of ROUTES) {
        for (const target of [r.path, ...pathVariants(r.path)]) {
          const res = await rawRequest(port, r.method, target + (r.query ?? ''), r.body ? { body: r.body } : {});
          const allowed = r.kind === 'page' ? [200, 302, 401, 404] : [401, 404];
          assert.ok(allowed.includes(res.status), `${r.method} ${target} answered ${res.status} without the token`);
          if (r.kind !== 'page' && res.status !== 404) assert.match(res.headers['www-authenticate'] ?? '', /^Bearer/);
        }
      }
      // Nothing changed: the attempted block is absent, the existing one still there.
      assert.deepEqual((await blocks.list()).map((b) => b.ip), ['127.0.0.8']);
      // An encoded spelling does reach the route: with the token it is served.
      const ok = await rawRequest(port, 'GET', '/admin/%61pi/summary', { headers: bearer });
      assert.equal(ok.status, 200);
      assert.equal((await rawRequest(port, 'GET', '/%6detrics', { headers: bearer })).status, 200);
    } finally {
      await a.close();
    }
  });

  it('keeps the API and dashboard off (404) for every spelling when no token is set', async () => {
    const { a, blocks, port } = await listening('');
    try {
      for (const r of ROUTES.filter((x) => x.kind !== 'metrics')) {
        for (const target of [r.path, ...pathVariants(r.path)]) {
          const res = await rawRequest(port, r.method, target + (r.query ?? ''), { headers: { authorization: 'Bearer ' }, ...(r.body ? { body: r.body } : {}) });
          assert.equal(res.status, 404, `${r.method} ${target} answered ${res.status} with the API off`);
        }
      }
      assert.deepEqual((await blocks.list()).map((b) => b.ip), ['127.0.0.8']);
      assert.equal((await rawRequest(port, 'GET', '/%6detrics')).status, 200);
    } finally {
      await a.close();
    }
  });
});

describe('TopSenders', () => {
  it('keeps the heaviest senders within its capacity', () => {
    const top = new TopSenders(3);
    for (let i = 0; i < 50; i++) top.record('heavy');
    for (let i = 0; i < 20; i++) top.record(`once-${i}`);
    for (let i = 0; i < 10; i++) top.record(null);
    assert.equal(top.size, 3);
    assert.deepEqual(top.top(1).map((s) => [s.vapidKey, s.messages, s.error]), [['heavy', 50, 0]]);
  });
});

describe('RateHistory', () => {
  it('keeps per-interval growth in a bounded ring, plus the interval in progress', () => {
    let now = 0;
    let total = 0;
    const h = new RateHistory({ totals: () => ({ n: total }), gauges: () => ({ g: 7 }) }, { intervalMs: 0, capacity: 2, now: () => now });
    for (const add of [5, 10, 20]) {
      total += add;
      now += 10_000;
      h.sample();
    }
    total += 1;
    now += 5_000;
    assert.deepEqual(h.samples().map((s) => [s.deltas.n, s.seconds, s.gauges.g]), [[10, 10, 7], [20, 10, 7], [1, 5, 7]]);
  });
});
