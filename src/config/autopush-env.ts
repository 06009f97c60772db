/**
 * autopush's own configuration names (docs/protocol.md#configuration-compatibility): the
 * `AUTOCONNECT__*` variables of autoconnect (`autoconnect-settings/src/lib.rs`) and the
 * `AUTOEND__*` variables of autoendpoint (`autoendpoint/src/settings.rs`), turned into Herald
 * settings with autopush's meanings. The same names, lower-cased, are accepted as config-file
 * keys, as autopush's TOML files use them.
 *
 * Meanings that are not a plain copy, as upstream has them:
 * - `AUTOCONNECT__HOSTNAME` is not a bind address (autoconnect always binds 0.0.0.0): it is the
 *   host other nodes reach this node's router port on, used when `ROUTER_HOSTNAME` is unset.
 * - `AUTOCONNECT__ENDPOINT_SCHEME/HOSTNAME/PORT` build the endpoint base URL
 *   `scheme://hostname[:port]` (defaults http, localhost, 8082; the port is dropped for http:80
 *   and https:443).
 * - `AUTOEND__HOST` and `AUTOEND__PORT` are the endpoint's bind address and port, and with
 *   `AUTOEND__SCHEME` its URL, unless `AUTOEND__ENDPOINT_URL` is given.
 * - Key lists (`CRYPTO_KEY(S)`, `AUTH_KEYS`, `TRACKING_KEYS`) are `[k1,k2]` strings; durations
 *   are seconds, fractional for `AUTO_PING_*`.
 */
import type { Settings, SettingsInput } from './settings.js';

export type SettingsRole = 'serve' | 'connect' | 'endpoint';
export type AutopushFamily = 'AUTOCONNECT' | 'AUTOEND';

/** One autopush name Herald reads, for translation and for docs/configuration.md. */
export interface AutopushName {
  family: AutopushFamily;
  /** Upper-case name after the prefix, e.g. `ENDPOINT_HOSTNAME`. */
  name: string;
  /** The setting it feeds. */
  key: keyof Settings;
  /** How its meaning differs from a plain copy; shown in the docs. */
  note?: string;
}

export const autopushNames: readonly AutopushName[] = [
  { family: 'AUTOCONNECT', name: 'PORT', key: 'port' },
  { family: 'AUTOCONNECT', name: 'HOSTNAME', key: 'routerHostname', note: 'used when ROUTER_HOSTNAME is unset' },
  { family: 'AUTOCONNECT', name: 'ROUTER_HOSTNAME', key: 'routerHostname' },
  { family: 'AUTOCONNECT', name: 'ROUTER_PORT', key: 'routerPort' },
  { family: 'AUTOCONNECT', name: 'ENDPOINT_SCHEME', key: 'endpointUrl', note: 'part of scheme://hostname[:port]' },
  { family: 'AUTOCONNECT', name: 'ENDPOINT_HOSTNAME', key: 'endpointUrl', note: 'part of scheme://hostname[:port]' },
  { family: 'AUTOCONNECT', name: 'ENDPOINT_PORT', key: 'endpointUrl', note: 'part of scheme://hostname[:port]' },
  { family: 'AUTOCONNECT', name: 'CRYPTO_KEY', key: 'cryptoKeys' },
  { family: 'AUTOCONNECT', name: 'DB_DSN', key: 'db' },
  { family: 'AUTOCONNECT', name: 'DB_SETTINGS', key: 'dbSettings' },
  { family: 'AUTOCONNECT', name: 'AUTO_PING_INTERVAL', key: 'autoPingInterval' },
  { family: 'AUTOCONNECT', name: 'AUTO_PING_TIMEOUT', key: 'autoPingTimeout' },
  { family: 'AUTOCONNECT', name: 'OPEN_HANDSHAKE_TIMEOUT', key: 'openHandshakeTimeout' },
  { family: 'AUTOCONNECT', name: 'MSG_LIMIT', key: 'msgLimit' },
  { family: 'AUTOCONNECT', name: 'CLIENT_CHANNEL_CAPACITY', key: 'clientChannelCapacity' },
  { family: 'AUTOCONNECT', name: 'MEGAPHONE_API_URL', key: 'megaphoneApiUrl' },
  { family: 'AUTOCONNECT', name: 'MEGAPHONE_POLL_INTERVAL', key: 'megaphonePollInterval' },
  { family: 'AUTOEND', name: 'HOST', key: 'host', note: 'also the host of the endpoint URL when ENDPOINT_URL is unset' },
  { family: 'AUTOEND', name: 'PORT', key: 'port' },
  { family: 'AUTOEND', name: 'SCHEME', key: 'endpointUrl', note: 'scheme://host:port when ENDPOINT_URL is unset' },
  { family: 'AUTOEND', name: 'ENDPOINT_URL', key: 'endpointUrl' },
  { family: 'AUTOEND', name: 'CRYPTO_KEYS', key: 'cryptoKeys' },
  { family: 'AUTOEND', name: 'AUTH_KEYS', key: 'authKeys' },
  { family: 'AUTOEND', name: 'TRACKING_KEYS', key: 'trackingKeys' },
  { family: 'AUTOEND', name: 'DB_DSN', key: 'db' },
  { family: 'AUTOEND', name: 'DB_SETTINGS', key: 'dbSettings' },
  { family: 'AUTOEND', name: 'MAX_DATA_BYTES', key: 'maxDataBytes' },
  { family: 'AUTOEND', name: 'MAX_NOTIFICATION_TTL', key: 'maxTtl' },
  { family: 'AUTOEND', name: 'FCM__CREDENTIALS', key: 'fcmCredentials' },
  { family: 'AUTOEND', name: 'FCM__BASE_URL', key: 'fcmBaseUrl' },
  { family: 'AUTOEND', name: 'FCM__MIN_TTL', key: 'fcmMinTtl' },
  { family: 'AUTOEND', name: 'FCM__MAX_TTL', key: 'fcmMaxTtl' },
  { family: 'AUTOEND', name: 'FCM__MAX_DATA', key: 'fcmMaxData' },
  { family: 'AUTOEND', name: 'FCM__TIMEOUT', key: 'fcmTimeout' },
  { family: 'AUTOEND', name: 'APNS__CHANNELS', key: 'apnsChannels' },
  { family: 'AUTOEND', name: 'APNS__MAX_DATA', key: 'apnsMaxData' },
  { family: 'AUTOEND', name: 'APNS__REQUEST_TIMEOUT_SECS', key: 'apnsRequestTimeoutSecs' },
];

