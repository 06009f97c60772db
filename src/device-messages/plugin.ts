/**
 * `accountsPlugin`: accounts, sessions, the device registry, device messages and commands, and
 * the device management page, as one Fastify plugin to mount on Herald's HTTP app:
 *
 *   app.register(accountsPlugin, { settings, accounts, mailbox, vapid })
 *
 * It lives here, in the upper of the two parts, because it wires both: `device-messages/` may
 * import `accounts/`, never the other way round. The plugin is encapsulated: its JSON body
 * parser, body limit and FxA-style error rendering apply to its own routes only, so the push
 * endpoint's raw-bytes parsing and autopush-style errors are untouched. It starts the mailbox
 * sweeper and, on close, stops it and waits for pushes still in flight. The caller owns (and
 * closes) the stores.
 *
 * Abuse (docs/operations.md "Account API limits"): every route first passes the per-IP request
 * limit and the shared blocklist; bodies nested deeper than `maxJsonDepth` are refused before
 * parsing; and the routes send CORS headers only to `corsOrigins` (none by default), overriding
 * the endpoint app's `*`, so other websites cannot drive sign-ins from their visitors' browsers.
 */
import type { FastifyPluginAsync } from 'fastify';
import { AccountLimits, type AccountAbuseGuard } from '../accounts/account-limits.js';
import { BackgroundTasks } from '../accounts/background.js';
import type { AccountsContext } from '../accounts/context.js';
import { DevicePusher } from '../accounts/device-push.js';
import { jsonDeeperThan } from '../accounts/edge/json-depth.js';
import { decoyHash } from '../accounts/password.js';
import { sendAccountsError, toAccountsError } from '../accounts/render-error.js';
import { accountRoutes } from '../accounts/routes/account.js';
import { requestIp } from '../accounts/routes/request-ip.js';
import { devicesPageRoutes } from '../accounts/routes/devices-page.js';
import { deviceRoutes } from '../accounts/routes/devices.js';
import { emailRoutes } from '../accounts/routes/email.js';
import { passwordRoutes } from '../accounts/routes/password.js';
import { twoStepRoutes } from '../accounts/routes/two-step.js';
import { systemClock, type AccountsSettings, type Clock } from '../accounts/settings.js';
import type { VapidKeyPair } from '../crypto/vapid.js';
import { ApiError } from '../errors/api-error.js';
import type { Mailer } from '../mail/mailer.js';
import type { AccountStore } from '../storage/accounts/account-store.js';
import type { MailboxStore } from '../storage/accounts/mailbox-store.js';
import { commandRoutes } from './routes/commands.js';
import { messageRoutes } from './routes/messages.js';
import { startSweeper } from './sweeper.js';

export interface AccountsPluginOptions {
  settings: Readonly<AccountsSettings>;
  accounts: AccountStore;
  mailbox: MailboxStore;
  /** Herald's own VAPID key pair (`serviceVapidKeys`), signing its pushes to devices. */
  vapid: VapidKeyPair;
  /** Time of sessions, devices and sweeps; default the system clock. */
  clock?: Clock;
  /** HTTP client of pushes to devices; default global fetch. Tests wrap it. */
  fetch?: typeof fetch;
  /** Run the periodic sweep of expired messages (default true). */
  sweep?: boolean;
  /** The node's abuse controls (client IP behind trusted proxies, blocklist, penalty box); without them the socket address is the client and nothing is blocked. */
  abuse?: AccountAbuseGuard;
  /** Mail out; without it, routes that mail answer 503 errno 202 (and `emailVerification` is refused). */
  mailer?: Mailer;
  /** Called once the plugin is set up, with handles for shutdown tooling and tests. */
  onStarted?: (handle: AccountsHandle) => void;
}

export interface AccountsHandle {
  /** Wait for account-event pushes still in flight. */
  drain(): Promise<void>;
  /** Sweep expired mailbox entries now; resolves with how many went. */
  sweepNow(): Promise<number>;
}

