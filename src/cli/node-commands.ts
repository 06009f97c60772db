/**
 * `herald serve`, `herald connect`, `herald endpoint`: flags → settings → keys → node, with
 * readable start-up lines. Each command's `--help` lists the settings its role uses.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { configOption, settingsCatalog } from '../config/catalog.js';
import { envName, kebab, loadSettingsWithNotes, SettingsError, type SettingsFlags, type SettingsNote } from '../config/load-settings.js';
import { defaultSettings, type Settings } from '../config/settings.js';
import { defaultKeyFilePath, loadOrCreateKeys } from './key-file.js';
import { startNode, type Role, type RunningNode } from './serve.js';
import { startupLines } from './startup-lines.js';
import { reportReady, superviseWorkers, workerIndex, workerSettings } from './workers.js';

interface RoleCommand {
  role: Role;
  description: string;
  examples: string[];
}

const commands: readonly RoleCommand[] = [
  {
    role: 'serve',
    description: 'run the WebSocket service and the endpoint API on one port (plus the router port), storing in SQLite by default',
    examples: ['herald serve', 'herald serve --port 9000 --db sqlite:/var/lib/herald/herald.db --endpoint-url https://push.example.com'],
  },
  {
    role: 'connect',
    description: 'run a connection node: the WebSocket service for user agents and the router port endpoint nodes deliver through',
    examples: ['herald connect --port 8080 --router-port 8081 --router-hostname 10.0.0.5 --endpoint-url https://push.example.com --db postgres://herald@db/herald --crypto-keys KEY'],
  },
  {
    role: 'endpoint',
    description: 'run an endpoint node: the HTTP API application servers push to; it hands messages to connection nodes',
    examples: ['herald endpoint --port 8000 --endpoint-url https://push.example.com --db postgres://herald@db/herald --crypto-keys KEY'],
  },
];

export function registerNodeCommands(program: Command, version: string): void {
  for (const c of commands) registerNodeCommand(program, version, c);
}

function registerNodeCommand(program: Command, version: string, { role, description, examples }: RoleCommand): void {
  const name = `herald ${role}`;
  const cmd = program.command(role).description(description);
  for (const doc of settingsCatalog) {
    if (role !== 'serve' && doc.roles !== undefined && !doc.roles.includes(role)) continue;
    const def = (defaultSettings as Partial<Settings>)[doc.key];
    const suffix = def === undefined || def === '' || (Array.isArray(def) && def.length === 0) ? '' : ` (default ${String(def)})`;
    cmd.option(`--${kebab(doc.key)} ${doc.value}`, `${doc.help}${suffix}; env ${envName(doc.key)}`);
  }
  cmd.option(configOption.flags, configOption.help);
  cmd.option('--keys-file <path>', 'where generated crypto keys are kept (default: beside the SQLite file)');
  cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);

  cmd.action(async (opts: SettingsFlags & { keysFile?: string }) => {
    let settings: Readonly<Settings>;
    let notes: SettingsNote[];
    try {
      ({ settings, notes } = loadSettingsWithNotes(opts, process.env, role));
      if (settings.cryptoKeys.length === 0) settings = withKeyFile(settings, role, opts.keysFile ?? process.env.HERALD_KEYS_FILE);
    } catch (err) {
      console.error(`${name}: ${err instanceof SettingsError ? err.message : (err as Error).message}`);
      process.exit(2);
    }
    const logger = pino({ level: settings.logLevel });
    const worker = workerIndex();
    if (worker === null) for (const note of notes) logger[note.level]({ items: note.items }, note.msg);
    if (role !== 'endpoint' && settings.workers > 1 && worker === null) {
      superviseWorkers(settings, logger, (nodes) => {
        const first = nodes[0]!;
        const ids = nodes.map((n) => n.connection?.nodeId).filter(Boolean);
        console.log(`${startupLines(first, settings, version)}\n  Workers:                    ${nodes.length} (${ids.join(', ')})`);
      });
      return;
    }
    if (worker !== null) settings = workerSettings(settings, worker);
    let node: RunningNode;
    try {
      node = await startNode(role, settings, logger);
    } catch (err) {
      console.error(`${name}: could not start: ${(err as Error).message}.${portHint(err, settings)}`);
      process.exit(1);
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      node.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // Only now say it runs: whoever waits for these lines may signal at once, and a signal
    // before its handler would kill the process without saving anything.
    if (worker === null) console.log(startupLines(node, settings, version));
    else reportReady(worker, node);
  });
}

/**
 * No keys were given: use (or create) the key file. Beside a shared SQLite file that is right for
 * every process on the host; for a networked store it would give each node its own keys, so the
 * split roles then require keys (or an explicit key file).
 */
function withKeyFile(settings: Readonly<Settings>, role: Role, keysFile: string | undefined): Readonly<Settings> {
  if (keysFile === undefined && role !== 'serve' && !settings.db.startsWith('sqlite:')) {
    throw new SettingsError(
      `no crypto keys: the nodes of a cluster must share them. Create one with \`herald keys\` and give it to every node with --crypto-keys (or ${envName('cryptoKeys')}).`,
    );
  }
  const path = keysFile ?? defaultKeyFilePath(settings.db);
  const { keys, created } = loadOrCreateKeys(path);
  if (created) console.log(`Generated crypto keys in ${path} (keep this file: push endpoints depend on it).`);
  return Object.freeze({ ...settings, cryptoKeys: keys.cryptoKeys });
}

function portHint(err: unknown, settings: Readonly<Settings>): string {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code !== 'EADDRINUSE') return '';
  if (e.port === settings.routerPort) return ` Router port ${settings.routerPort} is in use: pick another with --router-port (0: any free port).`;
  return ` Port ${e.port ?? settings.port} is in use: pick another with --port.`;
}