/**
 * Names autopush knows that Herald accepts and ignores (metrics, Sentry, logging format, pools,
 * bridges, legacy tables): an autopush configuration must start, not fail on them.
 */
export const ignoredAutopushNames: Readonly<Record<AutopushFamily, readonly string[]>> = {
  AUTOCONNECT: [
    'RESOLVE_HOSTNAME', 'STATSD_HOST', 'STATSD_PORT', 'STATSD_LABEL', 'DISABLE_SENTRY', 'MEGAPHONE_API_TOKEN',
    'HUMAN_LOGS', 'LOG_CHAN_SIZE', 'ACTIX_MAX_CONNECTIONS', 'ACTIX_WORKERS', 'POOL_MAX_IDLE_PER_HOST',
    'POOL_IDLE_TIMEOUT_SECS', 'RELIABILITY_DSN', 'RELIABILITY_RETRY_COUNT',
    // Older names still in autoconnect.toml.sample; autopush ignores them too.
    'ROUTER_SSL_KEY', 'ROUTER_SSL_CERT', 'ROUTER_SSL_DH_PARAM', 'ROUTER_TABLENAME', 'MESSAGE_TABLENAME', 'MAX_CONNECTIONS',
  ],
  AUTOEND: [
    'ROUTER_TABLE_NAME', 'MESSAGE_TABLE_NAME', 'HUMAN_LOGS', 'LOG_CHAN_SIZE', 'CONNECTION_TIMEOUT_MILLIS',
    'REQUEST_TIMEOUT_MILLIS', 'POOL_MAX_IDLE_PER_HOST', 'POOL_IDLE_TIMEOUT_SECS', 'STATSD_HOST', 'STATSD_PORT',
    'STATSD_LABEL', 'DISABLE_SENTRY', 'FCM', 'APNS', 'STUB', 'RELIABILITY_DSN', 'RELIABILITY_RETRY_COUNT',
    'KUBERNETES_MEMORY_PATH',
  ],
};

/** autoconnect's defaults for the parts of its endpoint URL. */
const CONNECT_ENDPOINT_DEFAULTS = { scheme: 'http', hostname: 'localhost', port: '8082' };

/** Which families a role reads: `serve` runs both services, so it honours both. */
export function familiesFor(role: SettingsRole): AutopushFamily[] {
  if (role === 'connect') return ['AUTOCONNECT'];
  if (role === 'endpoint') return ['AUTOEND'];
  // AUTOEND first, so AUTOCONNECT wins where both set one setting (one public port, one URL).
  return ['AUTOEND', 'AUTOCONNECT'];
}

/** What one family's names contribute; `origins` names the variable each value came from. */
export interface AutopushValues {
  values: SettingsInput;
  origins: Partial<Record<keyof Settings, string>>;
  /** `AUTOEND__SCHEME` without `ENDPOINT_URL`: the endpoint URL is scheme://host:port, derived last. */
  endpointScheme?: string;
}

/**
 * Translate one family's names (upper-case, without prefix, values as given) into settings.
 * `label` turns a name into how the user wrote it, for error messages.
 */
