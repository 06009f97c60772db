/**
 * `herald send`: an operator's one-line test of a subscription. Encrypts with the SDK's sender
 * (RFC 8291, RFC 8292), prints the answer and, for an error, its errno explained
 * (docs/errors.md). Exit status: 0 accepted, 1 refused by the push service or unreachable,
 * 2 bad input.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { sendPush } from '../sdk/sender.js';
import { explainAnswer } from './send-explain.js';
import { parseTarget, parseVapidKey, SendInputError } from './send-input.js';

interface SendFlags {
  vapidKey?: string;
  vapidSubject?: string;
  ttl: number;
  topic?: string;
  urgency?: string;
  encoding: 'aes128gcm' | 'aesgcm';
}

function parseTtl(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('give whole seconds, 0 or more');
  return Number(value);
}

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('send one push message to a subscription and print what the push service answered')
    .argument('<subscription>', 'a subscription JSON file (PushSubscription.toJSON()), the JSON itself, or a bare endpoint URL (then only an empty push)')
    .argument('[text]', 'the message, encrypted for the subscription; omit it for a push without data')
    .option('--vapid-key <file|key>', 'sign with VAPID (needed for a v2 endpoint): a file with the output of `herald vapid` (or --json), or the private key in base64url')
    .option('--vapid-subject <mailto:|https:>', 'contact for the push service operator (the JWT "sub" claim), e.g. mailto:ops@example.com')
    .option('--ttl <seconds>', 'how long the push service may keep the message for an offline user agent', parseTtl, 60)
    .option('--topic <name>', 'replace a waiting message with the same topic (at most 32 URL-safe base64 characters)')
    .addOption(program.createOption('--urgency <level>', 'delivery urgency').choices(['very-low', 'low', 'normal', 'high']))
    .addOption(program.createOption('--encoding <name>', 'content encoding').choices(['aes128gcm', 'aesgcm']).default('aes128gcm'))
    // Bad input exits 2 (as the other commands' bad flags do); --help exits 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .addHelpText(
      'after',
      [
        '',
        'Prints the status, and Location and TTL on success; on an error, the errno, its meaning and',
        'what to do (docs/errors.md). Exit status 0 when accepted, 1 when refused or unreachable, 2 on bad input.',
        '',
        'Examples:',
        '  herald vapid > vapid.txt',
        '  herald send subscription.json "Hello" --vapid-key vapid.txt --vapid-subject mailto:ops@example.com',
        '  herald send https://push.example.com/wpush/v1/gAAAA… --ttl 0',
      ].join('\n'),
    )
    .action(async (subscription: string, text: string | undefined, opts: SendFlags) => {
      let target;
      let vapid;
      try {
        target = parseTarget(subscription);
        if (text !== undefined && text !== '' && target.keys === null) {
          throw new SendInputError('an endpoint alone has no keys to encrypt for: give the subscription JSON (with "keys") to send text, or leave the text out for an empty push');
        }
        vapid = opts.vapidKey === undefined ? undefined : parseVapidKey(opts.vapidKey);
      } catch (err) {
        if (!(err instanceof SendInputError)) throw err;
        console.error(`herald send: ${err.message}`);
        process.exitCode = 2;
        return;
      }
      let result;
      try {
        result = await sendPush(
          { endpoint: target.endpoint, keys: target.keys ?? { p256dh: '', auth: '' } },
          target.keys === null ? null : (text ?? null),
          {
            ttl: opts.ttl,
            topic: opts.topic,
            urgency: opts.urgency,
            encoding: opts.encoding,
            vapid: vapid && { ...vapid, subject: opts.vapidSubject },
          },
        );
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        console.error(`herald send: could not reach ${target.endpoint}: ${cause?.message ?? (err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const { ok, lines } = explainAnswer(result);
      for (const line of lines) (ok ? console.log : console.error)(line);
      process.exitCode = ok ? 0 : 1;
    });
}
