/**
 * The device management page (`GET /devices`): sign in, see the account's devices, rename,
 * disconnect. Plain HTML; the behaviour is in devices-js.ts, the look in devices-css.ts. Served
 * from TypeScript strings so the built package carries them without an asset step.
 */
export const devicesHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your devices · Herald</title>
<link rel="icon" href="/devices/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/devices/app.css">
<script src="/devices/app.js" defer></script>
</head>
<body>
<header><h1>Herald</h1><span id="who"></span><button id="sign-out" type="button" hidden>Sign out</button></header>
<main>
  <p id="status" role="status" aria-live="polite"></p>
  <form id="sign-in" hidden>
    <h2>Sign in</h2>
    <label>Email <input id="email" name="email" type="email" autocomplete="username" required></label>
    <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required minlength="8"></label>
    <button type="submit">Sign in</button>
  </form>
  <form id="second-step" hidden>
    <h2>Two-step authentication</h2>
    <label>Code from your authenticator app, a recovery code, or the code mailed to you <input id="second-code" name="code" autocomplete="one-time-code" required></label>
    <button type="submit">Verify</button>
  </form>
  <section id="devices" hidden>
    <h2>Your devices</h2>
    <ul id="device-list"></ul>
    <p id="no-devices" hidden>No device is connected to this account yet.</p>
  </section>
  <section id="two-step" hidden>
    <h2>Two-step authentication</h2>
    <p id="two-step-state"></p>
    <button id="two-step-on" type="button" hidden>Turn on</button>
    <div id="two-step-enrol" hidden>
      <p>Scan this code with your authenticator app, or type the secret in.</p>
      <img id="two-step-qr" alt="QR code of the two-step secret" width="200" height="200">
      <p>Secret: <code id="two-step-secret"></code></p>
      <form id="two-step-confirm">
        <label>First code from the app <input id="two-step-code" inputmode="numeric" autocomplete="one-time-code" required></label>
        <button type="submit">Confirm</button>
      </form>
    </div>
    <div id="recovery-codes-box" hidden>
      <p>Your recovery codes. Each works once; keep them somewhere safe. They are not shown again.</p>
      <ol id="recovery-codes"></ol>
    </div>
  </section>
  <section id="emails-box" hidden>
    <h2>Email addresses</h2>
    <ul id="email-list"></ul>
    <form id="add-email">
      <label>Add an address <input id="new-email" type="email" autocomplete="email" required></label>
      <button type="submit">Add</button>
    </form>
    <form id="verify-email" hidden>
      <label>Code mailed to <span id="verify-email-address"></span> <input id="verify-email-code" inputmode="numeric" autocomplete="one-time-code" required></label>
      <button type="submit">Verify</button>
    </form>
    <form id="make-primary" hidden>
      <p>Make <span id="make-primary-address"></span> your primary address: you will sign in with it. Your password re-keys your account with the new address.</p>
      <label>Password <input id="make-primary-password" type="password" autocomplete="current-password" required minlength="8"></label>
      <button type="submit">Make primary</button>
      <button id="make-primary-cancel" type="button" class="secondary">Cancel</button>
    </form>
  </section>
  <section id="recovery-key-box" hidden>
    <h2>Account recovery key</h2>
    <p id="recovery-key-state"></p>
    <form id="create-recovery-key">
      <label>Password <input id="recovery-key-password" type="password" autocomplete="current-password" required minlength="8"></label>
      <button type="submit">Create a recovery key</button>
    </form>
    <p id="recovery-key-shown" hidden>Your recovery key, shown once: <code id="recovery-key-value"></code></p>
    <button id="remove-recovery-key" type="button" class="danger" hidden>Remove the recovery key</button>
  </section>
  <section id="password-box" hidden>
    <h2>Password</h2>
    <form id="change-password">
      <label>Current password <input id="old-password" type="password" autocomplete="current-password" required minlength="8"></label>
      <label>New password <input id="new-password" type="password" autocomplete="new-password" required minlength="8"></label>
      <button type="submit">Change password</button>
    </form>
  </section>
  <section id="security-events" hidden>
    <h2>Recent security events</h2>
    <ul id="event-list"></ul>
  </section>
</main>
</body>
</html>
`;

/** The page's icon (so browsers do not ask for /favicon.ico, which the push API answers 404). */
export const devicesIcon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#592acb"/><path d="M9 8h4v6h6V8h4v16h-4v-6h-6v6H9z" fill="#fff"/></svg>
`;
