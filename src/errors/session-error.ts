/**
 * Why a user-agent WebSocket session ends (docs/protocol.md#close-codes): one kind, one close code.
 * The close reason is the kind's name, as autopush sends its error variant name.
 */

export type SessionErrorKind =
  | 'UaidReset'
  | 'ProtocolError'
  | 'UnsupportedMessage'
  | 'InvalidMessage'
  | 'NoHello'
  | 'AlreadyHelloed'
  | 'AlreadyConnected'
  | 'Ghost'
  | 'ExcessivePing'
  | 'HandshakeTimeout'
  | 'PongTimeout'
  | 'SendStalled'
  | 'Database'
  | 'ServerShutdown';

export const sessionCloseCodes: Readonly<Record<SessionErrorKind, number>> = {
  UaidReset: 1000,
  ProtocolError: 1002,
  UnsupportedMessage: 1003,
  InvalidMessage: 1011,
  NoHello: 1011,
  AlreadyHelloed: 1011,
  AlreadyConnected: 1011,
  Ghost: 1011,
  ExcessivePing: 1011,
  HandshakeTimeout: 1011,
  PongTimeout: 1011,
  SendStalled: 1011,
  Database: 1011,
  // 1001 "going away" tells the UA to reconnect (elsewhere) without treating it as an error.
  ServerShutdown: 1001,
};

export class SessionError extends Error {
  readonly kind: SessionErrorKind;
  constructor(kind: SessionErrorKind, detail?: string) {
    super(detail ?? kind);
    this.name = 'SessionError';
    this.kind = kind;
  }
  get closeCode(): number {
    return sessionCloseCodes[this.kind];
  }
}
