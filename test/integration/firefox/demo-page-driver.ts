/**
 * Drives the subscription-manager example's page in Firefox without changing it: the test adds
 * to the site's own Fastify app (before it listens) a hook that appends demo-driver/driver.js to
 * the page, and the routes that carry commands (long poll) and reports, as PageServer does for
 * the plain test page (harness.ts).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { waitFor } from '../helpers/wait.js';
import type { PageEvent } from './harness.js';

const driverJs = readFileSync(new URL('./demo-driver/driver.js', import.meta.url));

export class DemoPageDriver {
  readonly events: PageEvent[] = [];
  private readonly commands: object[] = [];
  private pendingPoll: FastifyReply | null = null;
  private nextId = 1;

  /** Add the driver to the site's app; call before it listens. */
  mount(app: FastifyInstance): void {
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.url !== '/' || !String(reply.getHeader('content-type')).startsWith('text/html')) return payload;
      return `${String(payload)}<script type="module" src="/__test/driver.js"></script>\n`;
    });
    app.get('/__test/driver.js', (_req, reply) => reply.type('text/javascript').header('cache-control', 'no-store').send(driverJs));
    app.post('/__test/report', async (req, reply) => {
      this.events.push(req.body as PageEvent);
      return reply.code(204).send();
    });
    app.get('/__test/command', (_req, reply) => {
      const cmd = this.commands.shift();
      if (cmd) return reply.send(cmd);
      this.pendingPoll?.code(204).send();
      this.pendingPoll = reply;
      // A poll whose browser quit must not swallow the next run's first command.
      reply.raw.once('close', () => {
        if (this.pendingPoll === reply) this.pendingPoll = null;
      });
      // Answer empty after a while so the page's fetch never hangs for long.
      setTimeout(() => {
        if (this.pendingPoll === reply) {
          this.pendingPoll = null;
          reply.code(204).send();
        }
      }, 2000).unref();
      return reply;
    });
  }

  /** Run an action in the page and wait for its result. */
  async command(type: string, args: object = {}, timeoutMs = 20_000): Promise<PageEvent> {
    const id = this.nextId++;
    const cmd = { id, type, ...args };
    const poll = this.pendingPoll;
    this.pendingPoll = null;
    if (poll && !poll.raw.destroyed) poll.send(cmd);
    else this.commands.push(cmd);
    const result = await this.waitEvent(`result of ${type}`, (e) => e.type === 'result' && e.id === id, timeoutMs);
    if (!result.ok) throw new Error(`${type} failed in the page: ${String(result.error)}`);
    return result;
  }

  async waitEvent(what: string, match: (e: PageEvent) => boolean, timeoutMs = 20_000): Promise<PageEvent> {
    return waitFor(what, () => this.events.find(match), timeoutMs);
  }

  /** Forget events and commands, for a new Firefox run against the same site. */
  reset(): void {
    this.events.length = 0;
    this.commands.length = 0;
  }

  close(): void {
    this.pendingPoll?.code(204).send();
    this.pendingPoll = null;
  }
}
