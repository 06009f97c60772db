/**
 * Dockerflow health and version routes (docs/protocol.md#routes), for load balancers and
 * operators. `/__heartbeat__` and `/health` always answer 200 and say in the body whether
 * storage answers, as autopush does, so a probe can tell "process up" from "storage down".
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginCallback } from 'fastify';
import type { EndpointContext } from '../context.js';

/** Where the source lives, for `/__version__`. */
const SOURCE = 'https://github.com/herald-push/herald';

/** Build information, read once at start. The path holds from `src/` and from `dist/`. */
export function readVersionInfo(env: NodeJS.ProcessEnv = process.env): { build: string; commit: string; source: string; version: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return { build: env.HERALD_BUILD || 'unknown', commit: env.HERALD_COMMIT || 'unknown', source: SOURCE, version: pkg.version };
}

/** Only the store is needed, so a connection-only node's public port serves these too. */
export const healthRoutes: FastifyPluginCallback<Pick<EndpointContext, 'store'>> = (app, ctx, done) => {
  const info = readVersionInfo();
  const { version } = info;

  const heartbeat = async () => {
    const healthy = await ctx.store.healthCheck().catch(() => false);
    const status = healthy ? 'OK' : 'ERROR';
    return { status, version, router_table: { status }, message_table: { status } };
  };
  app.get('/__heartbeat__', heartbeat);
  app.get('/health', heartbeat);
  app.get('/status', async () => ({ status: 'OK', version }));
  app.get('/__lbheartbeat__', async (_req, reply) => reply.code(200).send());
  app.get('/__version__', async () => info);
  done();
};
