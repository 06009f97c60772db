/**
 * A socket before its `hello` (docs/protocol.md#hello). The only frame accepted is `hello`; it
 * yields an identified client.
 *
 * - No, unparseable or unknown uaid: a fresh random UUIDv4 (32 hex). Nothing is written until
 *   the first `register`, and there is no storage check.
 * - Known uaid: one storage call, `connectUser(uaid, connectedAt, nodeId)`, writes the hello into
 *   the router record, conditional on the stored connectedAt being older (else the session ends
 *   with AlreadyConnected), and says whether anything is stored; then storage is checked, without
 *   reads when nothing is (check-storage.ts).
 * - A bridged native app's uaid is not a WebSocket user: the hello gets a new uaid, as in
 *   autopush, and the bridged registration is left alone.
 * - Takeover (beyond autopush, docs/protocol.md#ghosting-and-takeover): when the record read before
 *   that write named another node, that node is asked to close its older session of the uaid,
 *   which saves its unacked messages and nudges this node to check storage again.
 */
import { randomUUID } from 'node:crypto';
import { SessionError } from '../errors/session-error.js';
import type { ClientFrame, HelloReply } from '../protocol/frames.js';
import type { HelloOutcome } from '../storage/store.js';
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
  const claimed = frame.uaid;
  let hello: HelloOutcome | null = null;
  if (claimed !== null) {
    env.registry.helloStarting(claimed);
    try {
      hello = await env.store.connectUser(claimed, connectedAt, env.nodeId);
    } finally {
      if (hello?.outcome !== 'connected') env.registry.helloSettled(claimed);
    }
  }
  if (hello?.outcome === 'newer-connection') throw new SessionError('AlreadyConnected');
  const known = hello?.outcome === 'connected' ? hello : null;
  const uaid = known?.user.uaid ?? randomUUID().replace(/-/g, '');
  env.registry.register(uaid, session, connectedAt);
  // The first storage check may skip its reads when nothing was stored as the record came to name
  // this node. A message stored after that write is followed by its saver's re-read of the record,
  // which names this node, and a nudge here (endpoint/deliver.ts, identified.ts `finish`): it
  // reaches the session registered just now, or, if it came while the write was in flight, the
  // registry noted it for this hello. Synchronous from `register` on: no nudge falls in between.
  const nudgedMeanwhile = known !== null && claimed !== null && env.registry.helloSettled(claimed);
  const nothingStored = known !== null && !known.mayHaveMessages && !nudgedMeanwhile;
  const user = known?.user ?? null;
  const client = new IdentifiedClient(env, out, { uaid, connectedAt, user, senders, urgency: frame.urgency, nothingStored });
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
