import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings, SettingsError } from './load-settings.js';

describe('mail and account-code settings', () => {
  it('defaults to no mail and no email verification', () => {
    const s = loadSettings({}, {});
    assert.deepEqual([s.smtpHost, s.mailFrom, s.accountEmailVerification, s.accountCodeLifetime, s.accountCodeMaxAttempts], ['', '', false, 900, 5]);
  });

  it('refuses email verification without a mail server and sender, saying what to set', () => {
    for (const env of [{ HERALD_ACCOUNT_EMAIL_VERIFICATION: 'true' }, { HERALD_ACCOUNT_EMAIL_VERIFICATION: 'on', HERALD_SMTP_HOST: 'mail.example.com' }]) {
      assert.throws(() => loadSettings({}, env), (err: Error) => err instanceof SettingsError && /--smtp-host and --mail-from/.test(err.message));
    }
    const s = loadSettings({}, { HERALD_ACCOUNT_EMAIL_VERIFICATION: 'true', HERALD_SMTP_HOST: 'mail.example.com', HERALD_MAIL_FROM: 'a@example.com', HERALD_SMTP_TLS: 'tls', HERALD_SMTP_PORT: '465' });
    assert.deepEqual([s.accountEmailVerification, s.smtpTls, s.smtpPort], [true, 'tls', 465]);
  });

  it('refuses sign-in confirmation without mail, bounds it and the secondary emails', () => {
    assert.throws(() => loadSettings({}, { HERALD_ACCOUNT_SIGN_IN_CONFIRMATION: '86400' }), (err: Error) => err instanceof SettingsError && /--account-sign-in-confirmation needs mail/.test(err.message));
    const mail = { HERALD_SMTP_HOST: 'mail.example.com', HERALD_MAIL_FROM: 'a@example.com' };
    const s = loadSettings({}, { ...mail, HERALD_ACCOUNT_SIGN_IN_CONFIRMATION: '86400', HERALD_ACCOUNT_MAX_SECONDARY_EMAILS: '0' });
    assert.deepEqual([s.accountSignInConfirmation, s.accountMaxSecondaryEmails], [86_400, 0]);
    assert.deepEqual([loadSettings({}, {}).accountSignInConfirmation, loadSettings({}, {}).accountMaxSecondaryEmails], [0, 3]);
    for (const env of [{ HERALD_ACCOUNT_SIGN_IN_CONFIRMATION: '60' }, { HERALD_ACCOUNT_SIGN_IN_CONFIRMATION: '-1' }, { HERALD_ACCOUNT_MAX_SECONDARY_EMAILS: '21' }]) {
      assert.throws(() => loadSettings({}, { ...mail, ...env }), SettingsError, JSON.stringify(env));
    }
  });

  it('bounds the code lifetime and attempts, and checks the TLS mode and the boolean', () => {
    for (const env of [
      { HERALD_ACCOUNT_CODE_LIFETIME: '10' },
      { HERALD_ACCOUNT_CODE_LIFETIME: '100000' },
      { HERALD_ACCOUNT_CODE_MAX_ATTEMPTS: '0' },
      { HERALD_ACCOUNT_CODE_MAX_ATTEMPTS: '21' },
      { HERALD_SMTP_TLS: 'ssl' },
      { HERALD_ACCOUNT_EMAIL_VERIFICATION: 'maybe' },
    ]) {
      assert.throws(() => loadSettings({}, env), SettingsError, JSON.stringify(env));
    }
  });
});
