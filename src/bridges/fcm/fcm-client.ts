/**
 * One FCM project's `messages:send` (FCM HTTP v1, docs/bridges.md "FCM"): the message as autopush
 * builds it, plus `priority` from `Urgency`, and FCM's answers turned into `BridgeFailure`s.
 */
import { BridgeFailure } from '../upstream-failure.js';
import type { GoogleAccessToken } from './google-token.js';
import { post } from './http-post.js';

export type FcmPriority = 'HIGH' | 'NORMAL';

export interface FcmMessage {
  token: string;
  ttlSeconds: number;
  priority: FcmPriority;
  data: Record<string, string>;
}

export class FcmClient {
  readonly #url: string;
  readonly #auth: GoogleAccessToken;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, projectId: string, auth: GoogleAccessToken, timeoutMs: number) {
    this.#url = new URL(`v1/projects/${encodeURIComponent(projectId)}/messages:send`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href;
    this.#auth = auth;
    this.#timeoutMs = timeoutMs;
  }

  /** @throws BridgeFailure for every answer but 200. */
  async send(m: FcmMessage): Promise<void> {
    const accessToken = await this.#auth.get();
    const body = JSON.stringify({ message: { token: m.token, android: { ttl: `${m.ttlSeconds}s`, priority: m.priority, data: m.data } } });
    const res = await post(this.#url, { headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body }, this.#timeoutMs, 'FCM');
    if (res.status === 200) return;
    const error = upstreamError(res.text);
    const detail = `FCM answered ${res.status}${error.status ? ` ${error.status}` : ''}${error.message ? `: ${error.message.slice(0, 200)}` : ''}`;
    if (res.status === 404 || error.codes.includes('UNREGISTERED')) throw new BridgeFailure('unregistered', detail);
    if (res.status === 401) {
      this.#auth.invalidate();
      throw new BridgeFailure('authentication', detail);
    }
    if (res.status === 403) throw new BridgeFailure('authentication', detail);
    if (res.status === 429 || res.status >= 500) throw new BridgeFailure('busy', detail, res.retryAfter === undefined ? {} : { retryAfter: res.retryAfter });
    throw new BridgeFailure('unavailable', detail);
  }
}

/** FCM's error body: `{"error": {"status", "message", "details": [{"errorCode"}]}}`, all optional. */
function upstreamError(text: string): { status?: string; message?: string; codes: string[] } {
  try {
    const e = (JSON.parse(text) as { error?: { status?: unknown; message?: unknown; details?: unknown } }).error;
    if (e === undefined || e === null || typeof e !== 'object') return { codes: [] };
    const codes = Array.isArray(e.details) ? e.details.map((d: unknown) => (d as { errorCode?: unknown })?.errorCode).filter((c): c is string => typeof c === 'string') : [];
    return { ...(typeof e.status === 'string' ? { status: e.status } : {}), ...(typeof e.message === 'string' ? { message: e.message } : {}), codes };
  } catch {
    return { codes: [] };
  }
}
