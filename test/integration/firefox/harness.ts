/**
 * A real headless Firefox ESR as the user agent (facts in docs/protocol.md#firefox-specifics):
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
        // A poll whose browser quit must not swallow the next run's first command.
        res.once('close', () => {
          if (this.pendingPoll === res) this.pendingPoll = null;
        });
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

export function writeProfile(
  profileDir: string,
  pushWsUrl: string,
  trapPort: number,
  extraPrefs: Record<string, string | number | boolean> = {},
): void {
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
    // The harness reads the push frames from this debug log (FirefoxProcess.frames).
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
    'browser.startup.page': 0,
    // Once the page is in the profile's history, a relaunch loads it a second time in a hidden
    // 1024 px browser to take a thumbnail (BackgroundPageThumbs): a second page polling /command
    // that may take the test's commands.
    'browser.pagethumbnails.capturing_disabled': true,
    // Background services that otherwise try to reach Mozilla through the trap proxy (a loopback
    // proxy socket is "local", so MOZ_DISABLE_NONLOCAL_CONNECTIONS does not stop them). Values as
    // in Firefox's own remote/shared/RecommendedPreferences.sys.mjs.
    'telemetry.fog.test.localhost_port': -1, // Glean: incoming.telemetry.mozilla.org
    'datareporting.usage.uploadEnabled': false,
    'toolkit.telemetry.server': 'data:,',
    'app.normandy.enabled': false, // normandy.cdn.mozilla.net
    'app.normandy.api_url': '',
    'browser.region.network.url': '', // location.services.mozilla.com
    'browser.region.update.enabled': false,
    'browser.newtabpage.enabled': false, // new tab: ads.mozilla.org, settings attachments CDN
    'browser.newtab.preload': false,
    'browser.newtabpage.activity-stream.testing.shouldInitializeFeeds': false,
    'browser.newtabpage.activity-stream.showSponsoredTopSites': false,
    'browser.topsites.contile.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.blockedURIs.enabled': false,
    'browser.search.update': false,
    'browser.discovery.enabled': false,
    'browser.ml.enable': false,
    'browser.translations.enable': false,
    'browser.backup.enabled': false,
    'extensions.update.enabled': false,
    'extensions.systemAddon.update.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'geo.provider.network.url': '',
    'media.gmp-manager.updateEnabled': false, // about 25 s in: aus5.mozilla.org, update.googleapis.com
    'media.gmp-manager.url': 'data:text/plain,',
    'media.gmp-provider.enabled': false,
    'security.remote_settings.intermediates.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.http.speculative-parallel-limit': 0,
    ...extraPrefs,
  };
  const text = Object.entries(prefs)
    .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
    .join('\n');
  writeFileSync(join(profileDir, 'user.js'), text + '\n');
}

/** One WebSocket frame of Firefox's push connection, as Firefox's own debug log shows it. */
export interface PushFrame {
  /** `sent` by Firefox to the server, or `received` from it. */
  dir: 'sent' | 'received';
  frame: Record<string, unknown>;
  /** Date.now() when the line reached us. */
  at: number;
}

// PushServiceWebSocket logs every frame it sends and receives (dom.push.loglevel=debug); the
// frame text is the last argument, printed as a JSON-style quoted string.
const SENT_LINE = /^console\.debug: PushServiceWebSocket: "wsSendMessage: Sending message" (".*")$/;
const RECEIVED_LINE = /^console\.debug: PushServiceWebSocket: "wsOnMessageAvailable\(\)" (".*")$/;

/** Whatever carries commands to the page Firefox shows: PageServer, or a driver mounted in another site. */
export interface PageCommands {
  command(type: string, args?: object, timeoutMs?: number): Promise<PageEvent>;
}

export interface FirefoxProcess {
  proc: ChildProcess;
  /** Everything Firefox printed (stdout and stderr). */
  output(): string;
  /** The push frames so far, in order. */
  readonly frames: PushFrame[];
  /** Frames of one direction and messageType (`{}` pings have messageType undefined). */
  framesOf(dir: PushFrame['dir'], messageType: string): Array<Record<string, unknown>>;
  waitFrame(what: string, match: (f: PushFrame) => boolean, timeoutMs?: number): Promise<PushFrame>;
  /** Errors and warnings Firefox's push code logged (bad frames, unexpected states, failed deliveries). */
  pushComplaints(): string[];
  /**
   * Wait until the parent-process PushService is up and has its hello reply. Firefox creates the
   * PushService (and the listener for the content process's Push:* requests) only in a late
   * startup idle task (BrowserGlue "PushService.ensureReady"), a few seconds after the page has
   * loaded. A subscribe() or getSubscription() sent before that is silently dropped by the
   * message manager and never settles, so every push action in the page must wait for this.
   */
  waitPushReady(timeoutMs?: number): Promise<void>;
  /** Quit through the page (window.close()); kill the process group if that fails. */
  quit(page: PageCommands): Promise<void>;
  /** Kill the process group (SIGKILL): a crash, or a last resort. */
  kill(): Promise<void>;
  /** Exit code, or the signal that ended it; undefined while running. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
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
  const frames: PushFrame[] = [];
  let partial = '';
  const onLine = (line: string) => {
    const m = SENT_LINE.exec(line) ?? RECEIVED_LINE.exec(line);
    if (!m) return;
    try {
      const frame = JSON.parse(JSON.parse(m[1]!) as string) as Record<string, unknown>;
      frames.push({ dir: line.includes('wsSendMessage') ? 'sent' : 'received', frame, at: Date.now() });
    } catch {
      /* not a JSON frame; the raw line stays in output() */
    }
  };
  proc.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    out += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    }),
  );
  const isRunning = () => exitInfo === undefined;

  const kill = async () => {
    if (!isRunning()) return;
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  };

  const waitFrame = (what: string, match: (f: PushFrame) => boolean, timeoutMs = 15_000) =>
    waitFor(what, () => frames.find(match), timeoutMs);

  return {
    proc,
    output: () => out,
    frames,
    framesOf: (dir, messageType) => frames.filter((f) => f.dir === dir && f.frame.messageType === messageType).map((f) => f.frame),
    waitFrame,
    pushComplaints: () => out.split('\n').filter((l) => /^console\.(error|warn): Push\w*:/.test(l)),
    async waitPushReady(timeoutMs = 30_000) {
      await waitFrame('the push service to get its hello reply', (f) => f.dir === 'received' && f.frame.messageType === 'hello', timeoutMs);
    },
    kill,
    exit: () => exitInfo,
    async quit(page: PageCommands) {
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
