/**
 * The config file (`--config PATH` or HERALD_CONFIG): JSON, or TOML as autopush's sample files
 * are written. Keys are Herald's setting names, in camelCase or snake_case (`maxDataBytes`,
 * `max_data_bytes`), or autopush's lower-case names with their autopush meaning (`hostname`,
 * `endpoint_scheme`, `crypto_key`, see `autopush-env.ts`). Where both spell the same setting,
 * Herald's name wins.
 *
 * It is our own format, so an unknown key is an error naming the valid ones: a typo must not
 * pass silently. autopush names Herald does not use (statsd, Sentry, bridges…) are accepted and
 * reported as ignored, so an autopush file loads unchanged.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import {
  autopushNames,
  ignoredAutopushNames,
  translateFamily,
  type AutopushFamily,
  type AutopushValues,
} from './autopush-env.js';
import { defaultSettings, type Settings, type SettingsInput } from './settings.js';

/** Every Settings key; `defaultSettings` lacks only the two with derived defaults. */
export const settingKeys: readonly (keyof Settings)[] = [...Object.keys(defaultSettings), 'endpointUrl', 'cryptoKeys'] as (keyof Settings)[];

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export interface ConfigFileValues extends AutopushValues {
  /** autopush keys present in the file that Herald does not use. */
  ignored: string[];
}

/** Read and translate the file at `path`. @throws ConfigFileError (unreadable, bad syntax, unknown key). */
export function readConfigFile(path: string): ConfigFileValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseConfigText(text, path);
}

/** Parse `text` (JSON for `.json` or text starting with `{`, else TOML) and translate its keys. */
export function parseConfigText(text: string, path: string): ConfigFileValues {
  const json = extname(path).toLowerCase() === '.json' || (extname(path).toLowerCase() !== '.toml' && text.trimStart().startsWith('{'));
  let doc: unknown;
  try {
    doc = json ? JSON.parse(text) : parseToml(text);
  } catch (err) {
    throw new ConfigFileError(`config file ${path} is not valid ${json ? 'JSON' : 'TOML'}: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigFileError(`config file ${path} must hold an object of settings`);
  }
  return translateDocument(doc as Record<string, unknown>, path);
}

function translateDocument(doc: Record<string, unknown>, path: string): ConfigFileValues {
  const herald: SettingsInput = {};
  const heraldOrigins: Partial<Record<keyof Settings, string>> = {};
  const raw: Record<AutopushFamily, Map<string, string>> = { AUTOCONNECT: new Map(), AUTOEND: new Map() };
  const ignored: string[] = [];
  const where = (key: string) => `config file ${path}, key ${key}`;

  for (const [key, value] of Object.entries(doc)) {
    if (value === undefined || value === null) continue;
    const upper = key.toUpperCase();
    const camel = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) as keyof Settings;
    const families = (['AUTOEND', 'AUTOCONNECT'] as const).filter((f) => autopushNames.some((n) => n.family === f && n.name === upper));
    // autopush's `[fcm]` and `[apns]` tables (its AUTOEND__FCM__*, AUTOEND__APNS__* variables).
    if ((key === 'fcm' || key === 'apns') && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
        const name = `${upper}__${sub.toUpperCase()}`;
        if (v === undefined || v === null) continue;
        if (autopushNames.some((n) => n.family === 'AUTOEND' && n.name === name)) raw.AUTOEND.set(name, autopushValue(v, where(`${key}.${sub}`)));
        else ignored.push(`${key}.${sub}`);
      }
      continue;
    }
    if (settingKeys.includes(key as keyof Settings) || (key === key.toLowerCase() && settingKeys.includes(camel) && families.length === 0)) {
      const k = settingKeys.includes(key as keyof Settings) ? (key as keyof Settings) : camel;
      herald[k] = heraldValue(value, k, where(key));
      heraldOrigins[k] = where(key);
    } else if (key === key.toLowerCase() && families.length > 0) {
      for (const f of families) raw[f].set(upper, autopushValue(value, where(key)));
    } else if (key === key.toLowerCase() && Object.values(ignoredAutopushNames).some((names) => names.includes(upper))) {
      ignored.push(key);
    } else {
      throw new ConfigFileError(unknownKeyMessage(key, path));
    }
  }

  const out: ConfigFileValues = { values: {}, origins: {}, ignored };
  for (const family of ['AUTOEND', 'AUTOCONNECT'] as const) {
    const t = translateFamily(family, raw[family], (name) => where(name.toLowerCase()));
    Object.assign(out.values, t.values);
    Object.assign(out.origins, t.origins);
    if (t.endpointScheme !== undefined) out.endpointScheme = t.endpointScheme;
  }
  Object.assign(out.values, herald);
  Object.assign(out.origins, heraldOrigins);
  if (out.values.endpointUrl !== undefined) delete out.endpointScheme;
  return out;
}

/** Settings whose value is a JSON object: a file may give the object itself. */
const JSON_OBJECT_KEYS: ReadonlySet<keyof Settings> = new Set(['dbSettings', 'fcmCredentials', 'apnsChannels']);

/** Herald keys keep arrays (key lists); a JSON object is accepted for the JSON-object settings. */
function heraldValue(value: unknown, key: keyof Settings, where: string): string | number | string[] {
  if (JSON_OBJECT_KEYS.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) return JSON.stringify(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new ConfigFileError(`${where}: expected a string or a number, got ${describe(value)}`);
}

/** autopush names take strings (`"[k1,k2]"`); a TOML/JSON array or a db_settings table is accepted too. */
function autopushValue(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return `[${value.join(',')}]`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return JSON.stringify(value);
  throw new ConfigFileError(`${where}: expected a string or a number, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a table' : typeof value;
}

function unknownKeyMessage(key: string, path: string): string {
  const herald = [...settingKeys];
  const autopush = [...new Set(autopushNames.map((n) => n.name.toLowerCase()))].filter((k) => !herald.includes(toCamel(k)));
  const guess = closest(key, [...herald, ...herald.map(toSnake), ...autopush]);
  return (
    `config file ${path}: unknown key "${key}"${guess === null ? '' : ` (did you mean "${guess}"?)`}.\n` +
    `  Valid keys: ${herald.join(', ')} (or their snake_case forms);\n` +
    `  autopush names: ${autopush.join(', ')}.\n` +
    `  See docs/configuration.md.`
  );
}

const toCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) as keyof Settings;
const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/** The candidate within edit distance 2 of `word` (case-insensitive), if any. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
