/**
 * Requests with the request target sent byte for byte (no client-side normalisation), and the
 * other spellings of a path that a router may match: what an attacker tries against access rules
 * written as string checks (docs/security.md).
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send one HTTP/1.1 request with `target` exactly as given; resolves with the parsed answer. */
export function rawRequest(port: number, method: string, target: string, opts: { headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<RawResponse> {
  const body = opts.body ?? '';
  const headers = { host: `127.0.0.1:${port}`, connection: 'close', ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...opts.headers };
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: opts.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${method} ${target} within 10 s`)));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (end === -1 || m === null) return reject(new Error(`not an HTTP answer to ${method} ${target}: ${JSON.stringify(text.slice(0, 200))}`));
      const parsed: Record<string, string> = {};
      for (const line of text.slice(0, end).split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        parsed[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(m[1]), headers: parsed, body: text.slice(end + 4) });
    });
    socket.end(head + body);
  });
}

const encodeChar = (c: string) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0');

/**
 * Spellings of `path` (which starts with `/`, no query) that a lenient router might take for it:
 * percent-encoded letters (lower and upper case hex), doubled slashes, `.` and `..` segments,
 * a fragment, an empty query, an encoded slash.
 */
export function pathVariants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const variants = new Set<string>();
  segments.forEach((seg, i) => {
    const letter = [...seg].findIndex((c) => /[a-z]/i.test(c));
    if (letter === -1) return;
    const encoded = seg.slice(0, letter) + encodeChar(seg[letter]!) + seg.slice(letter + 1);
    const swap = (s: string) => '/' + segments.map((x, j) => (j === i ? s : x)).join('/');
    variants.add(swap(encoded));
    variants.add(swap(encoded.toUpperCase() === encoded ? encoded : encoded.replace(/%[0-9a-f]{2}/, (h) => h.toUpperCase())));
  });
  variants.add('/' + segments.map((s) => [...s].map((c) => (/[a-z]/i.test(c) ? encodeChar(c) : c)).join('')).join('/'));
  variants.add('/' + path);
  variants.add(path.replace(/\/(?=[^/]*$)/, '//'));
  variants.add(path.replace(/^\//, '/./'));
  variants.add(`/x/..${path}`);
  if (segments.length > 1) variants.add(`/${segments[0]}/./${segments.slice(1).join('/')}`);
  if (segments.length > 1) variants.add(`/${segments[0]}%2f${segments.slice(1).join('/')}`);
  variants.add(`${path}#x`);
  variants.add(`${path}?`);
  variants.add(`${path}%23x`);
  variants.delete(path);
  return [...variants];
}
