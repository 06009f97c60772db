/** `herald vapid`: make a VAPID key pair for an application server (RFC 8292). */
import type { Command } from 'commander';
import { generateVapidKeys } from '../crypto/vapid.js';

export function registerVapidCommand(program: Command): void {
  program
    .command('vapid')
    .description('print a new VAPID key pair (base64url); give the public key to subscribe(), keep the private key on your application server')
    .option('--json', 'print JSON instead of two lines')
    .action((opts: { json?: boolean }) => {
      const keys = generateVapidKeys();
      if (opts.json) console.log(JSON.stringify(keys));
      else console.log(`public key:  ${keys.publicKey}\nprivate key: ${keys.privateKey}`);
    });
}
