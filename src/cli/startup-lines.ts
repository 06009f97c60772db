/** What a started node prints: each role's URLs, the node id, the storage. */
import type { Settings } from '../config/settings.js';
import { redactDsn } from '../storage/redact-dsn.js';
import type { RunningNode } from './serve.js';

const ROLE_TEXT = { serve: 'serve: connection + endpoint', connect: 'connect: connection node', endpoint: 'endpoint: endpoint node' } as const;

/** The host a local user would type for a bind address. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export function startupLines(node: Pick<RunningNode, 'role' | 'port' | 'connection' | 'adminPort' | 'bridges'>, settings: Readonly<Settings>, version: string): string {
  const publicBase = `http://${reachableHost(settings.host)}:${node.port}`;
  // In `serve` the endpoint URL names this very port (perhaps behind a proxy); a connection
  // node's own port is elsewhere.
  const wsBase = node.role === 'serve' ? new URL(settings.endpointUrl) : new URL(publicBase);
  const wsUrl = `${wsBase.protocol === 'https:' ? 'wss' : 'ws'}://${wsBase.host}/`;
  const lines = [`Herald ${version} is running (${ROLE_TEXT[node.role]}).`];
  if (node.role !== 'endpoint') {
    lines.push(`  User agents (WebSocket):    ${wsUrl}`, `  Firefox:                    set dom.push.serverURL to ${wsUrl}`);
  }
  if (node.role !== 'connect') lines.push(`  Application servers (HTTP): ${settings.endpointUrl}/wpush/...`);
  else lines.push(`  Push endpoints point to:    ${settings.endpointUrl} (the endpoint nodes)`);
  if (node.bridges.length > 0) lines.push(`  Native-app bridges:         ${node.bridges.join(', ')} (${settings.endpointUrl}/v1/{type}/{app_id}/registration)`);
  lines.push(`  Health:                     ${node.role === 'serve' ? settings.endpointUrl : publicBase}/__heartbeat__`);
  if (node.connection !== null) lines.push(`  Router port (node id):      ${node.connection.nodeId}`);
  if (node.adminPort !== null) {
    const admin = `http://${reachableHost(settings.adminHost)}:${node.adminPort}`;
    lines.push(`  Admin (metrics, dashboard): ${admin}/metrics, ${settings.adminToken === '' ? 'dashboard off (no --admin-token)' : `${admin}/admin/`}`);
  }
  // The DSN may carry the database password; the banner is read by anyone who sees the terminal or the log.
  lines.push(`  Storage:                    ${redactDsn(settings.db)}`);
  lines.push(node.role === 'endpoint' ? 'Stop with Ctrl-C.' : 'Stop with Ctrl-C (unacknowledged messages are saved first).');
  return lines.join('\n');
}
