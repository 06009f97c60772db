/**
 * Is a device's `pushCallback` on an allowed push host (docs/device-messages.md#device-registry)? Allowed
 * entries are origins (`https://push.example.com:8443`), or origins with a leading `*.` for any
 * subdomain (`https://*.push.services.mozilla.com`). The scheme must match too, so an http
 * callback is accepted only where an http origin is listed (a local Herald). URL parsing
 * normalises `:443` on https away, as Firefox's callbacks need.
 */

export function isAllowedPushCallback(callback: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(callback);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  return allowed.some((entry) => matches(url, entry));
}

function matches(url: URL, entry: string): boolean {
  const wildcard = /^(https?):\/\/\*\.(.+)$/i.exec(entry);
  if (wildcard === null) {
    try {
      return new URL(entry).origin === url.origin;
    } catch {
      return false;
    }
  }
  let base: URL;
  try {
    base = new URL(`${wildcard[1]}://${wildcard[2]}`);
  } catch {
    return false;
  }
  return url.protocol === base.protocol && url.port === base.port && url.hostname.endsWith(`.${base.hostname}`);
}