/** Room for the largest stored message plus its JSON envelope; more is 413 before parsing. */
const bodyLimitFor = (maxMessageBytes: number) => Math.max(1024 * 1024, 2 * maxMessageBytes);

export const accountsPlugin: FastifyPluginAsync<AccountsPluginOptions> = async (app, opts) => {
  if (opts.settings.emailVerification && opts.mailer === undefined) {
    throw new Error('Email verification needs mail: set --smtp-host and --mail-from (docs/accounts.md), or turn --account-email-verification off');
  }
  if (opts.settings.signInConfirmation > 0 && opts.mailer === undefined) {
    throw new Error('Sign-in confirmation needs mail: set --smtp-host and --mail-from (docs/accounts.md), or set --account-sign-in-confirmation 0');
  }
  const clock = opts.clock ?? systemClock;
  const log = app.log.child({ part: 'accounts' });
  const background = new BackgroundTasks();
  const pusher = new DevicePusher({
    store: opts.accounts,
    vapid: opts.vapid,
    subject: opts.settings.publicUrl,
    timeoutMs: opts.settings.pushTimeoutMs,
    log,
    fetch: opts.fetch,
  });
  const decoy = decoyHash(opts.settings.passwordCost);
  decoy.catch(() => undefined); // awaited (and rethrown) at sign-in only; never an unhandled rejection
  const ctx: AccountsContext = {
    settings: opts.settings,
    store: opts.accounts,
    mailbox: opts.mailbox,
    pusher,
    clock,
    background,
    log,
    limits: new AccountLimits(opts.settings.limits, { guard: opts.abuse, now: clock.now }),
    decoyHash: decoy,
    mailer: opts.mailer ?? null,
  };

  // JSON only, here; an empty body is no body (sign-out posts none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: bodyLimitFor(opts.settings.maxMessageBytes) }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    const maxDepth = opts.settings.maxJsonDepth;
    if (jsonDeeperThan(body as string, maxDepth)) return done(new ApiError('invalid-json', `JSON nested deeper than ${maxDepth} levels`), undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ApiError('invalid-json'), undefined);
    }
  });
  app.setErrorHandler((err, req, reply) => {
    const error = toAccountsError(err);
    // A full mailbox is a quota at work, not a server failure.
    if (error.status >= 500 && error.kind !== 'mailbox-full') req.log.error({ err, kind: error.kind }, 'account request failed');
    return sendAccountsError(reply, error);
  });
  // Tokens are per-user secrets: no shared cache may keep an answer.
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  // CORS per route: config.cors overrides the endpoint app's global `origin: '*'` (@fastify/cors).
  const cors = opts.settings.corsOrigins.length > 0 ? { origin: [...opts.settings.corsOrigins] } : false;
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), cors } as typeof route.config;
  });
  // Preflights of these paths would otherwise reach the endpoint app's `OPTIONS *` and be granted.
  for (const prefix of ['/v1/account/*', '/v1/session/*', '/v1/recovery_email/*', '/v1/password/*', '/v1/totp/*', '/v1/recovery_key', '/v1/recovery_key/*', '/v1/recovery_codes']) app.options(prefix, async (_req, reply) => reply.code(204).send());
  app.addHook('onRequest', async (req) => {
    ctx.limits.admitRequest(requestIp(ctx, req));
  });

  await app.register(accountRoutes, ctx);
  await app.register(deviceRoutes, ctx);
  await app.register(emailRoutes, ctx);
  await app.register(passwordRoutes, ctx);
  await app.register(twoStepRoutes, ctx);
  await app.register(commandRoutes, ctx);
  await app.register(messageRoutes, ctx);
  await app.register(devicesPageRoutes, ctx);

  const sweeper = opts.sweep === false ? null : startSweeper(opts.mailbox, { intervalMs: opts.settings.sweepInterval * 1000, clock, log });
  app.addHook('onClose', async () => {
    await sweeper?.stop();
    await background.drain();
  });
  opts.onStarted?.({
    drain: () => background.drain(),
    sweepNow: () => (sweeper ? sweeper.sweepNow() : opts.mailbox.purgeExpired(clock.now())),
  });
};
