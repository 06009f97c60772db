/**
 * UUID spellings (docs/protocol.md#identifiers): uaids travel as 32 lowercase hex characters, channel
 * ids as dashed lowercase UUIDs; both become 16 bytes inside tokens and message ids.
 */

const SIMPLE = /^[0-9a-f]{32}$/i;
const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The 32 lowercase hex characters of a UUID given dashed or simple, any case.
 * @throws Error naming `what` when `id` is neither form.
 */
export function uuidHex(id: string, what = 'id'): string {
  if (SIMPLE.test(id)) return id.toLowerCase();
  if (DASHED.test(id)) return id.replace(/-/g, '').toLowerCase();
  throw new Error(`${what} is not a UUID: ${JSON.stringify(id.slice(0, 64))}`);
}

/** The 16 bytes of a UUID given dashed or simple. @throws Error when `id` is not a UUID. */
export function uuidBytes(id: string, what = 'id'): Buffer {
  return Buffer.from(uuidHex(id, what), 'hex');
}

/** 32 hex characters to the dashed lowercase 8-4-4-4-12 form. */
export function dashedUuid(hex: string): string {
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
