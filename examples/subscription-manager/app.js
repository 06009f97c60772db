// The site's HTTP side: the page and service worker, the API the page reports subscriptions
// to, sending to one or to all, and an admin view. `buildApp` returns a Fastify instance that
// is not listening yet (server.js starts it; the tests start it on a port of their own).
//
// NOTE: /admin and /api/send have no login here; the demo listens on 127.0.0.1 only. A real
// site puts them behind its own authentication.
import Fastify, { LogController } from 'fastify';
import { readFileSync } from 'node:fs';
import { deliver } from './push.js';
import { adminPage } from './admin-page.js';

const publicDir = new URL('./public/', import.meta.url);
const file = (name) => readFileSync(new URL(name, publicDir));
const MAX_TEXT_BYTES = 16 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

const subscriptionSchema = {
  type: 'object',
  required: ['endpoint', 'keys'],
  properties: {
    endpoint: { type: 'string', pattern: '^https?://', maxLength: 2048 },
    keys: {
      type: 'object',
      required: ['p256dh', 'auth'],
      properties: { p256dh: { type: 'string', maxLength: 100 }, auth: { type: 'string', maxLength: 40 } },
    },
  },
};

/**
 * @param {object} opts
 * @param {ReturnType<import('./store.js').openStore>} opts.store
 * @param {{ publicKey: string, privateKey: string, subject: string }} opts.vapid
 * @param {number} [opts.ttl] seconds the push service may keep a message (default one day)
 * @param {number} [opts.maxAttempts] tries per message on 429/5xx (default 3)
 * @param {number} [opts.maxWaitSeconds] longest Retry-After we wait (default 30)
 * @param {object|boolean} [opts.logger] Fastify's logger option
 */
export function buildApp({ store, vapid, ttl = 86_400, maxAttempts = 3, maxWaitSeconds = 30, logger = true }) {
  // Request lines off: the log says what the site did (subscriptions saved, push outcomes).
  const app = Fastify({ logger, bodyLimit: 32 * 1024, logController: new LogController({ disableRequestLogging: true }) });
  const vapidDetails = { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey };

  const page = (name, type) => (_req, reply) => reply.type(type).header('cache-control', 'no-store').send(file(name));
  app.get('/', page('index.html', 'text/html; charset=utf-8'));
  app.get('/page.js', page('page.js', 'text/javascript'));
  app.get('/sw.js', page('sw.js', 'text/javascript'));
  app.get('/style.css', page('style.css', 'text/css'));

  // The page and the service worker subscribe with this key (applicationServerKey).
  app.get('/api/config', async () => ({ vapidPublicKey: vapid.publicKey }));

  // The page (after subscribe()) and the service worker (after pushsubscriptionchange) report here.
  app.post('/api/subscriptions', {
    schema: { body: { type: 'object', required: ['subscription'], properties: { subscription: subscriptionSchema, replaces: { type: 'string', maxLength: 2048 } } } },
  }, async (req, reply) => {
    const { subscription, replaces } = req.body;
    const { p256dh, auth } = subscription.keys;
    if (!BASE64URL.test(p256dh) || !BASE64URL.test(auth) || Buffer.from(p256dh, 'base64url').length !== 65 || Buffer.from(auth, 'base64url').length !== 16) {
      return reply.code(400).send({ error: 'keys.p256dh must be 65 bytes and keys.auth 16 bytes, in base64url' });
    }
    const saved = store.save(subscription, replaces);
    if (saved === null) return reply.code(507).send({ error: 'this site has as many subscriptions as it keeps' });
    req.log.info({ subscription: saved.id, created: saved.created, replaced: Boolean(replaces) }, 'subscription saved');
    return reply.code(saved.created ? 201 : 200).send({ id: saved.id });
  });

  app.get('/api/subscriptions', async () => ({ subscriptions: store.list().map(publicView) }));
  app.get('/api/sends', async () => ({ sends: store.recentSends() }));

  // Send a message to one subscription (`subscriptionId`) or to all of them.
  app.post('/api/send', {
    schema: { body: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1 }, subscriptionId: { type: 'integer' } } } },
  }, async (req, reply) => {
    const { text, subscriptionId } = req.body;
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES) return reply.code(413).send({ error: `at most ${MAX_TEXT_BYTES} bytes of text` });
    const targets = subscriptionId === undefined ? store.list() : [store.get(subscriptionId)].filter(Boolean);
    if (subscriptionId !== undefined && targets.length === 0) return reply.code(404).send({ error: `no subscription ${subscriptionId}` });
    const summary = await sendToAll(targets, text, req.log);
    // 413 from the push service: the message itself is refused, whoever it was for.
    return reply.code(summary.refused ? 413 : 200).send(summary);
  });

  app.get('/admin', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminPage(store.list(), store.recentSends(20))));

  /** Deliver to every target, four at a time; stop starting new ones once the message is refused as too large. */
  async function sendToAll(targets, text, log) {
    const summary = { delivered: 0, dropped: 0, refused: false, gaveUp: 0, rejected: 0, results: [] };
    const queue = [...targets];
    const worker = async () => {
      for (let sub = queue.shift(); sub && !summary.refused; sub = queue.shift()) {
        const pushSubscription = { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } };
        const result = await deliver(pushSubscription, text, {
          vapidDetails, ttl, maxAttempts, maxWaitSeconds,
          log: (fields, msg) => log.info({ subscription: sub.id, ...fields }, msg),
        });
        store.record(sub.id, result);
        if (result.outcome === 'delivered') summary.delivered++;
        else if (result.outcome === 'gone') {
          store.remove(sub.id);
          summary.dropped++;
        } else if (result.outcome === 'too-large') summary.refused = true;
        else if (result.outcome === 'gave-up') summary.gaveUp++;
        else summary.rejected++;
        summary.results.push({ subscriptionId: sub.id, ...result });
        const level = result.outcome === 'delivered' ? 'info' : 'warn';
        log[level]({ subscription: sub.id, status: result.status, outcome: result.outcome, attempts: result.attempts, detail: result.detail }, `push ${result.outcome}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return summary;
  }

  return app;
}

/** A subscription as the admin sees it: the endpoint is a secret (whoever has it can push), so only its origin. */
export function publicView(sub) {
  return {
    id: sub.id,
    pushService: new URL(sub.endpoint).origin,
    createdAt: sub.created_at,
    lastOutcome: sub.last_outcome,
    lastStatus: sub.last_status,
    lastSentAt: sub.last_sent_at,
  };
}
