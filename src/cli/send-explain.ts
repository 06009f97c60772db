/**
 * What `herald send` prints about a push service's answer: the status line, the message's
 * Location and TTL on success, and on failure the errno with its meaning from the errno table
 * (src/errors/api-error.ts, docs/errors.md) and what the sender should do.
 */
import { STATUS_CODES } from 'node:http';
import { apiErrorTable, type ApiErrorKind } from '../errors/api-error.js';
import type { SendPushResult } from '../sdk/sender.js';

/**
 * The endpoint API's kinds (the ones a push sender meets), with the last column of their row in
 * docs/errors.md; send-explain.test.ts keeps the two equal.
 */
export const senderAdvice: Partial<Record<ApiErrorKind, string>> = {
  'invalid-api-version': 'fix the endpoint URL',
  'invalid-token': 'drop the subscription',
  'payload-too-large': 'send less',
  'user-was-deleted': 'drop the subscription',
  'no-subscription': 'drop the subscription',
  'invalid-router-type': '—',
  vapid: 'fix the VAPID signature',
  'invalid-encryption': 'fix the headers',
  'invalid-ttl': 'send `TTL: <seconds>`',
  'invalid-topic': 'fix the topic',
  'negative-ttl': 'send `TTL: 0` or more',
  database: 'retry with exponential back-off',
  'database-busy': 'retry after `Retry-After`',
  'invalid-message-id': '—',
  'not-found': '—',
  'method-not-allowed': '—',
  'bad-request': '—',
  internal: 'retry later',
  'rate-limited': 'wait `Retry-After` seconds (the time until the limit admits one more), then send at a lower rate',
  'ip-blocked': 'stop sending to dead subscriptions; wait for the block to expire',
};

/** The error kinds an answer may stand for: same status and errno, the one whose text matches first. */
export function kindsOf(status: number, errno: number | null, message: string | undefined): ApiErrorKind[] {
  const kinds = (Object.keys(senderAdvice) as ApiErrorKind[]).filter((k) => apiErrorTable[k].status === status && apiErrorTable[k].errno === errno);
  return kinds.sort((a, b) => Number(apiErrorTable[b].message === message) - Number(apiErrorTable[a].message === message));
}

interface ErrorBody {
  errno?: number | null;
  message?: string;
}

function parseBody(body: string): ErrorBody | null {
  try {
    const doc = JSON.parse(body) as unknown;
    return typeof doc === 'object' && doc !== null ? (doc as ErrorBody) : null;
  } catch {
    return null;
  }
}

/** The lines to print for one answer; `ok` says whether the push was accepted (2xx). */
export function explainAnswer(result: SendPushResult): { ok: boolean; lines: string[] } {
  const ok = result.status >= 200 && result.status < 300;
  const lines = [`${result.status} ${STATUS_CODES[result.status] ?? ''}`.trimEnd()];
  if (ok) {
    if (result.location) lines.push(`Location: ${result.location}`);
    if (result.ttl !== null) lines.push(`TTL: ${result.ttl}`);
    return { ok, lines };
  }
  const body = parseBody(result.body);
  const errno = typeof body?.errno === 'number' ? body.errno : null;
  const message = typeof body?.message === 'string' ? body.message : undefined;
  const [kind] = kindsOf(result.status, errno, message);
  if (errno !== null || kind !== undefined) lines.push(`errno ${errno ?? 'none'}${kind ? ` (${kind})` : ''}: ${message ?? (kind ? apiErrorTable[kind].message : 'no message')}`);
  else if (result.body) lines.push(`body: ${result.body.slice(0, 500)}`);
  if (kind !== undefined && senderAdvice[kind] !== '—') lines.push(`what to do: ${senderAdvice[kind]!.replace(/`/g, '')}`);
  if (result.retryAfter) lines.push(`Retry-After: ${result.retryAfter}`);
  lines.push('see docs/errors.md');
  return { ok, lines };
}
