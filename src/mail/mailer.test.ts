import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mailConfigured, smtpMailer } from './mailer.js';
import { renderMail } from './templates.js';
import { codeIn, startSmtpReceiver, type SmtpReceiver } from './test-smtp-receiver.js';

describe('mail over SMTP', () => {
  let rx: SmtpReceiver;
  before(async () => (rx = await startSmtpReceiver()));
  after(() => rx.close());

  it('delivers a code mail in plain text and HTML from the configured sender', async () => {
    const mailer = smtpMailer(rx.smtp);
    await mailer.send(renderMail('ann@example.com', { kind: 'verify-email', code: '01234567', minutes: 15 }));
    mailer.close();
    const got = await rx.nextMail('ann@example.com', 0);
    assert.equal(got.subject, 'Confirm your email address');
    assert.match(got.from, /accounts@herald\.test/);
    assert.equal(codeIn(got), '01234567');
    assert.match(got.text, /15 minutes/);
    assert.match(got.html, /<p>Your code: 01234567<\/p>/);
  });

  it('escapes everything in the HTML part', () => {
    const m = renderMail('a@example.com', { kind: 'security-notice', what: 'Password changed <script>alert(1)</script> & "more"' });
    assert.ok(!m.html.includes('<script>'));
    assert.match(m.html, /&#60;script&#62;/);
    assert.match(m.text, /<script>/, 'the text part is text');
  });

  it('rejects when the server refuses, and when nothing listens', async () => {
    rx.refuse(true);
    const mailer = smtpMailer(rx.smtp);
    await assert.rejects(mailer.send(renderMail('b@example.com', { kind: 'reset-password', code: '12345678', minutes: 1 })));
    mailer.close();
    rx.refuse(false);
    const nowhere = smtpMailer({ ...rx.smtp, port: 1 });
    await assert.rejects(nowhere.send(renderMail('c@example.com', { kind: 'confirm-sign-in', code: '12345678', minutes: 1 })));
    nowhere.close();
  });

  it('counts as configured only with a host and a sender', () => {
    assert.equal(mailConfigured(rx.smtp), true);
    assert.equal(mailConfigured({ ...rx.smtp, host: '' }), false);
    assert.equal(mailConfigured({ ...rx.smtp, from: '' }), false);
  });
});
