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
  /** More for docs/configuration.md only (what --help would not fit). */
  more?: string;
  /** The default in words, where the value itself says nothing (derived or empty). */
  defaultText?: string;
  /** The roles whose `--help` shows it; absent: every role (`herald serve` shows them all). */
  roles?: readonly SettingRole[];
}

/** A process role that uses only part of the settings. */
export type SettingRole = 'connect' | 'endpoint';
const CONNECT = ['connect'] as const;
const ENDPOINT = ['endpoint'] as const;

/** The config-file option every command that loads settings offers (`loadSettings` reads `config`). */
export const configOption = {
  flags: '--config <path>',
  help: 'read settings from a JSON or TOML file (Herald or autopush key names); env HERALD_CONFIG',
} as const;

export const settingsCatalog: readonly SettingDoc[] = [
  { key: 'port', value: '<port>', help: 'public port for user agents (WebSocket) and application servers (HTTP)' },
  { key: 'host', value: '<address>', help: 'interface to listen on' },
  { key: 'endpointUrl', value: '<url>', help: 'public base URL of this server, used in push endpoints and as the VAPID audience (default http://127.0.0.1:<port>)', defaultText: 'http://127.0.0.1:<port> (http://<host>:<port> for a specific host)' },
  { key: 'db', value: '<dsn>', help: 'storage: sqlite:PATH, postgres://…, redis://… or redis+cluster://HOST:PORT,… (docs/storage.md)' },
  {
    key: 'dbSettings',
    value: '<json>',
    help: 'backend-specific storage options as a JSON object (accepted, not used yet)',
    more: 'Accepted so autopush configurations (`db_settings`) load unchanged; it must parse as a JSON object, and Herald\'s backends take no options from it yet.',
  },
  { key: 'cryptoKeys', value: '<keys>', help: 'Fernet keys, comma-separated or [k1,k2]; the first encrypts, all decrypt (default: generated into the key file)', defaultText: 'generated into the key file beside the SQLite database' },
  {
    key: 'authKeys',
    value: '<keys>',
    help: 'keys for the auth tokens of the bridge registration API, comma-separated or [k1,k2]',
    more: 'The secrets of the bridge registration API (`/v1/{router_type}/{app_id}/registration`, [bridges.md](bridges.md)) are HMACs of the uaid under these, as in autopush: the first signs new ones, any verifies. Required when a bridge is configured.',
  },
  {
    key: 'trackingKeys',
    value: '<keys>',
    help: 'VAPID public keys whose messages autopush tracks; accepted for compatibility, unused',
    more: 'Accepted so autopush configurations load unchanged; Herald does not use them.',
  },
  { key: 'maxDataBytes', value: '<bytes>', help: 'largest push message body accepted', roles: ENDPOINT },
  { key: 'maxTtl', value: '<seconds>', help: 'TTL values above this are clamped', roles: ENDPOINT },
  {
    key: 'msgLimit',
    value: '<count>',
    help: 'stored messages that arrived while a user agent was away, sent in one go before it is reset (0: never reset)',
    more: 'autopush resets at 150. A reset deletes every subscription of the user agent, and one sender pushing to one subscription could cause it, so Herald does not reset by default: `max-stored-messages` bounds the backlog, and the user agent gets all of it in batches. Messages that arrived while the user agent was connected never count.',
    roles: CONNECT,
  },
  {
    key: 'ackWindowMs',
    value: '<milliseconds>',
    help: 'time the endpoint waits for a connected user agent to ack a push before it stores it and answers 201 (0: store every push before it goes live)',
    more: 'A push to a connected user agent is answered 201 once the user agent acks it, and a promptly acked push is never written to storage. When the window passes without an ack, the message is stored, then answered 201, and the connection deletes the stored copy on a later ack. At most 1000. See [architecture.md](architecture.md#ack-gated-delivery).',
    roles: ENDPOINT,
  },
  { key: 'openHandshakeTimeout', value: '<seconds>', help: 'time a new WebSocket has to say hello', roles: CONNECT },
  { key: 'autoPingInterval', value: '<seconds>', help: 'idle time before the server sends a WebSocket ping', more: 'Fractions allowed. When a subscribed broadcast changed, a `broadcast` frame is sent instead of the ping.', roles: CONNECT },
  { key: 'autoPingTimeout', value: '<seconds>', help: 'time to wait for the pong', more: 'Fractions allowed; a missed pong closes the socket with 1011 PongTimeout.', roles: CONNECT },
  { key: 'appPingMinInterval', value: '<seconds>', help: 'minimum time between app-level pings from a user agent', roles: CONNECT },
  { key: 'clientChannelCapacity', value: '<count>', help: 'notifications queued for one connected user agent', roles: CONNECT },
  {
    key: 'maxUnsentBytes',
    value: '<bytes>',
    help: 'unsent bytes one user agent socket may hold; above it the server stops reading the socket (at least 65536)',
    more: 'Replies and notifications the user agent has not read yet. Above the limit, routers store its messages instead of queueing them, and its frames are not read until what was sent is flushed; this bounds the memory a client that sends without reading can take.',
    roles: CONNECT,
  },
  { key: 'sendStallTimeout', value: '<seconds>', help: 'time a user agent socket may stay above max-unsent-bytes before it is closed with 1011 SendStalled', roles: CONNECT },
  { key: 'purgeInterval', value: '<seconds>', help: 'time between sweeps of expired messages' },
  { key: 'routerTtlDays', value: '<days>', help: 'user agents unseen this long are forgotten' },
  { key: 'shutdownGrace', value: '<seconds>', help: 'time open sockets get to finish on SIGTERM', roles: CONNECT },
  {
    key: 'shutdownDrain',
    value: '<seconds>',
    help: 'spread the closing of open sockets on SIGTERM over this time (0: all at once)',
    more: 'New upgrades are refused with 503 from the start of the drain, so a load balancer moves user agents to other nodes a share at a time instead of all at once. Each closed session then has `shutdown-grace` seconds to save its unacked messages. Try 30 in a cluster; the default suits one node, where there is nowhere else to go.',
    roles: CONNECT,
  },
  { key: 'logLevel', value: '<level>', help: 'fatal, error, warn, info, debug, trace or silent' },
  { key: 'routerPort', value: '<port>', help: 'internal port other nodes use to hand messages to this node (0: any free port)', roles: CONNECT },
  { key: 'routerHost', value: '<address>', help: 'interface the router port listens on', roles: CONNECT },
  { key: 'routerHostname', value: '<name>', more: 'With the router port it forms this node\'s id, `http://<routerHostname>:<routerPort>`.', help: 'host name other nodes use to reach the router port (default: this machine\'s host name)', defaultText: 'this machine\'s host name', roles: CONNECT },
  { key: 'routerKey', value: '<secret>', help: 'shared secret for node-to-node requests (default: derived from the crypto keys)', defaultText: 'derived from the crypto keys' },
  { key: 'megaphoneApiUrl', value: '<url>', help: 'broadcast source to poll (Megaphone API); empty: none', more: 'Expects `{"broadcasts":{"<id>":"<version>"}}`; redirects are followed. A connection node that cannot read it at start-up does not start; later failures are logged and the last versions kept. Without it, `hello` gets `broadcasts: {}` and `broadcast_subscribe` is accepted silently.', roles: CONNECT },
  { key: 'megaphonePollInterval', value: '<seconds>', help: 'time between polls of the broadcast source', roles: CONNECT },
  {
    key: 'workers',
    value: '<count>',
    help: 'worker processes on this host, each a node of the cluster sharing the public port',
    more: 'One process holds at most about as many sockets as its open-files limit; more workers hold more. Each worker opens its own router port: --router-port + worker number (or a free one with 0). Needs storage all workers share (SQLite file, PostgreSQL or Redis).',
    roles: CONNECT,
  },
  {
    key: 'maxConnections',
    value: '<count>',
    help: 'sockets (HTTP and WebSocket) one process holds on the public port before it refuses new ones with HTTP 503 (0: its open-files limit minus 512)',
    more: 'A socket that upgrades to a WebSocket counts once. A refused socket gets 503 with `Retry-After` on its request or upgrade, then is closed.',
    defaultText: 'the open-files limit minus 512',
  },
  {
    key: 'maxHttpConnectionsPerIp',
    value: '<count>',
    help: 'plain HTTP connections one client IP may hold on the public port; more get HTTP 503 (0: no limit)',
    more: 'Counted by the socket\'s peer address (an IPv6 /64 as one address); a socket that upgrades to a WebSocket leaves this count (user agents behind one NAT are many). Connections from `--trusted-proxies` are not counted per IP, only in `--max-connections`.',
  },
  {
    key: 'httpRequestTimeout',
    value: '<seconds>',
    help: 'time a client has to send a whole HTTP request, headers and body, on the public and router ports; a slower one gets 408 and is closed',
    more: 'Also bounds how long a new connection may stay silent before its first request. Checked about every second (every quarter of the timeout when that is shorter). WebSockets are not affected once upgraded.',
  },
  {
    key: 'httpIdleTimeout',
    value: '<seconds>',
    help: 'time an idle kept-alive HTTP connection stays open on the public and router ports',
    more: 'Keep it above the idle timeout of clients and load balancers in front of Herald (undici 4 s, AWS ALB and nginx 60 s), so they close idle connections first; a server that closes one as a client reuses it makes that request fail.',
  },
  {
    key: 'allowedPushOrigins',
    value: '<origins>',
    help: 'origins a device push callback may use, comma-separated (https://*.example.com for subdomains)',
    defaultText: 'the origin of the endpoint URL',
    roles: ENDPOINT,
  },
  { key: 'deviceMessageMaxTtl', value: '<seconds>', help: 'device messages and commands are kept at most this long', roles: ENDPOINT },
  { key: 'deviceMessageMaxBytes', value: '<bytes>', help: 'largest device message or command (JSON bytes)', roles: ENDPOINT },
  {
    key: 'deviceMailboxMaxMessages',
    value: '<count>',
    help: 'unexpired device messages and commands one device may hold (0: no limit); beyond it: 507, errno 902',
    more: 'Counted over both boxes of the target device when a message or command is sent. Entries leave when they expire (`--device-message-max-ttl`), not when read. See [device-messages.md](device-messages.md#quotas).',
    roles: ENDPOINT,
  },
  { key: 'deviceMailboxMaxBytes', value: '<bytes>', help: 'bytes of unexpired device messages and commands one device may hold (0: no limit)', roles: ENDPOINT },
  { key: 'accountMailboxMaxMessages', value: '<count>', help: 'unexpired device messages and commands of all devices of one account (0: no limit)', roles: ENDPOINT },
  { key: 'accountMailboxMaxBytes', value: '<bytes>', help: 'bytes of unexpired device messages and commands of one account (0: no limit)', roles: ENDPOINT },
  { key: 'maxDevicesPerAccount', value: '<count>', help: 'devices one account may register (0: no limit); beyond it: 400, errno 901', roles: ENDPOINT },
  {
    key: 'maxSessionsPerAccount',
    value: '<count>',
    help: 'sessions one account may hold (0: no limit); a sign-in beyond it signs out the least recently used session without a device',
    more: 'Sessions bound to a device are never signed out this way; when every session has a device, the sign-in is refused with 400, errno 903. Keep it above `--max-devices-per-account`.',
    roles: ENDPOINT,
  },
  { key: 'accountMaxJsonDepth', value: '<levels>', help: 'arrays and objects nested in one another in an account API body; deeper: 400, errno 106', roles: ENDPOINT },
  {
    key: 'accountCorsOrigins',
    value: '<origins>',
    help: 'web origins that may call /v1/account/… and /v1/session/… from a browser, comma-separated (default: none)',
    more: 'Without it the account API sends no CORS headers and answers preflights without them, so no other website can make its visitors\' browsers sign in (or guess passwords) here. Firefox and native clients do not need CORS; the devices page is served from this origin.',
    roles: ENDPOINT,
  },
  {
    key: 'limitAccountLoginPerIp',
    value: '<rate:burst>',
    help: 'sign-ins and password re-checks from one client IP, per second:burst (0: no limit); over it: 429, errno 114',
    more: 'Each costs a scrypt run. Failed sign-ins also count in the penalty box (`--penalty-threshold`). See [operations.md](operations.md#account-api-limits).',
    roles: ENDPOINT,
  },
  { key: 'limitAccountCreatePerIp', value: '<rate:burst>', help: 'account creations from one client IP, per second:burst (0: no limit)', roles: ENDPOINT },
  { key: 'limitAccountRequestsPerIp', value: '<rate:burst>', help: 'account API requests of any kind from one client IP, per second:burst (0: no limit)', roles: ENDPOINT },
  {
    key: 'limitAccountWritesPerAccount',
    value: '<rate:burst>',
    help: 'device messages, commands, device registrations and profile changes of one account, per second:burst (0: no limit)',
    roles: ENDPOINT,
  },
  {
    key: 'loginFailuresBeforeDelay',
    value: '<count>',
    help: 'failed sign-ins for one email before further attempts must wait (0: no per-account delay)',
    more: 'After that many failures each attempt waits 1 s, then 2 s, 4 s… after the last failure, up to `--login-delay-max`; a successful sign-in or 15 minutes without a failure clears it. While waiting every attempt, the right password too, gets 429 (errno 114) without checking the password. Counted per node.',
    roles: ENDPOINT,
  },
  { key: 'loginDelayMax', value: '<seconds>', help: 'longest wait between sign-in attempts for one email after repeated failures', roles: ENDPOINT },
  {
    key: 'accountEmailVerification',
    value: '<true|false>',
    help: 'new accounts must confirm their email with a mailed code before they register devices or send (needs --smtp-host and --mail-from)',
    more: 'What an unverified account may do is in [accounts.md](accounts.md#email-verification). Without mail configured, `herald serve` refuses to start with this on.',
    roles: ENDPOINT,
  },
  { key: 'accountCodeLifetime', value: '<seconds>', help: 'how long a mailed account code (email verification, password reset) works (60 to 86400)', roles: ENDPOINT },
  { key: 'accountCodeMaxAttempts', value: '<count>', help: 'tries at one mailed account code, right or wrong, before it is dead (1 to 20)', roles: ENDPOINT },
  {
    key: 'accountMaxSecondaryEmails',
    value: '<count>',
    help: 'secondary email addresses one account may add (0 to 20; 0: none)',
    more: 'See [accounts.md](accounts.md#secondary-emails).',
    roles: ENDPOINT,
  },
  {
    key: 'accountSignInConfirmation',
    value: '<seconds>',
    help: 'a sign-in from a place (client network and browser) not seen for this long must be confirmed with a mailed code; 0: off (needs --smtp-host and --mail-from)',
    more: 'What a place is and what an unconfirmed session may do: [accounts.md](accounts.md#sign-in-confirmation). 0 or 3600 to 31536000 (a year).',
    roles: ENDPOINT,
  },
  { key: 'smtpHost', value: '<host>', help: 'SMTP server for account mail (codes, security notices); empty: no mail', defaultText: 'none (no mail)', roles: ENDPOINT },
  { key: 'smtpPort', value: '<port>', help: 'SMTP server port (587 for STARTTLS, 465 for TLS)', roles: ENDPOINT },
  { key: 'smtpTls', value: '<starttls|tls|none>', help: 'starttls: upgrade and require TLS; tls: TLS from the first byte; none: plain SMTP (only for a server on loopback)', roles: ENDPOINT },
  { key: 'smtpUser', value: '<user>', help: 'SMTP user name; empty: no authentication', roles: ENDPOINT },
  { key: 'smtpPassword', value: '<password>', help: 'SMTP password (prefer HERALD_SMTP_PASSWORD or the config file to a flag)', roles: ENDPOINT },
  { key: 'mailFrom', value: '<address>', help: 'From address of account mail, e.g. "Herald <accounts@example.com>"', roles: ENDPOINT },
  {
    key: 'limitPushPerSubscription',
    value: '<rate:burst>',
    help: 'pushes to one subscription, per second:burst (0: no limit); over it: 429 with Retry-After',
    more: 'A token bucket per push endpoint (uaid and channel): it holds `burst` tokens, refills at `rate` per second, and each push takes one. See [operations.md](operations.md#limits-and-abuse-controls).',
    roles: ENDPOINT,
  },
  { key: 'limitPushPerVapidKey', value: '<rate:burst>', help: 'pushes signed by one VAPID key, per second:burst (0: no limit)', roles: ENDPOINT },
  { key: 'limitPushPerIp', value: '<rate:burst>', help: 'endpoint API requests from one client IP, per second:burst (0: no limit)', roles: ENDPOINT },
  { key: 'limitConnectPerIp', value: '<rate:burst>', help: 'WebSocket connects from one client IP, per second:burst (0: no limit); over it: HTTP 429', roles: CONNECT },
  { key: 'limitRegisterPerUaid', value: '<rate:burst>', help: 'register frames of one user agent, per second:burst (0: no limit); over it: status 429', roles: CONNECT },
  { key: 'limitTrackedKeys', value: '<count>', help: 'keys each rate limiter remembers; the least recently seen are forgotten first' },
  {
    key: 'penaltyThreshold',
    value: '<count>',
    help: 'bad answers (404, 410, 401, protocol errors) from one IP within the penalty window before it is blocked (0: never)',
    more: 'A block answers 403 (errno 116) on the endpoint API and on WebSocket upgrades, and is written to the shared blocklist so every node sharing the storage enforces it.',
  },
  { key: 'penaltyWindow', value: '<seconds>', help: 'time over which bad answers of one IP are counted' },
  { key: 'penaltyBlockSeconds', value: '<seconds>', help: 'time an IP stays blocked by the penalty box' },
  { key: 'blocklistRefreshInterval', value: '<seconds>', help: 'time between reloads of the shared blocklist into this node\'s cache' },
  {
    key: 'trustedProxies',
    value: '<addresses>',
    help: 'proxy IPs whose X-Forwarded-For names the client, comma-separated (default: none, the socket address is the client)',
    more: 'Only a request whose socket peer is listed has its `X-Forwarded-For` read; the client is the right-most address in it that is not itself a listed proxy.',
  },
  { key: 'maxChannelsPerUaid', value: '<count>', help: 'channels one user agent may hold; a register beyond it gets status 413 (0: no limit)', roles: CONNECT },
  {
    key: 'maxStoredMessages',
    value: '<count>',
    help: 'messages stored for one user agent before the stored-messages policy applies (0: no limit)',
    more: 'Checked after a push is stored, on a sample of pushes (every tenth of the limit per node), so the count may run a little over before the policy applies.',
    roles: ENDPOINT,
  },
  {
    key: 'storedMessagesPolicy',
    value: '<policy>',
    help: 'beyond max-stored-messages: drop-oldest (delete the oldest stored) or reset (forget the user agent, as autopush\'s msg_limit does)',
    roles: ENDPOINT,
  },
  {
    key: 'receiptSubscriptionTtl',
    value: '<seconds>',
    help: 'time a push receipt subscription lives (RFC 8030 §6); after it, pushes naming it get 400 errno 118',
    more: 'Receipts queued for an expired receipt subscription are deleted with it. See [protocol.md](protocol.md#push-message-receipts).',
    roles: ENDPOINT,
  },
  {
    key: 'maxReceiptSubscriptionsPerSender',
    value: '<count>',
    help: 'unexpired push receipt subscriptions one sender may hold; one more gets 429 errno 119',
    more: 'A sender is its VAPID public key when it signs its request, else its client IP address (an IPv6 client: its /64).',
    roles: ENDPOINT,
  },
  { key: 'maxQueuedReceipts', value: '<count>', help: 'push receipts kept for one receipt subscription until its application server fetches them; newer ones are dropped', more: 'Applied where the user agent\'s ack arrives, so it is a setting of the connection role.', roles: CONNECT },
  {
    key: 'receiptPollInterval',
    value: '<seconds>',
    help: 'time between looks in storage for receipts of the receipt subscriptions an application server holds open here',
    more: 'Fractions allowed. A receipt whose ack reached this same process is sent at once; one acked on another node waits for the next look.',
    roles: ENDPOINT,
  },
  {
    key: 'adminPort',
    value: '<port>',
    help: 'admin port: Prometheus /metrics, the admin API and the dashboard at /admin/ (0: none)',
    more: 'With `--workers`, worker N listens on this port + N. See [operations.md](operations.md#admin-api-and-dashboard).',
  },
  { key: 'adminHost', value: '<address>', help: 'interface the admin port listens on' },
  {
    key: 'bridgeStub',
    value: '<on|off>',
    help: 'serve the stub router type of the bridge registration API, for tests and demos',
    more: 'App id `success` accepts every push, `error` fails every one, and a device token `unregistered` is forgotten on its first push. See [bridges.md](bridges.md).',
    roles: ENDPOINT,
  },
  {
    key: 'fcmCredentials',
    value: '<json>',
    help: 'FCM apps: {"<app_id>": {"project_id": "…", "credential": <service-account JSON, as text or object, or a file path>}}',
    more: 'Turns the `fcm` and `gcm` router types on. Each app id gets its own service account; a credential that does not parse, or whose private key does not load, stops the start with an error naming this setting. See [bridges.md](bridges.md#fcm).',
    roles: ENDPOINT,
  },
  { key: 'fcmBaseUrl', value: '<url>', help: 'base URL of the FCM HTTP v1 API', roles: ENDPOINT },
  { key: 'fcmMinTtl', value: '<seconds>', help: 'shortest TTL sent to FCM; shorter ones are raised to it', roles: ENDPOINT },
  { key: 'fcmMaxTtl', value: '<seconds>', help: 'longest TTL sent to FCM; longer ones are lowered to it', roles: ENDPOINT },
  { key: 'fcmMaxData', value: '<bytes>', help: 'largest FCM data map (JSON); a bigger push gets 413', roles: ENDPOINT },
  { key: 'fcmTimeout', value: '<seconds>', help: 'time an FCM request or OAuth token request may take; longer gets 503', roles: ENDPOINT },
  {
    key: 'apnsChannels',
    value: '<json>',
    help: 'APNs channels: {"<app_id>": {"key": "…", "key_id": "…", "team_id": "…", "topic": "…", "sandbox": false}} (token auth) or {"cert": "…", "key": "…"} (certificate auth)',
    more: '`cert` and `key` are PEM text or file paths. Turns the `apns` router type on. A channel that does not load stops the start with an error naming this setting. See [bridges.md](bridges.md#apns).',
    roles: ENDPOINT,
  },
  { key: 'apnsMaxData', value: '<bytes>', help: 'largest APNs payload (JSON); a bigger push gets 413', roles: ENDPOINT },
  { key: 'apnsRequestTimeoutSecs', value: '<seconds>', help: 'time an APNs request may take; longer gets 503', roles: ENDPOINT },
  {
    key: 'apnsBaseUrl',
    value: '<url>',
    help: 'send APNs requests here instead of Apple\'s hosts (an https:// proxy or test server)',
    defaultText: 'Apple\'s: api.push.apple.com, or api.sandbox.push.apple.com for a channel with "sandbox": true',
    roles: ENDPOINT,
  },
  { key: 'bridgeRetryBudget', value: '<seconds>', help: 'time a bridged push may spend waiting to retry an upstream that answers 429 or 5xx; then 503 (0: no retry)', roles: ENDPOINT },
  {
    key: 'adminToken',
    value: '<token>',
    help: 'bearer token for the admin API, the dashboard and /metrics (empty: no admin API; /metrics open)',
    more: 'At least 16 characters. Without it only `/metrics` is served on the admin port, without authentication: keep the port on loopback or a private network then.',
  },
];
