/**
 * The email-address and recovery-key sections of the account page (docs/accounts.md "Secondary
 * emails", "Account recovery key"): browser JavaScript spliced into the page script's scope
 * (devices-js.ts), whose helpers (`api`, `el`, `button`, `passwordKeys`, …) it uses. Addresses
 * are shown with `textContent` only.
 *
 * Two actions need the password, because the SDK's keys come from it (src/sdk/account-secrets.ts):
 * making an address primary re-stretches the password with the new address and re-wraps kB
 * under it, and a recovery key seals kB, which only the password unwraps. The recovery key's
 * derivation is the SDK's; `account-secrets.test.ts` checks the constants match.
 */
export const PAGE_RECOVERY_ID_INFO = 'identity.herald-push/v1/recoveryKeyId';
export const PAGE_RECOVERY_ENC_INFO = 'identity.herald-push/v1/recoveryKeyEncrypt';

export const accountSettingsJs = `
  var RECOVERY_ID_INFO = ${JSON.stringify(PAGE_RECOVERY_ID_INFO)};
  var RECOVERY_ENC_INFO = ${JSON.stringify(PAGE_RECOVERY_ENC_INFO)};
  var pendingEmail = '';

  function base64url(bytes) {
    var s = '';
    bytes.forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }

  /** kB, unwrapped with the password (or the stretched password of an account from before keys were kept). */
  async function rootKey(keys) {
    var stored = await api('GET', '/v1/account/keys');
    return { kB: stored.wrapKB === null ? keys.stretched : xor(fromHex(stored.wrapKB), keys.unwrap) };
  }

  async function showEmails() {
    var emails = await api('GET', '/v1/recovery_emails');
    var list = byId('email-list');
    list.replaceChildren();
    emails.forEach(function (e) { list.append(emailItem(e)); });
    byId('emails-box').hidden = false;
  }

  function emailItem(e) {
    var li = el('li', 'email');
    li.dataset.email = e.email;
    var title = el('div');
    title.append(el('span', 'email-address', e.email));
    if (e.isPrimary) title.append(el('span', 'badge', 'primary'));
    title.append(el('span', e.verified ? 'badge' : 'badge warn', e.verified ? 'verified' : 'not verified'));
    var actions = el('div', 'actions');
    if (!e.isPrimary && !e.verified) {
      actions.append(
        button('Enter code', 'secondary enter-code', function () { askCode(e.email); }),
        button('Resend code', 'secondary resend-code', function () {
          api('POST', '/v1/recovery_email/secondary/resend_code', { email: e.email })
            .then(function () { askCode(e.email); setStatus('A new code was mailed to ' + e.email + '.'); })
            .catch(report);
        })
      );
    }
    if (!e.isPrimary && e.verified) actions.append(button('Make primary', 'secondary make-primary', function () { askPrimary(e.email); }));
    if (!e.isPrimary) {
      actions.append(button('Remove', 'danger remove-email', function () {
        if (!window.confirm('Remove ' + e.email + ' from your account?')) return;
        api('POST', '/v1/recovery_email/destroy', { email: e.email })
          .then(function () { setStatus('Removed ' + e.email + '.'); return showEmails(); })
          .catch(report);
      }));
    }
    li.append(title, actions);
    return li;
  }

  function askCode(email) {
    pendingEmail = email;
    byId('verify-email-address').textContent = email;
    byId('verify-email').hidden = false;
    byId('verify-email-code').focus();
  }

  function askPrimary(email) {
    pendingEmail = email;
    byId('make-primary-address').textContent = email;
    byId('make-primary').hidden = false;
    byId('make-primary-password').focus();
  }

  byId('add-email').addEventListener('submit', function (event) {
    event.preventDefault();
    var email = byId('new-email').value.trim().toLowerCase();
    api('POST', '/v1/recovery_email', { email: email })
      .then(function () {
        byId('new-email').value = '';
        setStatus('A code was mailed to ' + email + '.');
        askCode(email);
        return showEmails();
      })
      .catch(report);
  });

  byId('verify-email').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', '/v1/recovery_email/secondary/verify_code', { email: pendingEmail, code: byId('verify-email-code').value.trim() })
      .then(function () {
        byId('verify-email-code').value = '';
        byId('verify-email').hidden = true;
        setStatus(pendingEmail + ' is verified.');
        return showEmails();
      })
      .catch(report);
  });

  byId('make-primary-cancel').addEventListener('click', function () { byId('make-primary').hidden = true; });

  byId('make-primary').addEventListener('submit', function (event) {
    event.preventDefault();
    var email = pendingEmail;
    var password = byId('make-primary-password').value;
    setStatus('Changing the primary address…');
    // The password is re-stretched with the new address and kB re-wrapped under it (docs/accounts.md "Secondary emails").
    Promise.all([passwordKeys(accountEmail, password), passwordKeys(email, password)])
      .then(function (k) {
        return rootKey(k[0]).then(function (root) {
          return api('POST', '/v1/recovery_email/set_primary', { email: email, oldPassword: k[0].auth, newPassword: k[1].auth, wrapKB: hex(xor(root.kB, k[1].unwrap)) });
        });
      })
      .then(function () {
        byId('make-primary-password').value = '';
        byId('make-primary').hidden = true;
        setStatus(email + ' is your primary address: sign in with it from now on.');
        return showDevices();
      })
      .catch(report);
  });

  async function showRecoveryKey() {
    var state = await api('GET', '/v1/recovery_key/exists');
    byId('recovery-key-state').textContent = state.exists
      ? 'You have a recovery key. A new one replaces it.'
      : 'You have no recovery key: a password reset would make your devices create new end-to-end keys.';
    byId('remove-recovery-key').hidden = !state.exists;
    byId('recovery-key-box').hidden = false;
  }

  byId('create-recovery-key').addEventListener('submit', function (event) {
    event.preventDefault();
    var password = byId('recovery-key-password').value;
    setStatus('Creating a recovery key…');
    var key = crypto.getRandomValues(new Uint8Array(32));
    var iv = crypto.getRandomValues(new Uint8Array(12));
    passwordKeys(accountEmail, password)
      .then(function (keys) {
        // A wrong password would seal a wrong kB: check it with the server first (the sign-in limits apply).
        return api('POST', '/v1/account/login', { email: accountEmail, password: keys.auth }).then(function (s) {
          return fetch('/v1/session/destroy', { method: 'POST', headers: { Authorization: 'Bearer ' + s.sessionToken, 'Content-Type': 'application/json' }, body: '{}' })
            .then(function () { return rootKey(keys); });
        });
      })
      .then(async function (root) {
        var ikm = await crypto.subtle.importKey('raw', key, 'HKDF', false, ['deriveBits', 'deriveKey']);
        var hkdf = function (info) { return { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(info) }; };
        var id = hex(await crypto.subtle.deriveBits(hkdf(RECOVERY_ID_INFO), ikm, 128));
        var aes = await crypto.subtle.deriveKey(hkdf(RECOVERY_ENC_INFO), ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt']);
        var sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv }, aes, root.kB));
        var data = new Uint8Array(12 + sealed.length);
        data.set(iv);
        data.set(sealed, 12);
        await api('POST', '/v1/recovery_key', { recoveryKeyId: id, recoveryData: base64url(data) });
        byId('recovery-key-password').value = '';
        byId('recovery-key-value').textContent = hex(key);
        byId('recovery-key-shown').hidden = false;
        setStatus('Recovery key created: keep it somewhere safe, it is not shown again.');
        return showRecoveryKey();
      })
      .catch(report);
  });

  byId('remove-recovery-key').addEventListener('click', function () {
    if (!window.confirm('Remove your recovery key? A password reset would then make new end-to-end keys.')) return;
    api('POST', '/v1/recovery_key/destroy')
      .then(function () {
        byId('recovery-key-shown').hidden = true;
        setStatus('Recovery key removed.');
        return showRecoveryKey();
      })
      .catch(report);
  });
`;
