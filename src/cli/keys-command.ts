/** `herald keys`: print a new Fernet crypto key (for --crypto-keys or AUTOEND__CRYPTO_KEYS). */
import type { Command } from 'commander';
import { generateFernetKey } from '../crypto/fernet.js';

export function registerKeysCommand(program: Command): void {
  program
    .command('keys')
    .description('print a new crypto key for --crypto-keys; put new keys first and keep old ones to rotate')
    .action(() => {
      console.log(generateFernetKey());
    });
}