export function translateFamily(family: AutopushFamily, raw: ReadonlyMap<string, string>, label: (name: string) => string): AutopushValues {
  const out: AutopushValues = { values: {}, origins: {} };
  const set = (key: keyof Settings, value: string, name: string) => {
    out.values[key] = value;
    out.origins[key] = label(name);
  };
  for (const n of autopushNames) {
    if (n.family !== family || n.key === 'endpointUrl' || n.key === 'routerHostname') continue;
    const v = raw.get(n.name);
    if (v !== undefined) set(n.key, v, n.name);
  }
  if (family === 'AUTOCONNECT') {
    const host = raw.get('ROUTER_HOSTNAME') ?? raw.get('HOSTNAME');
    if (host !== undefined) set('routerHostname', host, raw.has('ROUTER_HOSTNAME') ? 'ROUTER_HOSTNAME' : 'HOSTNAME');
    const parts = ['ENDPOINT_SCHEME', 'ENDPOINT_HOSTNAME', 'ENDPOINT_PORT'].filter((p) => raw.has(p));
    if (parts.length > 0) {
      const url = joinUrl(
        raw.get('ENDPOINT_SCHEME') ?? CONNECT_ENDPOINT_DEFAULTS.scheme,
        raw.get('ENDPOINT_HOSTNAME') ?? CONNECT_ENDPOINT_DEFAULTS.hostname,
        raw.get('ENDPOINT_PORT') ?? CONNECT_ENDPOINT_DEFAULTS.port,
      );
      set('endpointUrl', url, parts.join(', '));
    }
  } else {
    const url = raw.get('ENDPOINT_URL');
    if (url !== undefined) set('endpointUrl', url, 'ENDPOINT_URL');
    else {
      const scheme = raw.get('SCHEME');
      if (scheme !== undefined) {
        out.endpointScheme = scheme;
        out.origins.endpointUrl = label('SCHEME');
      }
    }
  }
  return out;
}

/**
 * `scheme://host[:port]`, without the port when it is the scheme's default (autoconnect's
 * `include_port`); IPv6 literals get brackets.
 */
export function joinUrl(scheme: string, host: string, port: string | number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const p = String(port);
  const dflt = (scheme === 'http' && p === '80') || (scheme === 'https' && p === '443');
  return `${scheme}://${h}${dflt ? '' : ':' + p}`;
}

/** The result of reading the environment for one role. */
export interface AutopushEnv extends AutopushValues {
  /** Variables with an autopush prefix that this role does not read, with why. */
  ignored: string[];
  /** The same setting given differently by both families (serve only); the AUTOCONNECT one won. */
  conflicts: string[];
}

/**
 * Read `AUTOCONNECT__*` and/or `AUTOEND__*` from `env` for `role`. Prefixes and names match
 * case-insensitively (as autopush's config loader does); empty values count as unset, as for
 * HERALD_*. Unknown names are not errors: they are listed in `ignored`.
 */
export function readAutopushEnv(env: NodeJS.ProcessEnv, role: SettingsRole): AutopushEnv {
  const families = familiesFor(role);
  const raw: Record<AutopushFamily, Map<string, string>> = { AUTOCONNECT: new Map(), AUTOEND: new Map() };
  const ignored: string[] = [];
  for (const [variable, value] of Object.entries(env)) {
    const m = /^(AUTOCONNECT|AUTOEND)__(.+)$/i.exec(variable);
    if (m === null || value === undefined || value === '') continue;
    const family = m[1]!.toUpperCase() as AutopushFamily;
    const name = m[2]!.toUpperCase();
    if (!families.includes(family)) ignored.push(`${variable} (herald ${role} does not read ${family}__ variables)`);
    else if (autopushNames.some((n) => n.family === family && n.name === name)) raw[family].set(name, value);
    else if (ignoredAutopushNames[family].some((n) => name === n || name.startsWith(n + '__'))) ignored.push(`${variable} (not used by Herald)`);
    else ignored.push(`${variable} (unknown)`);
  }
  const result: AutopushEnv = { values: {}, origins: {}, ignored, conflicts: [] };
  for (const family of families) {
    const t = translateFamily(family, raw[family], (name) => `${family}__${name}`);
    for (const key of Object.keys(t.origins) as (keyof Settings)[]) {
      const before = result.values[key];
      const after = t.values[key];
      if (before !== undefined && after !== undefined && String(before) !== String(after)) {
        result.conflicts.push(`${t.origins[key]}=${String(after)} overrides ${result.origins[key]}=${String(before)}`);
      }
    }
    Object.assign(result.values, t.values);
    Object.assign(result.origins, t.origins);
    if (t.endpointScheme !== undefined && t.values.endpointUrl === undefined && result.values.endpointUrl === undefined) {
      result.endpointScheme = t.endpointScheme;
    }
    if (t.values.endpointUrl !== undefined) delete result.endpointScheme;
  }
  return result;
}
