/**
 * Herald's settings: one object, every field documented, defaults in one place.
 * Loaded once at start (`load-settings.ts`) and frozen; the parts receive what they need.
 */

export interface Settings {
  /** Interface to listen on. */
  host: string;
  /** Public port: WebSocket for user agents and the endpoint API for application servers. */
  port: number;
  /** Public base URL of the endpoint API, used in push endpoints, `Location` and the VAPID `aud`. */
  endpointUrl: string;
  /** Storage DSN: `sqlite:PATH` (default `sqlite:./data/herald.db`). */
  db: string;
  /** Backend-specific storage options as a JSON object (autopush `db_settings`); empty: none. */
  dbSettings: string;
  /** Fernet keys (44-character URL-safe base64); encrypt with the first, decrypt with any. */
  cryptoKeys: string[];
  /** Keys for the bridge registration API's auth tokens (autopush `auth_keys`); kept for the bridges. */
  authKeys: string[];
  /** VAPID public keys whose messages autopush tracks (`tracking_keys`); accepted, not used by Herald. */
  trackingKeys: string[];
  /** Largest accepted push body in bytes (autopush: 5630). */
  maxDataBytes: number;
  /** TTL values above this many seconds are clamped (autopush: 30 days). */
  maxTtl: number;
  /**
   * Stored messages that arrived while the UA was away, sent in one storage check before the UAID
   * is reset (autopush: 150); 0: never reset, `maxStoredMessages` bounds the backlog instead.
   */
  msgLimit: number;
  /**
   * Milliseconds an endpoint waits for a connected UA's ack before it stores the message and
   * answers 201; 0: store every message before it goes live.
   */
  ackWindowMs: number;
  /** Seconds a new socket has to send `hello`. */
  openHandshakeTimeout: number;
  /** Seconds between WebSocket ping frames sent to idle user agents. */
  autoPingInterval: number;
  /** Seconds to wait for the pong before closing with PongTimeout. */
  autoPingTimeout: number;
  /** Minimum seconds between app-level pings from a UA (autopush: 45, hard-coded there). */
  appPingMinInterval: number;
  /** Bounded queue of notifications waiting for one connected UA. */
  clientChannelCapacity: number;
  /** Unsent bytes one UA socket may hold: above it the server stops reading it, and routers store instead of queueing. */
  maxUnsentBytes: number;
  /** Seconds a UA socket may stay above `maxUnsentBytes` before it is closed (1011 SendStalled). */
  sendStallTimeout: number;
  /** Seconds between sweeps of expired messages and stale router records. */
  purgeInterval: number;
  /** Days a router record lives without a hello or update (autopush: 60). */
  routerTtlDays: number;
  /** Seconds given to open sockets to finish on SIGTERM before they are closed. */
  shutdownGrace: number;
  /** Seconds over which SIGTERM closes the open sockets, a share at a time, so user agents do not all reconnect at once. */
  shutdownDrain: number;
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
  /** Internal router port of a connection node (`PUT /push`, `PUT /notif`); 0 picks a free one. */
  routerPort: number;
  /** Interface the router port listens on. */
  routerHost: string;
  /** Host name other nodes use to reach this node's router port (its node id); default: the OS host name. */
  routerHostname: string;
  /** Shared secret authenticating node-to-node requests; default: derived from the first crypto key. */
  routerKey: string;
  /** Megaphone broadcast source polled by connection nodes; empty: no broadcasts. */
  megaphoneApiUrl: string;
  /** Seconds between polls of the broadcast source. */
  megaphonePollInterval: number;
  /** Worker processes of `serve`/`connect` on this host, each a node sharing the public port. */
  workers: number;
  /** Sockets (plain HTTP and WebSocket) one process holds on the public port before refusing more with 503; 0: derived from its open-files limit. */
  maxConnections: number;
  /** Plain HTTP connections one client IP may hold on the public port before more get 503; 0: no limit. */
  maxHttpConnectionsPerIp: number;
  /** Seconds a client has to send a whole HTTP request (headers and body) on the public and router ports; slower: 408 and closed. */
  httpRequestTimeout: number;
  /** Seconds an idle kept-alive HTTP connection stays open on the public and router ports. */
  httpIdleTimeout: number;
  /** Origins a device's push callback may use; empty: this server's own endpoint origin. */
  allowedPushOrigins: string[];
  /** Device messages and commands are kept at most this many seconds (Pushbox: 28 days). */
  deviceMessageMaxTtl: number;
  /** Largest device message or command, in bytes of its JSON. */
  deviceMessageMaxBytes: number;
  /** Unexpired device messages and commands one device may hold (both boxes); 0: no limit. */
  deviceMailboxMaxMessages: number;
  /** Bytes (JSON) of unexpired device messages and commands one device may hold; 0: no limit. */
  deviceMailboxMaxBytes: number;
  /** Unexpired device messages and commands all devices of one account may hold; 0: no limit. */
  accountMailboxMaxMessages: number;
  /** Bytes (JSON) of unexpired device messages and commands of one account; 0: no limit. */
  accountMailboxMaxBytes: number;
  /** Devices one account may register; 0: no limit. */
  maxDevicesPerAccount: number;
  /** Sessions one account may hold; beyond it the least recently used session without a device is signed out. 0: no limit. */
  maxSessionsPerAccount: number;
  /** Arrays and objects nested in one another in an account API body; deeper is refused with 400. */
  accountMaxJsonDepth: number;
  /** Web origins that may call the account API from a browser (CORS); empty: none. */
  accountCorsOrigins: string[];
  /** Sign-ins and password re-checks from one client IP: `<per second>:<burst>`; `0`: no limit. */
  limitAccountLoginPerIp: string;
  /** Account creations from one client IP: `<per second>:<burst>`; `0`: no limit. */
  limitAccountCreatePerIp: string;
  /** Any account API request from one client IP: `<per second>:<burst>`; `0`: no limit. */
  limitAccountRequestsPerIp: string;
  /** Costly writes of one account (device messages and commands, device registrations, profile changes): `<per second>:<burst>`; `0`: no limit. */
  limitAccountWritesPerAccount: string;
  /** Failed sign-ins for one email before each further attempt must wait; 0: no per-account delay. */
  loginFailuresBeforeDelay: number;
  /** The longest wait, in seconds, between sign-in attempts for one email after repeated failures. */
  loginDelayMax: number;
  /** New accounts must confirm their email with a mailed code before they do more (needs mail). */
  accountEmailVerification: boolean;
  /** Seconds a mailed account code (verification, reset, sign-in confirmation) lives. */
  accountCodeLifetime: number;
  /** Tries at one mailed account code, right or wrong, before it is dead. */
  accountCodeMaxAttempts: number;
  /** Secondary email addresses one account may have (docs/accounts.md "Secondary emails"); 0: none. */
  accountMaxSecondaryEmails: number;
  /** Seconds after which a sign-in from a place not seen since needs a mailed confirmation code; 0: off (needs mail). */
  accountSignInConfirmation: number;
  /** SMTP server for account mail; empty: no mail. */
  smtpHost: string;
  smtpPort: number;
  /** `starttls` (must upgrade), `tls` (TLS from the start, port 465) or `none` (plain; loopback only). */
  smtpTls: 'starttls' | 'tls' | 'none';
  /** SMTP user; empty: no authentication. */
  smtpUser: string;
  smtpPassword: string;
  /** The From address of account mail, e.g. `Herald <accounts@example.com>`. */
  mailFrom: string;
  /** Pushes to one subscription (uaid + channel): `<per second>:<burst>`; `0`: no limit. */
  limitPushPerSubscription: string;
  /** Pushes signed by one VAPID key: `<per second>:<burst>`; `0`: no limit. */
  limitPushPerVapidKey: string;
  /** Endpoint API requests from one client IP: `<per second>:<burst>`; `0`: no limit. */
  limitPushPerIp: string;
  /** WebSocket upgrades from one client IP: `<per second>:<burst>`; `0`: no limit. */
  limitConnectPerIp: string;
  /** `register` frames of one uaid: `<per second>:<burst>`; `0`: no limit. */
  limitRegisterPerUaid: string;
  /** Keys (subscriptions, IPs…) each rate limiter tracks at most; the least recently seen go first. */
  limitTrackedKeys: number;
  /** Bad answers (404, 410, 401, protocol-error closes) from one IP within `penaltyWindow` before it is blocked; 0: no penalty box. */
  penaltyThreshold: number;
  /** Seconds over which the penalty box counts an IP's bad answers. */
  penaltyWindow: number;
  /** Seconds an IP stays blocked once the penalty box (or an admin without a duration) blocks it. */
  penaltyBlockSeconds: number;
  /** Seconds between reloads of the shared blocklist into each node's cache. */
  blocklistRefreshInterval: number;
  /** Proxy addresses whose `X-Forwarded-For` names the client; empty: the socket address is the client. */
  trustedProxies: string[];
  /** Channels one uaid may hold; a register beyond it is refused with status 413. 0: no limit. */
  maxChannelsPerUaid: number;
  /** Messages stored for one uaid before `storedMessagesPolicy` applies; 0: no limit. */
  maxStoredMessages: number;
  /** What happens beyond `maxStoredMessages`: `drop-oldest` or `reset` (autopush's msg_limit reset). */
  storedMessagesPolicy: 'drop-oldest' | 'reset';
  /** Seconds a push receipt subscription lives (RFC 8030 §6; docs/protocol.md#push-message-receipts). */
  receiptSubscriptionTtl: number;
  /** Unexpired receipt subscriptions one sender (VAPID key, else client IP) may hold. */
  maxReceiptSubscriptionsPerSender: number;
  /** Receipts queued for one receipt subscription before newer ones are dropped. */
  maxQueuedReceipts: number;
  /** Seconds between looks for queued receipts of the receipt subscriptions held open here (fractions allowed). */
  receiptPollInterval: number;
  /** The `stub` bridge of the registration API (tests and demos, docs/bridges.md): `on` or `off`. */
  bridgeStub: 'off' | 'on';
  /** FCM apps as JSON `{"<app_id>": {"project_id", "credential", "is_gcm"?}}` (autopush `fcm.credentials`); empty: no FCM bridge. */
  fcmCredentials: string;
  /** Base URL of the FCM HTTP v1 API. */
  fcmBaseUrl: string;
  /** Shortest TTL sent to FCM, in seconds (shorter ones are raised to it). */
  fcmMinTtl: number;
  /** Longest TTL sent to FCM, in seconds (FCM's maximum: 28 days). */
  fcmMaxTtl: number;
  /** Largest FCM data map, in bytes of its JSON. */
  fcmMaxData: number;
  /** Seconds an FCM request (or an OAuth token request) may take. */
  fcmTimeout: number;
  /** APNs channels as JSON `{"<app_id>": {"cert", "key", "key_id"?, "team_id"?, "topic"?, "sandbox"?}}` (autopush `apns.channels`); empty: no APNs bridge. */
  apnsChannels: string;
  /** Largest APNs payload, in bytes of its JSON. */
  apnsMaxData: number;
  /** Seconds an APNs request may take. */
  apnsRequestTimeoutSecs: number;
  /** Where APNs requests go instead of Apple's hosts (`https://host:port`, a proxy or a test server); empty: Apple's, by each channel's `sandbox`. */
  apnsBaseUrl: string;
  /** Seconds a bridged push may spend waiting between retries of an upstream answering 429 or 5xx; 0: no retry. */
  bridgeRetryBudget: number;
  /** Admin port (Prometheus `/metrics`, admin API, dashboard); 0: no admin port. */
  adminPort: number;
  /** Interface the admin port listens on. */
  adminHost: string;
  /** Bearer token of the admin API and dashboard (and `/metrics` when set); empty: only `/metrics`, unauthenticated. */
  adminToken: string;
}

