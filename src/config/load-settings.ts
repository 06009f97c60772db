/**
 * Build the one Settings object: defaults ← HERALD_* environment ← command-line flags.
 * Values are validated once here, with errors that say how to fix them, then frozen.
 */
import { z } from 'zod';
import { defaultSettings, type Settings } from './settings.js';

/** Raw values as strings or numbers, keyed like Settings; undefined means "not given". */
export type SettingsInput = Partial<Record<keyof Settings, string | number | string[] | undefined>>;

const seconds = z.coerce.number().finite().positive();
const schema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  endpointUrl: z
    .string()
    .url({ message: 'must be an absolute URL such as https://push.example.com' })
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL'),
  db: z.string().min(1),
  cryptoKeys: z.array(z.string()),
  maxDataBytes: z.coerce.number().int().positive(),
  maxTtl: z.coerce.number().int().nonnegative(),
  msgLimit: z.coerce.number().int().positive(),
  openHandshakeTimeout: seconds,
  autoPingInterval: seconds,
  autoPingTimeout: seconds,
  appPingMinInterval: z.coerce.number().finite().nonnegative(),
  clientChannelCapacity: z.coerce.number().int().positive(),
  purgeInterval: seconds,
  routerTtlDays: z.coerce.number().positive(),
  shutdownGrace: z.coerce.number().finite().nonnegative(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  routerPort: z.coerce.number().int().min(0).max(65535),
  routerHost: z.string().min(1),
  routerHostname: z.string(),
  routerKey: z.string(),
  megaphoneApiUrl: z.string().refine((u) => u === '' || (URL.canParse(u) && /^https?:$/.test(new URL(u).protocol)), 'must be empty or an http(s) URL'),
  megaphonePollInterval: seconds,
});

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

export function loadSettings(flags: SettingsInput, env: NodeJS.ProcessEnv = process.env): Readonly<Settings> {
  const merged: Record<string, unknown> = { ...defaultSettings };
  for (const key of Object.keys(schema.shape) as (keyof Settings)[]) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
    const fromFlag = flags[key];
    if (fromFlag !== undefined) merged[key] = fromFlag;
  }
  merged.cryptoKeys = merged.cryptoKeys === undefined ? [] : parseKeyList(merged.cryptoKeys as string | string[]);
  if (merged.endpointUrl === undefined) {
    const port = Number(merged.port);
    merged.endpointUrl = `http://${publicHost(String(merged.host))}${port === 80 ? '' : ':' + port}`;
  }
  const result = schema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = String(i.path[0]) as keyof Settings;
      return `  --${kebab(key)} (or ${envName(key)}): ${i.message}`;
    });
    throw new SettingsError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const settings = result.data;
  settings.endpointUrl = settings.endpointUrl.replace(/\/+$/, '');
  return Object.freeze(settings);
}

/** The host a local user would type: a wildcard bind address is not one. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
