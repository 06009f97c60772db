/**
 * `GET /devices`: the device management page, its script and style (page/). A strict Content
 * Security Policy: only this origin's script and style, requests only to this origin, no framing.
 */
import type { FastifyPluginCallback, FastifyReply } from 'fastify';
import type { AccountsContext } from '../context.js';
import { devicesCss } from '../page/devices-css.js';
import { devicesHtml, devicesIcon } from '../page/devices-html.js';
import { devicesJs } from '../page/devices-js.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function serve(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(body);
}

export const devicesPageRoutes: FastifyPluginCallback<AccountsContext> = (app, _ctx, done) => {
  app.get('/devices', async (_req, reply) => serve(reply, 'text/html; charset=utf-8', devicesHtml));
  app.get('/devices/app.js', async (_req, reply) => serve(reply, 'text/javascript; charset=utf-8', devicesJs));
  app.get('/devices/app.css', async (_req, reply) => serve(reply, 'text/css; charset=utf-8', devicesCss));
  app.get('/devices/icon.svg', async (_req, reply) => serve(reply, 'image/svg+xml', devicesIcon));
  done();
};
