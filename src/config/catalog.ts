/**
 * Every setting with its flag, value name and one line of help: the source of `--help` and of
 * docs/configuration.md, so the two cannot drift.
 */
import type { Settings } from './settings.js';

export interface SettingDoc {
  key: keyof Settings;
  /** Placeholder shown in --help, e.g. `<port>`. */
  value: string;
  help: string;
}

export const settingsCatalog: readonly SettingDoc[] = [
  { key: 'port', value: '<port>', help: 'public port for user agents (WebSocket) and application servers (HTTP)' },
  { key: 'host', value: '<address>', help: 'interface to listen on' },
  { key: 'endpointUrl', value: '<url>', help: 'public base URL of this server, used in push endpoints and as the VAPID audience (default http://127.0.0.1:<port>)' },
  { key: 'db', value: '<dsn>', help: 'storage: sqlite:PATH' },
  { key: 'cryptoKeys', value: '<keys>', help: 'Fernet keys, comma-separated or [k1,k2]; the first encrypts, all decrypt (default: generated into the key file)' },
  { key: 'maxDataBytes', value: '<bytes>', help: 'largest push message body accepted' },
  { key: 'maxTtl', value: '<seconds>', help: 'TTL values above this are clamped' },
  { key: 'msgLimit', value: '<count>', help: 'stored messages sent in one go before a user agent is reset' },
  { key: 'openHandshakeTimeout', value: '<seconds>', help: 'time a new WebSocket has to say hello' },
  { key: 'autoPingInterval', value: '<seconds>', help: 'idle time before the server sends a WebSocket ping' },
  { key: 'autoPingTimeout', value: '<seconds>', help: 'time to wait for the pong' },
  { key: 'appPingMinInterval', value: '<seconds>', help: 'minimum time between app-level pings from a user agent' },
  { key: 'clientChannelCapacity', value: '<count>', help: 'notifications queued for one connected user agent' },
  { key: 'purgeInterval', value: '<seconds>', help: 'time between sweeps of expired messages' },
  { key: 'routerTtlDays', value: '<days>', help: 'user agents unseen this long are forgotten' },
  { key: 'shutdownGrace', value: '<seconds>', help: 'time open sockets get to finish on SIGTERM' },
  { key: 'logLevel', value: '<level>', help: 'fatal, error, warn, info, debug, trace or silent' },
  { key: 'routerPort', value: '<port>', help: 'internal port other nodes use to hand messages to this node (0: any free port)' },
  { key: 'routerHost', value: '<address>', help: 'interface the router port listens on' },
  { key: 'routerHostname', value: '<name>', help: 'host name other nodes use to reach the router port (default: this machine\'s host name)' },
  { key: 'routerKey', value: '<secret>', help: 'shared secret for node-to-node requests (default: derived from the crypto keys)' },
  { key: 'megaphoneApiUrl', value: '<url>', help: 'broadcast source to poll (Megaphone API); empty: none' },
  { key: 'megaphonePollInterval', value: '<seconds>', help: 'time between polls of the broadcast source' },
];
