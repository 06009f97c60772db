/**
 * Account mail through `herald serve` as an operator runs it (docs/accounts.md "Mail"): the SMTP
 * flags reach a real SMTP receiver, email verification works end to end, and turning verification
 * on without mail stops the start with a message that says what to set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { codeIn, startSmtpReceiver, type SmtpReceiver } from '../../src/mail/test-smtp-receiver.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';

const root = new URL('../../', import.meta.url).pathname;

async function callApi(baseUrl: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('herald serve with account mail', () => {
  let rx: SmtpReceiver;
  let herald: HeraldProcess;
  before(async () => {
    rx = await startSmtpReceiver();
    herald = await startHerald({
      args: ['--account-email-verification', 'true', '--smtp-host', rx.smtp.host, '--smtp-port', String(rx.smtp.port), '--smtp-tls', 'none', '--mail-from', 'Herald <accounts@herald.test>'],
    });
  });
  after(async () => {
    await herald?.dispose();
    await rx?.close();
  });

  it('mails a verification code over SMTP; the account registers devices only once verified', async () => {
    const email = 'process-mail@example.com';
    const created = await callApi(herald.endpointUrl, '/v1/account/create', { email, password: 'a long passphrase' });
    assert.equal(created.status, 200);
    assert.equal(created.json.emailVerified, false);
    const mail = await rx.nextMail(email, 0, 30_000);
    assert.match(mail.from, /accounts@herald\.test/);
    assert.ok(mail.html.includes(codeIn(mail)), 'an HTML part too');
    const token = created.json.sessionToken as string;
    const early = await callApi(herald.endpointUrl, '/v1/account/device', { name: 'Phone' }, token);
    assert.deepEqual([early.status, early.json.errno], [400, 104]);
    const verified = await callApi(herald.endpointUrl, '/v1/recovery_email/verify_code', { code: codeIn(mail) }, token);
    assert.deepEqual(verified.json, { email, verified: true });
    assert.equal((await callApi(herald.endpointUrl, '/v1/account/device', { name: 'Phone' }, token)).status, 200);
  });

  it('refuses to start with --account-email-verification and no mail, naming the settings', () => {
    assert.throws(
      () => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', '--port', '0', '--account-email-verification', 'true'], { cwd: root, stdio: 'pipe', timeout: 60_000 }),
      (e: { status: number; stderr: Buffer }) => e.status === 2 && /--smtp-host and --mail-from/.test(e.stderr.toString()),
    );
  });
});
