/**
 * P-256 keys in their raw wire forms (SEC 1 §2.3.3 uncompressed point, 65 bytes; private scalar,
 * 32 bytes), as Web Push carries them (RFC 8291 §3.1, RFC 8292 §3.2). All math is node:crypto's.
 */
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { BoundedMap } from '../common/bounded-map.js';
import { b64uEncode } from './base64url.js';

/** A P-256 key pair in raw form. */
export interface P256KeyPair {
  /** 32-byte private scalar. */
  privateKey: Buffer;
  /** 65-byte uncompressed point (0x04 ‖ X ‖ Y). */
  publicKey: Buffer;
}

/** A fresh key pair. (JWK export, unlike `ECDH#getPrivateKey`, always gives 32 bytes.) */
export function generateP256KeyPair(): P256KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  return { privateKey: Buffer.from(jwk.d ?? '', 'base64url'), publicKey: Buffer.concat([Buffer.from([4]), x, y]) };
}

/**
 * A verification key from a raw point.
 * @throws Error unless `point` is a 65-byte uncompressed point on the curve.
 */
export function p256PublicKey(point: Uint8Array): KeyObject {
  if (point.length !== 65 || point[0] !== 4) {
    throw new Error(`not an uncompressed P-256 public key (${point.length} bytes)`);
  }
  const id = Buffer.from(point).toString('base64');
  const known = publicKeys.get(id);
  if (known !== undefined) return known;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pointJwk(point), format: 'jwk' });
  } catch {
    throw new Error('not a point on the P-256 curve');
  }
  publicKeys.set(id, key);
  return key;
}

/**
 * Keys made from points recently: an application server signs every push with the same VAPID
 * key, and importing a point (which checks it is on the curve) costs more than the signature
 * check itself. Only valid points are kept.
 */
const publicKeys = new BoundedMap<string, KeyObject>(4096);

/**
 * A signing key from a raw private scalar; its public half is derived, not trusted from outside.
 * @throws Error unless `d` is a valid 32-byte scalar.
 */
export function p256PrivateKey(d: Uint8Array): KeyObject {
  const point = p256PublicFromPrivate(d);
  return createPrivateKey({ key: { ...pointJwk(point), d: b64uEncode(d) }, format: 'jwk' });
}

/** The 65-byte public point of a 32-byte private scalar. @throws Error on an invalid scalar. */
export function p256PublicFromPrivate(d: Uint8Array): Buffer {
  if (d.length !== 32) throw new Error(`a P-256 private key is 32 bytes, got ${d.length}`);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  return ecdh.getPublicKey();
}

/**
 * ECDH shared secret (the X coordinate, 32 bytes) of our private scalar and a peer's point.
 * @throws Error when the peer's key is not a valid point.
 */
export function ecdhSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.computeSecret(peerPublicKey);
}

function pointJwk(point: Uint8Array): { kty: 'EC'; crv: 'P-256'; x: string; y: string } {
  return { kty: 'EC', crv: 'P-256', x: b64uEncode(point.subarray(1, 33)), y: b64uEncode(point.subarray(33, 65)) };
}
