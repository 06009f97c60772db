/**
 * One HTTP POST to an upstream (FCM, its OAuth endpoint) with a timeout, turning what can go wrong
 * on the wire into `BridgeFailure`s: no answer in time is `timeout`, no connection `unavailable`.
 * The status and body are left to the caller, which knows what they mean.
 */
import { BridgeFailure } from '../upstream-failure.js';

export interface UpstreamAnswer {
  status: number;
  text: string;
  /** Seconds of a `Retry-After` in seconds (dates are not used by Google). */
  retryAfter?: number;
}

/** Answers are small JSON; a huge one is not read past this. */
const MAX_ANSWER = 64 * 1024;

export async function post(url: string, init: { headers: Record<string, string>; body: string }, timeoutMs: number, what: string): Promise<UpstreamAnswer> {
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal });
    const text = (await res.text()).slice(0, MAX_ANSWER);
    const retry = Number(res.headers.get('retry-after'));
    return { status: res.status, text, ...(Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {}) };
  } catch (err) {
    if (signal.aborted) throw new BridgeFailure('timeout', `${what} did not answer within ${timeoutMs} ms`, { cause: err });
    throw new BridgeFailure('unavailable', `cannot reach ${what}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
  }
}

export function postForm(url: string, form: Record<string, string>, timeoutMs: number, what: string): Promise<UpstreamAnswer> {
  return post(url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() }, timeoutMs, what);
}
