/** Plain HTTP sends, for requests no library would make (bad headers, no body, raw bytes). */
export interface SendResult {
  status: number;
  headers: Headers;
  body: string;
  json(): { code: number; errno: number | null; error: string; message: string };
}

export async function post(endpoint: string, init: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<SendResult> {
  const res = await fetch(endpoint, { method: 'POST', headers: init.headers, body: typeof init.body === 'string' || init.body === undefined ? init.body : new Uint8Array(init.body) });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body) };
}

/** An empty-body push with the given TTL (and optional topic). */
export function pushEmpty(endpoint: string, ttl: number, topic?: string): Promise<SendResult> {
  return post(endpoint, { headers: { TTL: String(ttl), ...(topic ? { Topic: topic } : {}) } });
}
