#!/usr/bin/env node
/** The `herald` command line. Each command is a small file; this one only declares them. */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerNodeCommands } from './node-commands.js';
import { registerKeysCommand } from './keys-command.js';
import { registerVapidCommand } from './vapid-command.js';
import { registerSendCommand } from './send-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('herald')
  .description('Herald: a self-hostable Web Push service, wire-compatible with Mozilla autopush.')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)');

registerNodeCommands(program, pkg.version);
registerKeysCommand(program);
registerVapidCommand(program);
registerSendCommand(program);

await program.parseAsync(process.argv);
