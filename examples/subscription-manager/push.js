// Sending one message to one subscription, and what each answer of the push service means
// (RFC 8030 §5; Herald's docs/errors.md lists the errno numbers):
//   201        delivered (accepted: the push service delivers it or keeps it for its TTL)
//   404, 410   the subscription is gone for good: delete it
//   413        the message is too large: refuse it (no retry, the subscription stays)
//   429, 5xx   try again after Retry-After, at most `maxAttempts` times and never waiting longer
//              than `maxWaitSeconds` at once; then give up on this message, keep the subscription
//   other      a mistake on our side (VAPID, headers): log it, keep the subscription
import webpush from 'web-push';

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), or null. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (value == null || value === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/** What to do about one answer. */
export function classify(status) {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 404 || status === 410) return 'gone';
  if (status === 413) return 'too-large';
  if (status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/**
 * POST one encrypted message. web-push builds the request (RFC 8291 encryption, RFC 8292 VAPID
 * headers); fetch carries it, because web-push's own sender speaks only https and a push
 * service on a developer's machine is plain http. A network failure counts as status 0.
 */
async function postOnce(subscription, text, { vapidDetails, ttl }) {
  const request = webpush.generateRequestDetails(subscription, text, { vapidDetails, TTL: ttl });
  try {
    const res = await fetch(request.endpoint, {
      method: request.method,
      headers: request.headers,
      body: request.body ? new Uint8Array(request.body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.text();
    let errno;
    try {
      ({ errno } = JSON.parse(body));
    } catch {
      /* not a JSON error document */
    }
    return { status: res.status, retryAfter: res.headers.get('retry-after'), errno, body: body.slice(0, 300) };
  } catch (err) {
    return { status: 0, retryAfter: null, body: String(err.cause?.message ?? err.message) };
  }
}

/**
 * Deliver `text` to one stored subscription, retrying 429 and 5xx within the bounds.
 * Returns `{ outcome, status, attempts, detail }`; outcome is one of delivered, gone, too-large,
 * rejected, gave-up.
 */
export async function deliver(subscription, text, opts) {
  const { maxAttempts = 3, maxWaitSeconds = 30, log = () => {}, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = opts;
  for (let attempt = 1; ; attempt++) {
    const answer = await postOnce(subscription, text, opts);
    const outcome = answer.status === 0 ? 'retry' : classify(answer.status);
    const detail = answer.errno !== undefined ? `errno ${answer.errno}: ${answer.body}` : answer.body || undefined;
    if (outcome !== 'retry') return { outcome, status: answer.status, attempts: attempt, detail };
    // No Retry-After: back off exponentially (1, 2, 4 … seconds).
    const wait = retryAfterSeconds(answer.retryAfter) ?? 2 ** (attempt - 1);
    if (attempt >= maxAttempts || wait > maxWaitSeconds) {
      return { outcome: 'gave-up', status: answer.status, attempts: attempt, detail: `${detail ?? ''} (Retry-After ${answer.retryAfter ?? 'none'})`.trim() };
    }
    log({ status: answer.status, attempt, waitSeconds: wait }, 'push service asked us to retry later; waiting');
    await sleep(wait * 1000);
  }
}
