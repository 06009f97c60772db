/**
 * Frames from an identified UA (docs/protocol.md#websocket-protocol): register, unregister, ack,
 * nack, app-level ping, broadcast_subscribe, and Herald's urgency. Storage failures in register and unregister become status 500 in the
 * reply; anywhere else they end the session (1011 Database).
 */
import { SessionError } from '../errors/session-error.js';
import { b64uDecode } from '../crypto/base64url.js';
import { makeEndpoint } from '../crypto/endpoint-token.js';
import type { AckUpdate, ClientFrame } from '../protocol/frames.js';
import { USER_RECORD_VERSION } from '../storage/store.js';
import { onStoredAck, removeAcked } from './check-storage.js';
import { onBroadcastSubscribe } from './broadcasts/session-broadcasts.js';
import { onNack } from './nack.js';
import { onUrgency } from './urgency-level.js';
import type { IdentifiedClient } from './identified.js';

export async function onClientMessage(client: IdentifiedClient, frame: ClientFrame): Promise<void> {
  switch (frame.messageType) {
    case 'hello':
      throw new SessionError('AlreadyHelloed');
    case 'register':
      return register(client, frame.channelID, frame.key);
    case 'unregister':
      return unregister(client, frame.channelID, frame.code);
    case 'ack':
      return ack(client, frame.updates);
    case 'nack':
      return onNack(client, frame.version, frame.code);
    case 'ping':
      return appPing(client);
    case 'broadcast_subscribe':
      // Megaphone (docs/protocol.md#megaphone-broadcasts); accepted silently when no broadcast source is configured.
      return onBroadcastSubscribe(client, frame.broadcasts);
    case 'urgency':
      // Herald extension: the lowest urgency the UA wants from now on.
      return onUrgency(client, frame.urgency);
  }
}

async function register(client: IdentifiedClient, channelID: string, key: string | null): Promise<void> {
  const { env, uaid } = client;
  client.stats.registers++;
  // Abuse controls (src/abuse): refused with a status, and the socket stays open.
  const refused = (await env.admitRegister?.(uaid, channelID, client.userStored)) ?? null;
  if (refused !== null) return client.out.send({ messageType: 'register', channelID, status: refused, pushEndpoint: '' });
  let vapidKey: Buffer | undefined;
  if (key !== null) {
    try {
      vapidKey = b64uDecode(key);
    } catch {
      // Bad input changes nothing in storage: checked before the lazy add_user.
      client.out.send({ messageType: 'register', channelID, status: 400, pushEndpoint: 'Failed to generate endpoint' });
      return;
    }
  }
  let pushEndpoint: string;
  try {
    if (!client.userStored) {
      await env.store.addUser({
        uaid,
        connectedAt: client.connectedAt,
        nodeId: env.nodeId,
        routerType: 'webpush',
        recordVersion: USER_RECORD_VERSION,
        currentTimestamp: 0,
      });
      client.userStored = true;
    }
    pushEndpoint = makeEndpoint(env.cipher, env.settings.endpointUrl, uaid, channelID, vapidKey);
    await env.store.addChannel(uaid, channelID);
  } catch (err) {
    env.logger.warn({ err }, 'register failed');
    client.out.send({ messageType: 'register', channelID, status: 500, pushEndpoint: '' });
    return;
  }
  client.out.send({ messageType: 'register', channelID, status: 200, pushEndpoint });
}

async function unregister(client: IdentifiedClient, channelID: string, code: number | null): Promise<void> {
  client.stats.unregisters++;
  // Forgotten before the delete, so pushes read storage (and get 410) from now on.
  const known = client.knownChannels;
  known.forgetting(channelID);
  try {
    // A uaid without a router record has no channels: 200 without asking storage (docs/protocol.md#unregister).
    if (client.userStored) await client.env.store.removeChannel(client.uaid, channelID);
  } catch (err) {
    client.env.logger.warn({ err, code }, 'unregister failed');
    client.out.send({ messageType: 'unregister', channelID, status: 500 });
    return;
  } finally {
    known.forgotten();
  }
  client.out.send({ messageType: 'unregister', channelID, status: 200 });
}

/**
 * Match each update by channel and version: direct, then the outstanding stored batch. One
 * message can be both (stored before it went live, and read by a storage check meanwhile).
 */
async function ack(client: IdentifiedClient, updates: readonly AckUpdate[]): Promise<void> {
  for (const u of updates) {
    const direct = client.unackedDirect.get(u.version);
    const directAcked = direct !== undefined && direct.channelID === u.channelID;
    if (directAcked) {
      client.unackedDirect.delete(u.version);
      client.env.recentlyAcked.add(client.uaid, direct, client.env.clock.nowMs());
      client.stats.directAcked++;
      // Acked within its sender's window: the sender gets its 201, and nothing was stored.
      client.senders.settle(u.version, 'acked');
      // Stored before routing (ack window 0) or once its window passed; delivered now, so it goes.
      if (direct.stored) await removeAcked(client, direct.version);
      await client.env.onAcked?.(direct);
    }
    const stored = client.storage.unacked.get(u.version);
    if (stored !== undefined && stored.channelID === u.channelID) {
      client.env.recentlyAcked.add(client.uaid, stored, client.env.clock.nowMs());
      await onStoredAck(client, stored);
      // Not twice for a message that was both direct and stored (its receipt is queued once anyway).
      if (!directAcked) await client.env.onAcked?.(stored);
    }
    // Unknown versions (already acked, or from an earlier connection) are ignored.
  }
}

/** `{}` at most once per `appPingMinInterval`; the first is always answered (docs/protocol.md#app-level-ping). */
function appPing(client: IdentifiedClient): void {
  const now = client.env.clock.nowMs();
  const last = client.lastAppPingMs;
  if (last !== null && now - last < client.env.settings.appPingMinInterval * 1000) throw new SessionError('ExcessivePing');
  client.lastAppPingMs = now;
  client.out.send({});
}
