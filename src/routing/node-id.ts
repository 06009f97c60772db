/**
 * A connection node's id: the URL of its router port, as other nodes reach it and as it is
 * written into router records (`node_id`, docs/protocol.md#identifiers, autopush `Settings::router_url`).
 */

/** `http://{hostname}:{port}`, the port left out when it is 80; IPv6 literals get brackets. */
export function routerUrl(hostname: string, port: number): string {
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return `http://${host}${port === 80 ? '' : `:${port}`}`;
}