/**
 * The longest ack window: the sender waits this long for its 201 at worst, and a router-port
 * request (3 s timeout, `routing/http-node-router.ts`) must outlast it plus a storage write.
 */
export const MAX_ACK_WINDOW_MS = 1000;

/** Raw values keyed like Settings, before validation; undefined means "not given". */
export type SettingsInput = Partial<Record<keyof Settings, string | number | string[] | undefined>>;

export const defaultSettings: Readonly<Omit<Settings, 'endpointUrl' | 'cryptoKeys'>> = Object.freeze({
  host: '0.0.0.0',
  port: 8080,
  db: 'sqlite:./data/herald.db',
  dbSettings: '',
  authKeys: [],
  trackingKeys: [],
  maxDataBytes: 5630,
  maxTtl: 30 * 24 * 60 * 60,
  // Off: a reset wipes every subscription of the UA, and one sender could trigger it (issue 12);
  // the stored-message maximum below bounds the backlog instead.
  msgLimit: 0,
  ackWindowMs: 100,
  openHandshakeTimeout: 5,
  autoPingInterval: 300,
  autoPingTimeout: 4,
  appPingMinInterval: 45,
  clientChannelCapacity: 128,
  // 1 MiB: far above a full storage batch on a live link, small enough that many stalled
  // sockets cannot exhaust memory (docs/operations.md "Limits and abuse controls").
  maxUnsentBytes: 1 << 20,
  sendStallTimeout: 10,
  purgeInterval: 60,
  routerTtlDays: 60,
  shutdownGrace: 5,
  shutdownDrain: 0,
  logLevel: 'info',
  routerPort: 8081,
  routerHost: '0.0.0.0',
  routerHostname: '',
  routerKey: '',
  megaphoneApiUrl: '',
  megaphonePollInterval: 30,
  workers: 1,
  maxConnections: 0,
  // Far above a browser (about 6) or an application server's pool; trusted proxies are exempt.
  maxHttpConnectionsPerIp: 1000,
  // A push or account request is a few KiB: 30 s is generous even for a slow mobile link.
  httpRequestTimeout: 30,
  // Longer than the idle timeout of clients and load balancers that reuse connections (undici
  // 4 s, AWS ALB and nginx 60 s), so they close an idle socket first: a server closing it
  // while a client sends on it makes the client fail the request ("other side closed").
  // Fastify's default, kept; Node's own 5 s races clients that keep sockets for 5 s or more.
  httpIdleTimeout: 72,
  allowedPushOrigins: [],
  deviceMessageMaxTtl: 28 * 24 * 60 * 60,
  deviceMessageMaxBytes: 48 * 1024,
  // Quotas (docs/device-messages.md "Quotas"): far above Send Tab's use (a few KiB per command,
  // kept up to 30 days), far below what one account could otherwise pile up.
  deviceMailboxMaxMessages: 1000,
  deviceMailboxMaxBytes: 8 * 1024 * 1024,
  accountMailboxMaxMessages: 5000,
  accountMailboxMaxBytes: 32 * 1024 * 1024,
  maxDevicesPerAccount: 50,
  maxSessionsPerAccount: 200,
  accountMaxJsonDepth: 32,
  accountCorsOrigins: [],
  // Account API limits (docs/operations.md "Account API limits"): each sign-in costs a scrypt run.
  limitAccountLoginPerIp: '0.5:30',
  limitAccountCreatePerIp: '0.01:10',
  limitAccountRequestsPerIp: '20:400',
  limitAccountWritesPerAccount: '1:60',
  loginFailuresBeforeDelay: 5,
  loginDelayMax: 60,
  accountEmailVerification: false,
  accountCodeLifetime: 900,
  accountCodeMaxAttempts: 5,
  accountMaxSecondaryEmails: 3,
  accountSignInConfirmation: 0,
  smtpHost: '',
  smtpPort: 587,
  smtpTls: 'starttls',
  smtpUser: '',
  smtpPassword: '',
  mailFrom: '',
  // Abuse limits: far above what one browser, one subscription or one application server needs
  // in normal use (docs/operations.md "Limits and abuse controls").
  limitPushPerSubscription: '10:200',
  limitPushPerVapidKey: '2000:20000',
  limitPushPerIp: '2000:20000',
  limitConnectPerIp: '100:1000',
  limitRegisterPerUaid: '5:200',
  limitTrackedKeys: 100_000,
  penaltyThreshold: 1000,
  penaltyWindow: 60,
  penaltyBlockSeconds: 600,
  blocklistRefreshInterval: 5,
  trustedProxies: [],
  maxChannelsPerUaid: 1000,
  maxStoredMessages: 1000,
  storedMessagesPolicy: 'drop-oldest',
  receiptSubscriptionTtl: 7 * 24 * 60 * 60,
  maxReceiptSubscriptionsPerSender: 100,
  maxQueuedReceipts: 1000,
  receiptPollInterval: 1,
  bridgeStub: 'off',
  fcmCredentials: '',
  // autopush's FCM and APNs defaults (autoendpoint/src/routers/{fcm,apns}/settings.rs).
  fcmBaseUrl: 'https://fcm.googleapis.com',
  fcmMinTtl: 60,
  fcmMaxTtl: 28 * 24 * 60 * 60,
  fcmMaxData: 4096,
  fcmTimeout: 3,
  apnsChannels: '',
  apnsMaxData: 4096,
  apnsRequestTimeoutSecs: 20,
  apnsBaseUrl: '',
  bridgeRetryBudget: 2,
  // Off by default: several Herald processes on one host (connect + endpoint) must not fight
  // over a port nobody asked for. Loopback unless the operator says otherwise.
  adminPort: 0,
  adminHost: '127.0.0.1',
  adminToken: '',
});
