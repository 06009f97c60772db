/**
 * autopush's registration API for native apps (docs/bridges.md "Registration API"):
 *
 * | route | auth | answer |
 * |---|---|---|
 * | `POST /v1/{type}/{app_id}/registration` | none | `{uaid, channelID, endpoint, secret}` |
 * | `PUT …/registration/{uaid}` | secret | 200: a new device token |
 * | `GET …/registration/{uaid}` | secret | `{uaid, channelIDs}` |
 * | `DELETE …/registration/{uaid}` | secret | 200: the user and its channels are gone |
 * | `POST …/registration/{uaid}/subscription` | secret | `{channelID, endpoint}` |
 * | `DELETE …/registration/{uaid}/subscription/{chid}` | secret | 200 |
 *
 * The secret (`Authorization: Bearer <secret>` or `WebPush <secret>`) is checked first, so
 * nothing about a uaid is revealed without it: 401 (errno 109), then 400 (errno 108) for a bad
 * router type, then 410 (errno 103) for an unknown uaid.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { makeEndpoint } from '../../crypto/endpoint-token.js';
import { dashedUuid, uuidHex } from '../../crypto/uuid.js';
import { REGISTRATION_ROUTES } from '../../endpoint/abuse-hooks.js';
import type { EndpointContext } from '../../endpoint/context.js';
import { storeApiError } from '../../endpoint/store-errors.js';
import type { Store, UserRecord } from '../../storage/store.js';
import type { Bridges } from '../bridges.js';
import { parseChannelInput, parseRegistrationInput } from '../registration-input.js';
import { registrationSecret, secretFromAuthorization, verifyRegistrationSecret } from '../registration-secret.js';
import { parseRouterType, type RouterType } from '../router-type.js';
import type { BridgeRouter } from '../bridge-router.js';

type Params = { routerType: string; appId: string; uaid?: string; chid?: string };
type Req = FastifyRequest<{ Params: Params }>;

const BASE = REGISTRATION_ROUTES;
const WITH_UAID = `${BASE}/:uaid`;

/** Run a storage call; failures become `database` (500) or `database-busy` (503). */
async function stored<T>(req: Req, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const error = storeApiError(err);
    if (error.status >= 500) req.log.error({ err }, 'storage failed in the registration API');
    throw error;
  }
}

function bodyOf(req: Req): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function registrationRoutes(bridges: Bridges): FastifyPluginCallback<EndpointContext> {
  return (app, ctx, done) => {
    /** The router of a path's type; a type this server has no bridge for has no app ids either. */
    const routerFor = (raw: string): { type: RouterType; router: BridgeRouter } => {
      const type = parseRouterType(raw);
      const router = bridges.router(type);
      if (router === undefined) throw new ApiError('unknown-app-id', `This server has no ${type} bridge configured`);
      return { type, router };
    };

    /** Secret first, then router type, then the user: see the module header. */
    const authorized = async (req: Req): Promise<{ uaid: string; type: RouterType; router: BridgeRouter; user: UserRecord }> => {
      const secret = secretFromAuthorization(req.headers.authorization);
      let uaid: string;
      try {
        uaid = uuidHex(req.params.uaid ?? '');
      } catch {
        throw new ApiError('no-user');
      }
      if (secret === null || !verifyRegistrationSecret(bridges.authKeys, uaid, secret)) throw new ApiError('invalid-local-auth');
      const { type, router } = routerFor(req.params.routerType);
      const user = await stored(req, () => ctx.store.getUser(uaid));
      if (user === null) throw new ApiError('no-user');
      return { uaid, type, router, user };
    };

    const endpointFor = (uaid: string, channelID: string, vapidKey: Buffer | undefined) =>
      makeEndpoint(ctx.cipher, ctx.settings.endpointUrl, uaid, channelID, vapidKey);

    /** The channel maximum of WebSocket registers (`--max-channels-per-uaid`) holds here too. */
    const checkChannelRoom = async (req: Req, store: Store, uaid: string): Promise<void> => {
      const max = ctx.settings.maxChannelsPerUaid;
      if (max > 0 && (await stored(req, () => store.getChannels(uaid))).size >= max) throw new ApiError('too-many-channels');
    };

    app.post(BASE, async (req: Req) => {
      const { type, router } = routerFor(req.params.routerType);
      const input = parseRegistrationInput(bodyOf(req));
      const routerData = router.register(req.params.appId, input);
      const uaid = randomUUID().replaceAll('-', '');
      const channelID = input.channelID ?? randomUUID();
      await stored(req, async () => {
        await ctx.store.addUser({ uaid, connectedAt: Date.now(), nodeId: null, routerType: type, routerData });
        await ctx.store.addChannel(uaid, channelID);
      });
      req.log.info({ routerType: type }, 'bridged device registered');
      return { uaid, channelID, endpoint: endpointFor(uaid, channelID, input.vapidKey), secret: registrationSecret(bridges.authKeys[0]!, uaid) };
    });

    app.put(WITH_UAID, async (req: Req, reply) => {
      const { uaid, type, router } = await authorized(req);
      const input = parseRegistrationInput(bodyOf(req));
      const routerData = router.register(req.params.appId, input);
      if (!(await stored(req, () => ctx.store.updateRouter(uaid, type, routerData)))) throw new ApiError('no-user');
      return reply.code(200).send();
    });

    app.get(WITH_UAID, async (req: Req) => {
      const { uaid, user } = await authorized(req);
      // A check-in is a sign of life: it keeps the record from expiring, as autopush's does.
      await stored(req, () => ctx.store.updateRouter(uaid, user.routerType, user.routerData));
      const channelIDs = [...(await stored(req, () => ctx.store.getChannels(uaid)))].map((c) => dashedUuid(uuidHex(c)));
      return { uaid, channelIDs };
    });

    app.delete(WITH_UAID, async (req: Req, reply) => {
      const { uaid } = await authorized(req);
      await stored(req, () => ctx.store.removeUser(uaid));
      return reply.code(200).send();
    });

    app.post(`${WITH_UAID}/subscription`, async (req: Req) => {
      const { uaid } = await authorized(req);
      const input = parseChannelInput(bodyOf(req));
      await checkChannelRoom(req, ctx.store, uaid);
      const channelID = input.channelID ?? randomUUID();
      await stored(req, () => ctx.store.addChannel(uaid, channelID));
      return { channelID, endpoint: endpointFor(uaid, channelID, input.vapidKey) };
    });

    app.delete(`${WITH_UAID}/subscription/:chid`, async (req: Req, reply) => {
      const { uaid } = await authorized(req);
      let chid: string;
      try {
        chid = dashedUuid(uuidHex(req.params.chid ?? ''));
      } catch {
        throw new ApiError('no-subscription');
      }
      if (!(await stored(req, () => ctx.store.removeChannel(uaid, chid)))) throw new ApiError('no-subscription');
      return reply.code(200).send();
    });
    done();
  };
}
