/**
 * A real headless Firefox ESR as the user agent (facts in ../shared/spec/firefox-client.md):
 * a page server on http://localhost:PORT/ that the test drives through a command queue, and a
 * Firefox process with a profile pointing dom.push.serverURL at Herald, with no network beyond
 * loopback. Every wait is bounded; Firefox quits through the page, and is killed by process group
 * only if it does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../helpers/herald-process.js';
import { waitFor } from '../helpers/wait.js';

const pageDir = new URL('./page/', import.meta.url).pathname;

export interface PageEvent {
  type: string;
  [key: string]: unknown;
}

/** Serves the test page and service worker, and carries commands and reports. */
export class PageServer {
  readonly events: PageEvent[] = [];
  private readonly commands: object[] = [];
  private pendingPoll: ServerResponse | null = null;
  private nextId = 1;
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  get url(): string {
    // localhost is a secure context, so service workers and push work over plain http.
    return `http://localhost:${this.port}/`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/' || req.url === '/sw.js') {
      const file = req.url === '/' ? 'index.html' : 'sw.js';
      res.writeHead(200, {
        'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html',
        'cache-control': 'no-store',
      });
      res.end(readFileSync(join(pageDir, file)));
    } else if (req.url === '/report' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        this.events.push(JSON.parse(body) as PageEvent);
        res.writeHead(204).end();
      });
    } else if (req.url === '/command') {
      const cmd = this.commands.shift();
      if (cmd) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(cmd));
      else {
        this.pendingPoll?.writeHead(204).end();
        this.pendingPoll = res;
        // Answer empty after a while so the page's fetch never hangs for long.
        setTimeout(() => {
          if (this.pendingPoll === res) {
            this.pendingPoll = null;
            res.writeHead(204).end();
          }
        }, 2000).unref();
      }
    } else {
      res.writeHead(404).end();
    }
  }

  /** Run an action in the page and wait for its result. */
  async command(type: string, args: object = {}, timeoutMs = 15_000): Promise<PageEvent> {
    const id = this.nextId++;
    const cmd = { id, type, ...args };
    if (this.pendingPoll) {
      const res = this.pendingPoll;
      this.pendingPoll = null;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(cmd));
    } else this.commands.push(cmd);
    const result = await this.waitEvent(`result of ${type}`, (e) => e.type === 'result' && e.id === id, timeoutMs);
    if (!result.ok) throw new Error(`${type} failed in the page: ${String(result.error)}`);
    return result;
  }

  async waitEvent(what: string, match: (e: PageEvent) => boolean, timeoutMs = 15_000): Promise<PageEvent> {
    return waitFor(what, () => this.events.find(match), timeoutMs);
  }

  pushes(): Array<string | null> {
    return this.events.filter((e) => e.type === 'push').map((e) => e.text as string | null);
  }

  /** Forget events and commands, for a new Firefox run against the same page. */
  reset(): void {
    this.events.length = 0;
    this.commands.length = 0;
  }

  async stop(): Promise<void> {
    this.pendingPoll?.writeHead(204).end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A proxy on loopback that refuses and counts every request Firefox tries to send off the box. */
export class TrapProxy {
  hits: string[] = [];
  port = 0;
  private server = createNetServer((socket: Socket) => {
    socket.once('data', (d) => {
      this.hits.push(d.toString().split('\r\n')[0] ?? '');
      socket.destroy();
    });
  });

  async start(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function writeProfile(profileDir: string, pushWsUrl: string, trapPort: number): void {
  const prefs: Record<string, string | number | boolean> = {
    'dom.push.enabled': true,
    'dom.push.connection.enabled': true,
    'dom.push.serverURL': pushWsUrl,
    'dom.push.testing.allowInsecureServerURL': true,
    'dom.push.testing.ignorePermission': true,
    'permissions.default.desktop-notification': 1,
    'dom.push.maxQuotaPerSubscription': 100000,
    'alerts.useSystemBackend': false,
    'dom.allow_scripts_to_close_windows': true,
    'dom.push.loglevel': 'debug',
    'devtools.console.stdout.chrome': true,
    'devtools.console.stdout.content': true,
    'services.settings.server': 'data:,#remote-settings-dummy/v1',
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': trapPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': trapPort,
    'network.proxy.share_proxy_settings': true,
    'network.manage-offline-status': false,
    'network.connectivity-service.enabled': false,
    'network.captive-portal-service.enabled': false,
    'app.update.disabledForTesting': true,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'toolkit.telemetry.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.aboutwelcome.enabled': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.sessionstore.resume_from_crash': false,
  };
  const text = Object.entries(prefs)
    .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
    .join('\n');
  writeFileSync(join(profileDir, 'user.js'), text + '\n');
}

export interface FirefoxProcess {
  proc: ChildProcess;
  output(): string;
  /** Quit through the page (window.close()); kill the process group if that fails. */
  quit(page: PageServer): Promise<void>;
  /** Kill the process group (SIGKILL): a crash, or a last resort. */
  kill(): Promise<void>;
}

export function launchFirefox(profileDir: string, pageUrl: string): FirefoxProcess {
  const proc = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profileDir, pageUrl], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MOZ_HEADLESS: '1',
      MOZ_CRASHREPORTER_DISABLE: '1',
      MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1',
    },
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const isRunning = () => proc.exitCode === null && proc.signalCode === null;

  const kill = async () => {
    if (!isRunning()) return;
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  };

  return {
    proc,
    output: () => out,
    kill,
    async quit(page: PageServer) {
      if (!isRunning()) return;
      try {
        await page.command('close', {}, 5000);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      } catch {
        /* fall through to the kill */
      }
      await kill();
    },
  };
}
