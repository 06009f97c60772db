/** The device registry routes (docs/device-messages.md#device-registry). */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../authenticate.js';
import { requireVerifiedEmail } from '../email-verification.js';
import type { AccountsContext } from '../context.js';
import { deviceIdSchema, parseDeviceRegistration } from '../edge/device-registration.js';
import { parseWith } from '../edge/parse.js';
import { destroyDevice, listDevices, registerDevice } from '../devices.js';

const listQuery = z.object({ filterIdleDevicesTimestamp: z.coerce.number().int().nonnegative().optional() });
const destroyBody = z.object({ id: deviceIdSchema });

export const deviceRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  app.post('/v1/account/device', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await requireVerifiedEmail(ctx, auth);
    return registerDevice(ctx, auth, parseDeviceRegistration(req.body, ctx.settings.allowedPushOrigins));
  });

  app.get('/v1/account/devices', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    const { filterIdleDevicesTimestamp } = parseWith(listQuery, req.query, 'query');
    return listDevices(ctx, auth, filterIdleDevicesTimestamp);
  });

  app.post('/v1/account/device/destroy', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await destroyDevice(ctx, auth, parseWith(destroyBody, req.body).id);
    return {};
  });
  done();
};
