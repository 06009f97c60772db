/**
 * Build the one Settings object. Sources, later ones winning:
 *   defaults ← config file ← AUTOCONNECT__* / AUTOEND__* (by role) ← HERALD_* ← command-line flags.
 * Values are validated once here, with errors that name where the bad value came from, then
 * frozen. What was ignored or overridden comes back as notes for the caller's logger, which
 * does not exist yet while settings load.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { readAutopushEnv, type SettingsRole } from './autopush-env.js';
import { readConfigFile } from './config-file.js';
import { RATE_LIMIT_FORMAT } from './rate-limit-format.js';
import { MAX_ACK_WINDOW_MS, defaultSettings, type Settings, type SettingsInput } from './settings.js';

export type { SettingsInput } from './settings.js';
export type { SettingsRole } from './autopush-env.js';

/** What a command passes: its parsed flags (keyed like Settings) plus `--config`. */
export type SettingsFlags = SettingsInput & { config?: string | undefined };

const seconds = z.coerce.number().finite().positive();
/** `<per second>:<burst>` or `0` (src/abuse/rate-limit.ts parses it). */
const rateLimit = z.coerce.string().refine((t) => RATE_LIMIT_FORMAT.test(t.trim()), 'must be <per second>:<burst> such as 10:200, or 0 for no limit');
const httpUrl = (u: string) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol);
const schema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  endpointUrl: z.string().refine(httpUrl, 'must be an absolute http:// or https:// URL such as https://push.example.com'),
  db: z.string().min(1),
  dbSettings: z.string().refine(isJsonObjectOrEmpty, 'must be empty or a JSON object, e.g. {"pool_size": 10}'),
  cryptoKeys: z.array(z.string()),
  authKeys: z.array(z.string()),
  trackingKeys: z.array(z.string()),
  maxDataBytes: z.coerce.number().int().positive(),
  maxTtl: z.coerce.number().int().nonnegative(),
  msgLimit: z.coerce.number().int().nonnegative(),
  ackWindowMs: z.coerce.number().int().min(0).max(MAX_ACK_WINDOW_MS),
  openHandshakeTimeout: seconds,
  autoPingInterval: seconds,
  autoPingTimeout: seconds,
  appPingMinInterval: z.coerce.number().finite().nonnegative(),
  clientChannelCapacity: z.coerce.number().int().positive(),
  // Below 64 KiB a socket's write buffer may never raise 'drain' (its high-water mark is 16 KiB).
  maxUnsentBytes: z.coerce.number().int().min(64 * 1024, 'must be at least 65536 (64 KiB)'),
  sendStallTimeout: seconds,
  purgeInterval: seconds,
  routerTtlDays: z.coerce.number().positive(),
  shutdownGrace: z.coerce.number().finite().nonnegative(),
  shutdownDrain: z.coerce.number().finite().nonnegative(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  routerPort: z.coerce.number().int().min(0).max(65535),
  routerHost: z.string().min(1),
  routerHostname: z.string(),
  routerKey: z.string(),
  megaphoneApiUrl: z.string().refine((u) => u === '' || httpUrl(u), 'must be empty or an http(s) URL'),
  megaphonePollInterval: seconds,
  workers: z.coerce.number().int().min(1).max(256),
  maxConnections: z.coerce.number().int().nonnegative(),
  maxHttpConnectionsPerIp: z.coerce.number().int().nonnegative(),
  httpRequestTimeout: seconds,
  httpIdleTimeout: seconds,
  allowedPushOrigins: z.array(z.string().regex(/^https?:\/\/(\*\.)?[^/*\s]+$/, 'each must be an http(s) origin such as https://push.example.com or https://*.example.com')),
  deviceMessageMaxTtl: z.coerce.number().int().positive(),
  deviceMessageMaxBytes: z.coerce.number().int().positive(),
  deviceMailboxMaxMessages: z.coerce.number().int().nonnegative(),
  deviceMailboxMaxBytes: z.coerce.number().int().nonnegative(),
  accountMailboxMaxMessages: z.coerce.number().int().nonnegative(),
  accountMailboxMaxBytes: z.coerce.number().int().nonnegative(),
  maxDevicesPerAccount: z.coerce.number().int().nonnegative(),
  maxSessionsPerAccount: z.coerce.number().int().nonnegative(),
  accountMaxJsonDepth: z.coerce.number().int().min(4).max(1000),
  accountCorsOrigins: z.array(z.string().refine((o) => URL.canParse(o) && /^https?:$/.test(new URL(o).protocol) && new URL(o).origin === o, 'each must be a web origin such as https://app.example.com (no path, no trailing slash)')),
  limitAccountLoginPerIp: rateLimit,
  limitAccountCreatePerIp: rateLimit,
  limitAccountRequestsPerIp: rateLimit,
  limitAccountWritesPerAccount: rateLimit,
  loginFailuresBeforeDelay: z.coerce.number().int().nonnegative(),
  loginDelayMax: seconds,
  accountEmailVerification: z.preprocess((v) => (typeof v === 'string' ? ({ true: true, on: true, '1': true, yes: true, false: false, off: false, '0': false, no: false } as Record<string, boolean>)[v.toLowerCase()] ?? v : v), z.boolean({ error: 'must be true or false' })),
  accountCodeLifetime: z.coerce.number().int().min(60, 'must be at least 60 seconds').max(86_400, 'must be at most 86400 seconds (a day)'),
  accountCodeMaxAttempts: z.coerce.number().int().min(1).max(20, 'must be from 1 to 20'),
  accountMaxSecondaryEmails: z.coerce.number().int().min(0).max(20, 'must be from 0 to 20'),
  accountSignInConfirmation: z.coerce
    .number()
    .int()
    .refine((v) => v === 0 || (v >= 3600 && v <= 31_536_000), 'must be 0 (off) or from 3600 (an hour) to 31536000 (a year)'),
  smtpHost: z.string(),
  smtpPort: z.coerce.number().int().min(1).max(65535),
  smtpTls: z.enum(['starttls', 'tls', 'none']),
  smtpUser: z.string(),
  smtpPassword: z.string(),
  mailFrom: z.string(),
  limitPushPerSubscription: rateLimit,
  limitPushPerVapidKey: rateLimit,
  limitPushPerIp: rateLimit,
  limitConnectPerIp: rateLimit,
  limitRegisterPerUaid: rateLimit,
  limitTrackedKeys: z.coerce.number().int().positive(),
  penaltyThreshold: z.coerce.number().int().nonnegative(),
  penaltyWindow: seconds,
  penaltyBlockSeconds: seconds,
  blocklistRefreshInterval: seconds,
  trustedProxies: z.array(z.string().refine((a) => isIP(a) !== 0, 'each must be an IP address such as 10.0.0.2')),
  maxChannelsPerUaid: z.coerce.number().int().nonnegative(),
  maxStoredMessages: z.coerce.number().int().nonnegative(),
  storedMessagesPolicy: z.enum(['drop-oldest', 'reset']),
  receiptSubscriptionTtl: z.coerce.number().int().positive(),
  maxReceiptSubscriptionsPerSender: z.coerce.number().int().positive(),
  maxQueuedReceipts: z.coerce.number().int().positive(),
  receiptPollInterval: z.coerce.number().finite().positive(),
  bridgeStub: z.enum(['off', 'on']),
  // The JSON is checked here; what is inside (keys, credentials) when the bridges start (src/bridges/bridge-config.ts).
  fcmCredentials: z.string().refine(isJsonObjectOrEmpty, 'must be empty or a JSON object {"<app_id>": {"project_id": …, "credential": …}}'),
  fcmBaseUrl: z.string().refine(httpUrl, 'must be an http(s) URL such as https://fcm.googleapis.com'),
  fcmMinTtl: z.coerce.number().int().nonnegative(),
  fcmMaxTtl: z.coerce.number().int().positive(),
  fcmMaxData: z.coerce.number().int().positive(),
  fcmTimeout: seconds,
  apnsChannels: z.string().refine(isJsonObjectOrEmpty, 'must be empty or a JSON object {"<app_id>": {"cert": …, "key": …}}'),
  apnsMaxData: z.coerce.number().int().positive(),
  apnsRequestTimeoutSecs: seconds,
  apnsBaseUrl: z.string().refine((u) => u === '' || (URL.canParse(u) && new URL(u).protocol === 'https:'), 'must be empty or an https:// URL such as https://apns-proxy.internal:8443'),
  bridgeRetryBudget: z.coerce.number().finite().nonnegative(),
  adminPort: z.coerce.number().int().min(0).max(65535),
  adminHost: z.string().min(1),
  adminToken: z.string().refine((t) => t === '' || t.length >= 16, 'must be at least 16 characters (e.g. openssl rand -hex 24), or empty to turn the admin API off'),
});

const KEY_LISTS = ['cryptoKeys', 'authKeys', 'trackingKeys', 'allowedPushOrigins', 'trustedProxies', 'accountCorsOrigins'] as const;

/** HERALD_MAX_DATA_BYTES → maxDataBytes, for every settings key. */
export function envName(key: keyof Settings): string {
  return 'HERALD_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** Key lists are written `k1,k2` or autopush-style `[k1, "k2"]`. */
export function parseKeyList(value: string | string[]): string[] {
  if (Array.isArray(value)) return value.flatMap(parseKeyList);
  return value
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(',')
    .map((k) => k.replace(/["'\s]/g, ''))
    .filter((k) => k.length > 0);
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Something the operator may want to know about the configuration; log it at `level`. */
export interface SettingsNote {
  level: 'debug' | 'warn';
  msg: string;
  items: string[];
}

export interface LoadedSettings {
  settings: Readonly<Settings>;
  notes: SettingsNote[];
}

/**
 * Load settings for `role` (`serve` reads both AUTOCONNECT__ and AUTOEND__ variables, `connect`
 * only AUTOCONNECT__, `endpoint` only AUTOEND__). The config file is `flags.config`, else
 * `HERALD_CONFIG`, else none.
 * @throws SettingsError for an unreadable or invalid config file or any invalid value.
 */
export function loadSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv = process.env, role: SettingsRole = 'serve'): Readonly<Settings> {
  return loadSettingsWithNotes(flags, env, role).settings;
}

/** `loadSettings`, plus notes (ignored autopush names, conflicting ones) for the caller to log. */
export function loadSettingsWithNotes(flags: SettingsFlags, env: NodeJS.ProcessEnv = process.env, role: SettingsRole = 'serve'): LoadedSettings {
  const merged: Record<string, unknown> = { ...defaultSettings };
  const origins = new Map<keyof Settings, string>();
  const notes: SettingsNote[] = [];
  let endpointScheme: string | undefined;
  const apply = (values: SettingsInput, from: (key: keyof Settings) => string) => {
    for (const [key, value] of Object.entries(values) as [keyof Settings, SettingsInput[keyof Settings]][]) {
      if (value === undefined) continue;
      merged[key] = value;
      origins.set(key, from(key));
      if (key === 'endpointUrl') endpointScheme = undefined;
    }
  };

  const configPath = flags.config ?? (env.HERALD_CONFIG || undefined);
  if (configPath !== undefined) {
    let file;
    try {
      file = readConfigFile(configPath);
    } catch (err) {
      throw new SettingsError((err as Error).message);
    }
    apply(file.values, (k) => file.origins[k] ?? `config file ${configPath}`);
    if (file.endpointScheme !== undefined) endpointScheme = file.endpointScheme;
    if (file.ignored.length > 0) notes.push({ level: 'debug', msg: 'config file keys ignored (autopush settings Herald does not use)', items: file.ignored });
  }

  const autopush = readAutopushEnv(env, role);
  apply(autopush.values, (k) => autopush.origins[k] ?? 'autopush variables');
  if (autopush.endpointScheme !== undefined) endpointScheme = autopush.endpointScheme;
  if (autopush.ignored.length > 0) notes.push({ level: 'debug', msg: 'autopush variables ignored', items: autopush.ignored });
  if (autopush.conflicts.length > 0) notes.push({ level: 'warn', msg: 'AUTOCONNECT__ and AUTOEND__ variables disagree; herald serve uses the AUTOCONNECT__ value', items: autopush.conflicts });

  const fromEnv: SettingsInput = {};
  const fromFlags: SettingsInput = {};
  for (const key of Object.keys(schema.shape) as (keyof Settings)[]) {
    const e = env[envName(key)];
    if (e !== undefined && e !== '') fromEnv[key] = e;
    fromFlags[key] = flags[key];
  }
  apply(fromEnv, envName);
  apply(fromFlags, (k) => '--' + kebab(k));

  for (const key of KEY_LISTS) merged[key] = parseKeyList((merged[key] ?? []) as string | string[]);
  if (merged.endpointUrl === undefined) {
    // Herald's default, or autopush's scheme://host:port when AUTOEND__SCHEME (or `scheme`) was given.
    const port = Number(merged.port);
    const scheme = endpointScheme ?? 'http';
    const dflt = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
    merged.endpointUrl = `${scheme}://${publicHost(String(merged.host))}${dflt ? '' : ':' + port}`;
  }

  const result = schema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = String(i.path[0]) as keyof Settings;
      const origin = origins.get(key);
      const from = origin === undefined || origin === '--' + kebab(key) || origin === envName(key) ? '' : ` (value from ${origin})`;
      return `  --${kebab(key)} (or ${envName(key)}): ${i.message}${from}`;
    });
    throw new SettingsError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const settings = result.data;
  if (settings.accountEmailVerification && (settings.smtpHost === '' || settings.mailFrom === '')) {
    throw new SettingsError(
      'Invalid settings:\n  --account-email-verification needs mail: set --smtp-host and --mail-from (HERALD_SMTP_HOST, HERALD_MAIL_FROM), see docs/accounts.md, or turn it off',
    );
  }
  if (settings.accountSignInConfirmation > 0 && (settings.smtpHost === '' || settings.mailFrom === '')) {
    throw new SettingsError(
      'Invalid settings:\n  --account-sign-in-confirmation needs mail: set --smtp-host and --mail-from (HERALD_SMTP_HOST, HERALD_MAIL_FROM), see docs/accounts.md, or set it to 0',
    );
  }
  settings.endpointUrl = settings.endpointUrl.replace(/\/+$/, '');
  return { settings: Object.freeze(settings), notes };
}

/** The host a local user would type: a wildcard bind address is not one. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function isJsonObjectOrEmpty(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
