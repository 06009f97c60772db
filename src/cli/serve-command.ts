/** `herald serve`: flags → settings → keys → server, with readable start-up lines. */
import type { Command } from 'commander';
import pino from 'pino';
import { settingsCatalog } from '../config/catalog.js';
import { envName, kebab, loadSettings, SettingsError, type SettingsInput } from '../config/load-settings.js';
import { defaultSettings, type Settings } from '../config/settings.js';
import { defaultKeyFilePath, loadOrCreateKeys } from './key-file.js';
import { startServer } from './serve.js';

export function registerServeCommand(program: Command, version: string): void {
  const cmd = program
    .command('serve')
    .description('run the WebSocket service and the endpoint API on one port, storing in SQLite by default');
  for (const doc of settingsCatalog) {
    const def = (defaultSettings as Partial<Settings>)[doc.key];
    const suffix = def === undefined || def === '' ? '' : ` (default ${String(def)})`;
    cmd.option(`--${kebab(doc.key)} ${doc.value}`, `${doc.help}${suffix}; env ${envName(doc.key)}`);
  }
  cmd.option('--keys-file <path>', 'where generated crypto keys are kept (default: beside the SQLite file)');
  cmd.addHelpText(
    'after',
    '\nExamples:\n  herald serve\n  herald serve --port 9000 --db sqlite:/var/lib/herald/herald.db --endpoint-url https://push.example.com',
  );
  cmd.action(async (opts: SettingsInput & { keysFile?: string }) => {
    let settings: Readonly<Settings>;
    try {
      settings = loadSettings(opts);
      if (settings.cryptoKeys.length === 0) {
        const path = opts.keysFile ?? process.env.HERALD_KEYS_FILE ?? defaultKeyFilePath(settings.db);
        const { keys, created } = loadOrCreateKeys(path);
        if (created) console.log(`Generated crypto keys in ${path} (keep this file: push endpoints depend on it).`);
        settings = Object.freeze({ ...settings, cryptoKeys: keys.cryptoKeys });
      }
    } catch (err) {
      console.error(`herald serve: ${err instanceof SettingsError ? err.message : (err as Error).message}`);
      process.exit(2);
    }
    const logger = pino({ level: settings.logLevel });
    let server;
    try {
      server = await startServer(settings, logger);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const hint = e.code === 'EADDRINUSE' ? ` Port ${settings.port} is in use: pick another with --port.` : '';
      console.error(`herald serve: could not start: ${e.message}.${hint}`);
      process.exit(1);
    }
    const wsHost = new URL(settings.endpointUrl);
    const wsUrl = `${wsHost.protocol === 'https:' ? 'wss' : 'ws'}://${wsHost.host}/`;
    console.log(
      [
        `Herald ${version} is running (node ${server.nodeId}).`,
        `  User agents (WebSocket):    ${wsUrl}`,
        `  Firefox:                    set dom.push.serverURL to ${wsUrl}`,
        `  Application servers (HTTP): ${settings.endpointUrl}/wpush/...`,
        `  Health:                     ${settings.endpointUrl}/__heartbeat__`,
        `  Storage:                    ${settings.db}`,
        `Stop with Ctrl-C (unacknowledged messages are saved first).`,
      ].join('\n'),
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
