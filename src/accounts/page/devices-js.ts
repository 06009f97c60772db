/**
 * The behaviour of the device management page, plain browser JavaScript (no framework, no build).
 * Everything shown from the server goes through `textContent`, never HTML, so a device named
 * `<img onerror=…>` is only text. The session token lives in `sessionStorage` (this tab only).
 *
 * Sign-in sends what the client SDK sends as the password (src/sdk/account-secrets.ts): a key
 * stretched from the email and password, so accounts made with the SDK sign in here too and the
 * server never sees the password the Send Tab keys come from. `account-secrets.test.ts` checks
 * the constants below match the SDK's.
 */
import { accountSettingsJs } from './account-settings-js.js';

export const PAGE_STRETCH_SALT_PREFIX = 'identity.herald-push/v1/quickStretch:';
export const PAGE_STRETCH_ITERATIONS = 100_000;
export const PAGE_AUTH_INFO = 'identity.herald-push/v1/authPW';
export const PAGE_UNWRAP_INFO = 'identity.herald-push/v1/unwrapKB';

export const devicesJs = `'use strict';
(function () {
  var TOKEN_KEY = 'herald.sessionToken';
  var SALT_PREFIX = ${JSON.stringify(PAGE_STRETCH_SALT_PREFIX)};
  var ITERATIONS = ${PAGE_STRETCH_ITERATIONS};
  var AUTH_INFO = ${JSON.stringify(PAGE_AUTH_INFO)};
  var UNWRAP_INFO = ${JSON.stringify(PAGE_UNWRAP_INFO)};
  var accountEmail = '';
  var enc = new TextEncoder();
  var byId = function (id) { return document.getElementById(id); };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, className, onClick) {
    var b = el('button', className, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  function setStatus(text, isError) {
    var s = byId('status');
    s.textContent = text || '';
    s.className = isError ? 'error' : '';
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }

  /** What the SDK derives from a password (src/sdk/account-secrets.ts): authPW, the unwrap key, the stretch. */
  async function passwordKeys(email, password) {
    var base = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
    var stretched = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: enc.encode(SALT_PREFIX + email), iterations: ITERATIONS }, base, 256);
    var ikm = await crypto.subtle.importKey('raw', stretched, 'HKDF', false, ['deriveBits']);
    var derive = function (info) {
      return crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(info) }, ikm, 256);
    };
    return { auth: hex(await derive(AUTH_INFO)), unwrap: new Uint8Array(await derive(UNWRAP_INFO)), stretched: new Uint8Array(stretched) };
  }

  async function authPassword(email, password) {
    return (await passwordKeys(email, password)).auth;
  }

  function xor(a, b) {
    return a.map(function (x, i) { return x ^ b[i]; });
  }

  function fromHex(text) {
    return new Uint8Array(text.match(/../g).map(function (h) { return parseInt(h, 16); }));
  }

  function SessionEnded() {}

  async function api(method, path, body) {
    var headers = {};
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    var data = await res.json().catch(function () { return {}; });
    if (res.status === 401 && token) {
      showSignIn('Your session has ended. Please sign in again.', true);
      throw new SessionEnded();
    }
    if (data.errno === 138 && token) {
      // The session still owes its second step (a reload in the middle of a sign-in).
      showSecondStep();
      throw new SessionEnded();
    }
    if (!res.ok) throw new Error(data.message || ('The server answered ' + res.status));
    return data;
  }

  function showSecondStep() {
    byId('sign-in').hidden = true;
    byId('devices').hidden = true;
    byId('sign-out').hidden = false;
    byId('second-step').hidden = false;
  }

  function report(err) {
    if (!(err instanceof SessionEnded)) setStatus(err.message, true);
  }

  function when(ms) {
    if (!ms) return 'never';
    return new Date(ms).toLocaleString();
  }

  function showSignIn(message, isError) {
    sessionStorage.removeItem(TOKEN_KEY);
    byId('devices').hidden = true;
    byId('two-step').hidden = true;
    byId('security-events').hidden = true;
    byId('password-box').hidden = true;
    byId('emails-box').hidden = true;
    byId('recovery-key-box').hidden = true;
    byId('verify-email').hidden = true;
    byId('make-primary').hidden = true;
    byId('recovery-key-shown').hidden = true;
    byId('second-step').hidden = true;
    byId('sign-out').hidden = true;
    byId('who').textContent = '';
    byId('sign-in').hidden = false;
    setStatus(message, isError);
  }

  async function showDevices() {
    byId('sign-in').hidden = true;
    byId('sign-out').hidden = false;
    var profile = await api('GET', '/v1/account/profile');
    accountEmail = profile.email;
    byId('who').textContent = 'Signed in as ' + profile.email;
    var devices = await api('GET', '/v1/account/devices');
    var list = byId('device-list');
    list.replaceChildren();
    devices.forEach(function (d) { list.append(deviceItem(d)); });
    byId('no-devices').hidden = devices.length > 0;
    byId('devices').hidden = false;
    // The security sections load after the devices; callers do not wait for them.
    showTwoStep().then(showEmails).then(showRecoveryKey).catch(report);
  }

  async function showTwoStep() {
    var state = await api('GET', '/v1/totp/exists');
    byId('two-step-state').textContent = state.exists ? 'On: ' + state.recoveryCodesLeft + ' recovery codes left.' : 'Off.';
    byId('two-step-on').hidden = state.exists;
    byId('two-step').hidden = false;
    await showEvents();
  }

  byId('change-password').addEventListener('submit', function (event) {
    event.preventDefault();
    var oldPassword = byId('old-password').value;
    var newPassword = byId('new-password').value;
    setStatus('Changing the password…');
    // The root key is re-wrapped under the new password, so the end-to-end keys stay (docs/accounts.md "Keys").
    Promise.all([passwordKeys(accountEmail, oldPassword), passwordKeys(accountEmail, newPassword), api('GET', '/v1/account/keys')])
      .then(function (r) {
        var kB = r[2].wrapKB === null ? r[0].stretched : xor(fromHex(r[2].wrapKB), r[0].unwrap);
        return api('POST', '/v1/password/change', { oldPassword: r[0].auth, newPassword: r[1].auth, wrapKB: hex(xor(kB, r[1].unwrap)) });
      })
      .then(function () {
        byId('old-password').value = '';
        byId('new-password').value = '';
        setStatus('Password changed. Your other devices were signed out.');
        return showDevices();
      })
      .catch(report);
  });

  async function showEvents() {
    var events = await api('GET', '/v1/account/security_events');
    var list = byId('event-list');
    list.replaceChildren();
    events.slice(0, 20).forEach(function (e) {
      list.append(el('li', 'security-event', e.kind.replace(/-/g, ' ') + ' · ' + new Date(e.at).toLocaleString() + (e.ip ? ' · ' + e.ip : '')));
    });
    byId('security-events').hidden = false;
    byId('password-box').hidden = false;
  }

  function showRecoveryCodes(codes) {
    var list = byId('recovery-codes');
    list.replaceChildren();
    codes.forEach(function (c) { list.append(el('li', 'recovery-code', c)); });
    byId('recovery-codes-box').hidden = false;
  }

  byId('two-step-on').addEventListener('click', function () {
    api('POST', '/v1/totp/create')
      .then(function (enrol) {
        byId('two-step-qr').src = enrol.qrCode;
        byId('two-step-secret').textContent = enrol.secret;
        byId('two-step-enrol').hidden = false;
        byId('two-step-on').hidden = true;
      })
      .catch(report);
  });

  byId('two-step-confirm').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', '/v1/totp/verify', { code: byId('two-step-code').value.trim() })
      .then(function (done) {
        byId('two-step-enrol').hidden = true;
        byId('two-step-code').value = '';
        showRecoveryCodes(done.recoveryCodes);
        setStatus('Two-step authentication is on.');
        return showTwoStep();
      })
      .catch(report);
  });

  byId('second-step').addEventListener('submit', function (event) {
    event.preventDefault();
    var code = byId('second-code').value.trim();
    var digits = code.replace(/[\\s-]/g, '');
    // 6 digits: the authenticator app; 8: the code mailed to confirm a sign-in; else a recovery code.
    var path = /^[0-9]{6}$/.test(digits) ? '/v1/session/verify/totp' : /^[0-9]{8}$/.test(digits) ? '/v1/session/verify_code' : '/v1/session/verify/recovery_code';
    api('POST', path, { code: code })
      .then(function () {
        byId('second-code').value = '';
        byId('second-step').hidden = true;
        setStatus('');
        return showDevices();
      })
      .catch(report);
  });

  function deviceItem(d) {
    var li = el('li', 'device');
    li.dataset.deviceId = d.id;
    var info = el('div');
    var title = el('div');
    title.append(el('span', 'device-name', d.name));
    if (d.isCurrentDevice) title.append(el('span', 'badge', 'this device'));
    if (d.pushEndpointExpired) title.append(el('span', 'badge warn', 'push expired'));
    info.append(title, el('div', 'device-meta', d.type + ' · last used ' + when(d.lastAccessTime)));
    var actions = el('div', 'actions');
    actions.append(
      button('Rename', 'secondary rename', function () { startRename(li, d); }),
      button('Disconnect', 'danger disconnect', function () { disconnect(d); })
    );
    li.append(info, actions);
    return li;
  }

  function startRename(li, d) {
    if (li.querySelector('.rename-form')) return;
    var form = el('form', 'rename-form');
    var input = el('input');
    input.name = 'name';
    input.value = d.name;
    input.maxLength = 255;
    input.setAttribute('aria-label', 'New name for ' + d.name);
    var cancel = button('Cancel', 'secondary', function () { form.remove(); });
    var save = el('button', '', 'Save');
    save.type = 'submit';
    form.append(input, save, cancel);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var name = input.value.trim();
      if (!name) return setStatus('A device needs a name.', true);
      api('POST', '/v1/account/device', { id: d.id, name: name })
        .then(function () { return showDevices(); })
        .then(function () { setStatus('Renamed to ' + name + '.'); })
        .catch(report);
    });
    li.append(form);
    input.focus();
    input.select();
  }

  function disconnect(d) {
    if (!window.confirm('Disconnect ' + d.name + '? It will have to sign in again.')) return;
    api('POST', '/v1/account/device/destroy', { id: d.id })
      .then(function () { return showDevices(); })
      .then(function () { setStatus('Disconnected ' + d.name + '.'); })
      .catch(report);
  }

  byId('sign-in').addEventListener('submit', function (event) {
    event.preventDefault();
    var email = byId('email').value.trim().toLowerCase();
    var password = byId('password').value;
    setStatus('Signing in…');
    authPassword(email, password)
      .then(function (auth) { return api('POST', '/v1/account/login', { email: email, password: auth }); })
      .then(function (session) {
        sessionStorage.setItem(TOKEN_KEY, session.sessionToken);
        byId('password').value = '';
        setStatus('');
        if (session.verified === false) {
          // Two-step authentication or a sign-in to confirm: this session can do nothing until then.
          showSecondStep();
          if (session.verificationMethod === 'email-otp') setStatus('A sign-in from a new place: enter the code we mailed to ' + email + '.');
          return undefined;
        }
        return showDevices();
      })
      .catch(report);
  });

  byId('sign-out').addEventListener('click', function () {
    api('POST', '/v1/session/destroy')
      .catch(function () {})
      .then(function () { showSignIn('You are signed out.'); });
  });

${accountSettingsJs}
  if (sessionStorage.getItem(TOKEN_KEY)) showDevices().catch(report);
  else showSignIn('');
})();
`;
