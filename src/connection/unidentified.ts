/**
 * A socket before its `hello` (docs/protocol.md#hello). The only frame accepted is `hello`; it
 * yields an identified client.
 *
 * - No, unparseable or unknown uaid: a fresh random UUIDv4 (32 hex). Nothing is written until
 *   the first `register`, and there is no storage check.
 * - Known uaid: `updateUser(uaid, connectedAt, nodeId)`, conditional on the stored connectedAt
 *   being older; false ends the session with AlreadyConnected. Then storage is checked.
 * - Takeover (beyond autopush, docs/protocol.md#ghosting-and-takeover): when the record read before
 * that write named another node,
 *   that node is asked to close its older session of the uaid, which saves its unacked messages
 *   and nudges this node to check storage again.
 */
import { randomUUID } from 'node:crypto';
import { SessionError } from '../errors/session-error.js';
import type { ClientFrame, HelloReply } from '../protocol/frames.js';
import { IdentifiedClient } from './identified.js';
import { openBroadcasts } from './broadcasts/session-broadcasts.js';
import type { ConnectionEnv, Outbox, RegisteredSession } from './types.js';
import type { SenderWaits } from './sender-waits.js';

/**
 * Handle the first frame. On success the client is registered under its uaid (ghosting an older
 * session of the same uaid on this node) and the hello reply is sent; the caller then runs
 * `client.start()` to deliver stored messages.
 * @throws SessionError NoHello when the frame is not a hello, AlreadyConnected when a newer
 *   connection owns the record; store errors propagate.
 */
export async function acceptHello(
  env: ConnectionEnv,
  frame: ClientFrame,
  out: Outbox,
  session: RegisteredSession,
  senders: SenderWaits,
): Promise<IdentifiedClient> {
  if (frame.messageType !== 'hello') throw new SessionError('NoHello');
  const connectedAt = env.nextConnectedAt();
  const found = frame.uaid === null ? null : await env.store.getUser(frame.uaid);
  // A bridged native app's uaid (src/bridges) is not a WebSocket user: the hello gets a new
  // uaid, as in autopush, and the bridged registration is left alone.
  const user = found !== null && found.routerType === 'webpush' ? found : null;
  if (user !== null && !(await env.store.updateUser(user.uaid, connectedAt, env.nodeId))) {
    throw new SessionError('AlreadyConnected');
  }
  const uaid = user?.uaid ?? randomUUID().replace(/-/g, '');
  const client = new IdentifiedClient(env, out, { uaid, connectedAt, user, senders, urgency: frame.urgency });
  env.registry.register(uaid, session, connectedAt);
  if (user?.nodeId != null && user.nodeId !== env.nodeId) takeOver(env, user.nodeId, uaid, connectedAt);
  // Megaphone (docs/protocol.md#megaphone-broadcasts): subscribe to the hello's broadcasts; `{}` without a broadcast source.
  const { subscription, reply: broadcasts } = openBroadcasts(env.broadcasts, frame.broadcasts);
  client.broadcasts = subscription;
  const reply: HelloReply = { messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts };
  out.send(reply);
  return client;
}

/** Ask the node named in the record before this hello to drop its older session; best effort. */
function takeOver(env: ConnectionEnv, previousNode: string, uaid: string, connectedAt: number): void {
  const { router, logger } = env;
  if (router === undefined) return;
  router.disconnect(previousNode, uaid, connectedAt).then(
    (outcome) => logger.debug({ previousNode, outcome }, 'takeover of a uaid held by another node'),
    (err: unknown) => logger.warn({ err, previousNode }, 'takeover request failed'),
  );
}
